"""`wfpromote status --format markdown|html` and the plan comment's graph, through the CLI
against the simulator over HTTP; the HTML page opened in a real headless Chromium (the
system's package), which must load it without a console message, show every package and
environment, and write a screenshot (build/status-page-PROFILE.png) for people to look at.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from apply_sim import Repo, new_repo
from apply_sim import cli_out as cli
from apply_sim import installs_doc as doc

from reconciler.cli import run
from reconciler.simulator.server import SimulatorHandle

ROOT = Path(__file__).resolve().parents[2]
ODD = 'Q3 "Launch" [beta] <b>&amp;</b> `x`'
CHROMIUM = next((p for p in (os.environ.get("WFPROMOTE_CHROMIUM"), shutil.which("chromium"),
                             shutil.which("chromium-browser"), shutil.which("google-chrome"))
                 if p), None)
NO_CHROMIUM = ("Chromium is not installed: apt-get install -y chromium (CI does it in "
               ".ci/run), or set WFPROMOTE_CHROMIUM to a Chrome/Chromium binary")
CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\] \"?(.*?)\"?(?:, source: .*)?$", re.MULTILINE)


def scenario(repo: Repo) -> None:
    """Installed, pending and blocked (a gate and a status) in one repository."""
    repo.put("launch.yaml",
             doc(ODD, "Campaign Launch", "TESTING",
                 [{"environment": "preview"},
                  {"environment": "production", "after": ["preview"]}]))
    repo.put("offboarding.yaml",
             doc("Offboarding", "New Agency Offboarding", "ACTIVE",
                 [{"environment": "preview"}]))
    assert repo.apply()[0] == 0
    repo.put("fresh.yaml",
             doc("Fresh", "Campaign Launch", "ACTIVE",
                 [{"environment": "preview"},
                  {"environment": "production", "after": ["preview"]}]))


def chromium(*args: str, profile_dir: Path) -> tuple[str, list[str]]:
    """Run headless Chromium; its stdout and the page's console messages (errors, CSP
    violations and console.* calls all land there)."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         "--disable-extensions", "--enable-logging=stderr", "--v=0",
         f"--user-data-dir={profile_dir}", *args],
        capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, [m.group(1) for m in CONSOLE.finditer(done.stderr)]


