"""Which wfpromote this is: the version, and the git commit it was made from when known.

The version has one home, ``reconciler.__version__`` (hatch reads it from there for the
package metadata). The commit is found, first answer wins, in:

1. ``_commit.txt`` beside this module. It holds ``$Format:%H$``, which ``git archive``
   replaces with the commit (``export-subst`` in ``.gitattributes``): GitHub's tarballs are
   made that way, so the Action (``uses: OWNER/wfpromote@SHA``) and
   ``pip install https://github.com/OWNER/wfpromote/archive/SHA.tar.gz`` know their commit.
   A build from a git checkout writes the commit there as well (``hatch_build.py``).
2. PEP 610's ``direct_url.json`` of the installed distribution: ``vcs_info.commit_id`` for
   ``pip install git+https://...@SHA``.
3. A run from a git checkout (``make install``'s editable install, ``python -m reconciler``):
   ``git rev-parse HEAD`` of the checkout, when git is there; a failure is no answer.

Nothing here ever fails the caller: no commit is ``None``.
"""

from __future__ import annotations

import json
import re
import subprocess
from functools import cache
from pathlib import Path

from reconciler import __version__

_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_HERE = Path(__file__).resolve().parent
COMMIT_FILE = _HERE / "_commit.txt"              # git archive's export-subst
BUILD_COMMIT_FILE = _HERE / "_build_commit.txt"  # hatch_build.py, in a wheel or sdist


def version() -> str:
    return __version__


@cache
def commit() -> str | None:
    """The full commit SHA this code was made from, or None when it cannot be told."""
    for source in (_from_file, _from_direct_url, _from_checkout):
        try:
            found = source()
        except Exception:  # any failure is "not known" (a broken install, no git, ...)
            found = None
        if found:
            return found
    return None


def describe() -> str:
    """``wfpromote 0.2.0 (commit 0123abcd...)`` for ``--version``."""
    sha = commit()
    return f"wfpromote {__version__}" + (f" (commit {sha})" if sha else "")


def _from_file() -> str | None:
    for path in (COMMIT_FILE, BUILD_COMMIT_FILE):
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if _HEX40.match(text):
            return text
    return None


def _from_direct_url() -> str | None:
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        dist = distribution("wfpromote")
    except PackageNotFoundError:
        return None
    # Only when that distribution is the code running here (not another copy on sys.path).
    located = Path(str(dist.locate_file("reconciler"))).resolve()
    if located != _HERE:
        return None
    raw = dist.read_text("direct_url.json")
    if not raw:
        return None
    data = json.loads(raw)
    sha = (data.get("vcs_info") or {}).get("commit_id", "")
    return sha if isinstance(sha, str) and _HEX40.match(sha) else None


def _from_checkout() -> str | None:
    root = _HERE.parent
    if not (root / ".git").exists() or not (root / "pyproject.toml").is_file():
        return None
    result = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"],
                            capture_output=True, text=True, timeout=5, check=False)
    sha = result.stdout.strip()
    return sha if result.returncode == 0 and _HEX40.match(sha) else None
