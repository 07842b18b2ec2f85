"""Delete actions show the status that goes away; Markdown sections name file:line."""

from __future__ import annotations

from plan_factories import LEGACY, remote_of, settings, spec

from reconciler.domain.declared import PackageSpec, SourceRef
from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.plan.model import Plan
from reconciler.plan.planner import plan


def deleting_plan(status: str | None = "DISABLED") -> tuple[Plan, str]:
    # A slim listing may leave the status out: model that as None after the fact.
    gone = remote_of(spec("Gone")).model_copy(update={"status": status})
    return plan([spec("Keep")], [remote_of(spec("Keep")), gone],
                settings(prune="delete", capabilities=LEGACY)), gone.id


def test_text_delete_detail_is_the_status_not_the_id_again() -> None:
    p, gone_id = deleting_plan()
    lines = render_text(p).splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("  - Gone  delete"))
    assert gone_id in lines[head]
    assert lines[head + 1] == '      - status: "DISABLED"'
    assert gone_id not in lines[head + 1]


def test_markdown_delete_detail_is_the_status() -> None:
    p, gone_id = deleting_plan("ACTIVE")
    md = render_markdown(p)
    assert '- status: "ACTIVE"' in md
    assert f"- id: \"{gone_id}\"" not in md


def test_delete_with_an_unlisted_status_says_so() -> None:
    p, _ = deleting_plan(None)
    assert "- status: (not listed)" in render_text(p)


def located(name: str, file: str, line: int) -> PackageSpec:
    return spec(name).model_copy(update={"origin": SourceRef(file=file, line=line)})


def test_markdown_summary_names_the_declaration_file_and_line() -> None:
    p = plan([located("Agency", "promotions/agency.yaml", 7)], [], settings())
    md = render_markdown(p)
    summary = md[md.index("<summary>"):md.index("</summary>")]
    assert "at <code>promotions/agency.yaml:7</code>" in summary


def test_markdown_origin_is_escaped_and_keeps_the_line_number() -> None:
    p = plan([located("A", "odd/<b>*x*`|.yaml", 3),
              located("B", "deep/" + "d" * 300 + ".yaml", 42)], [], settings())
    md = render_markdown(p)
    assert "<b>*x*" not in md and "&lt;b&gt;&#42;x&#42;&#96;&#124;.yaml:3" in md
    assert ".yaml:42</code>" in md and "d" * 250 not in md