@pytest.mark.skipif(CHROMIUM is None, reason=NO_CHROMIUM)
def test_chromium_reports_console_errors_of_a_broken_page(tmp_path: Path) -> None:
    """The control: the way the page test listens does hear errors and CSP refusals."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" "
                    "content=\"default-src 'none'\"><img src=\"http://127.0.0.1:9/a.png\">"
                    "<p>x</p>", encoding="utf-8")
    _, console = chromium("--dump-dom", page.as_uri(), profile_dir=tmp_path / "profile")
    assert any("Content Security Policy" in m for m in console), console


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_status_pictures_end_to_end(profile: str, sim_server: Callable[..., SimulatorHandle],
                                    tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    repo = new_repo(tmp_path, sim_server(profile=profile))
    scenario(repo)

    code, markdown = cli(repo, capsys, "status", "--format", "markdown")
    assert code == 0
    block = markdown[markdown.index("```mermaid"):markdown.index("```\n", 10) + 4]
    assert block.count("```") == 2 and ODD not in block and "<b>" not in block
    assert 'e0["sandbox"]' in block and "e1 --> e2" in block
    shown = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), block)
    for words in ("installed ", "pending", "blocked: a TESTING package", ODD):
        assert words in shown, words
    assert "installed v1" not in shown      # the content, not the API's version
    assert re.search(r"installed [0-9a-f]{12}", shown)

    code, page = cli(repo, capsys, "status", "--format", "html", "--link-base",
                     "https://github.test/acme/promos/blob/abc123")
    assert code == 0 and page.startswith("<!DOCTYPE html>")
    assert "<script" not in page and html.escape(ODD) in page
    assert 'href="https://github.test/acme/promos/blob/abc123/promotions/launch.yaml#L1"' \
        in page

    assert run(["--config", str(repo.config_path), "status", "--format", "json",
                "--link-base", "x"]) == 1
    assert "--link-base is for --format html" in capsys.readouterr().err

    # the saved plan carries the same picture; the comment body draws it
    plan_file = tmp_path / "plan.json"
    assert run(["--config", str(repo.config_path), "plan", "--out", str(plan_file)]) in (0, 2)
    capsys.readouterr()
    saved = json.loads(plan_file.read_text(encoding="utf-8"))
    cells = {p["name"]: p["cells"] for p in saved["picture"]["packages"]}
    assert cells["Fresh"]["preview"]["state"] == "pending"
    assert cells["Offboarding"]["preview"]["state"] == "installed"
    assert cells[ODD]["production"]["state"] == "blocked"
    code, shown = cli(repo, capsys, "show", str(plan_file), "--format", "markdown")
    assert code == 0 and "**Promotion:**" in shown and "```mermaid" in shown

    if CHROMIUM is None:
        pytest.skip(NO_CHROMIUM)
    file = tmp_path / "status.html"
    file.write_text(page, encoding="utf-8")
    dom, console = chromium("--dump-dom", file.as_uri(), profile_dir=tmp_path / "profile")
    assert console == [], console
    text = html.unescape(re.sub(r"<[^>]+>", " ", dom))
    for name in (ODD, "Offboarding", "Fresh", "sandbox", "preview", "production"):
        assert name in text, name
    for state in ("installed", "pending", "blocked"):
        assert f'data-state="{state}"' in dom
    shot = ROOT / "build" / f"status-page-{profile}.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    _, console = chromium(f"--screenshot={shot}", "--window-size=1280,720",
                          "--hide-scrollbars", file.as_uri(), profile_dir=tmp_path / "profile")
    assert console == [], console
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 5_000
    print(f"\nscreenshot of the status page: {shot} ({len(page.encode())} bytes of HTML)")


# e.g. node_modules/mermaid/dist/mermaid.min.js after npm install mermaid
MERMAID_JS = os.environ.get("WFPROMOTE_MERMAID_JS")


@pytest.mark.skipif(CHROMIUM is None or not MERMAID_JS,
                    reason="set WFPROMOTE_MERMAID_JS to mermaid.min.js (npm install mermaid) "
                           "and install Chromium to draw the graphs with Mermaid itself")
def test_mermaid_itself_draws_the_graphs(tmp_path: Path) -> None:
    """The graphs (every state, hostile names, a cut one, an empty one) parse and render in
    Mermaid under its strict security level, as GitHub runs it; no console error."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "plan"))
    from test_picture_render import all_states

    from reconciler.output.picture import mermaid
    from reconciler.plan.promotion import Matrix, Row

    states = all_states()
    many = tuple(Row(f'P{i} "x" <y> & [z]', f"id{i}", "ACTIVE", 1, states.rows[0].cells)
                 for i in range(300))
    blocks = [mermaid(states), mermaid(Matrix("a", "current", states.environments, many,
                                              states.kinds)),
              mermaid(Matrix("a", "current", states.environments, (), states.kinds))]
    codes = [b.split("\n", 1)[1].rsplit("```", 1)[0] for b in blocks]
    assert MERMAID_JS is not None
    script = Path(MERMAID_JS).resolve()
    page = tmp_path / "mermaid.html"
    page.write_text(
        "<!DOCTYPE html><meta charset=utf-8>"
        f"<script src=\"{script.as_uri()}\"></script><div id=out></div><script>"
        f"const codes = {json.dumps(codes)};"
        "mermaid.initialize({startOnLoad: false, securityLevel: 'strict'});"
        "(async () => { for (let i = 0; i < codes.length; i++) {"
        "  try { await mermaid.parse(codes[i]); const r = await mermaid.render('g' + i, codes[i]);"
        "    document.getElementById('out').insertAdjacentHTML('beforeend', r.svg);"
        "    console.log('drawn ' + i);"
        "  } catch (e) { console.error('failed ' + i + ': ' + e.message); } } })();"
        "</script>", encoding="utf-8")
    shot = ROOT / "build" / "status-graph.png"
    shot.parent.mkdir(exist_ok=True)
    _, console = chromium("--virtual-time-budget=10000", "--allow-file-access-from-files",
                          f"--screenshot={shot}", "--window-size=1400,2400",
                          page.as_uri(), profile_dir=tmp_path / "profile")
    assert [m for m in console if not m.startswith("drawn")] == [], console
    assert sorted(m for m in console if m.startswith("drawn")) == \
        [f"drawn {i}" for i in range(len(codes))]
    print(f"\nthe graphs as Mermaid draws them: {shot}")
