"""The planner and the apply engine ask for capabilities, never for a profile by name.

Profile differences live in one table, reconciler/domain/profiles.py; a comparison with a
profile name anywhere in plan/ or apply/ would scatter them again, and so would a profile name
written out anywhere else in the package.
"""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "reconciler"
NAME_TEST = re.compile(r"""(==|!=|\bin\b|\bis\b)\s*\(?\s*["'](2023|current)["']|"""
                       r"""["'](2023|current)["']\s*(==|!=)""")


def test_no_profile_name_is_tested_outside_the_profile_tables() -> None:
    offenders = []
    for folder in ("plan", "apply"):
        for path in sorted((PACKAGE / folder).glob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if NAME_TEST.search(line):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == [], "ask Capabilities instead:\n" + "\n".join(offenders)


def test_the_pattern_catches_what_it_is_for() -> None:
    assert NAME_TEST.search('if settings.profile == "2023":')
    assert NAME_TEST.search("if '2023' != profile:")
    assert not NAME_TEST.search("if settings.capabilities.replace_with_put:")


def test_profile_names_are_written_only_in_the_profile_table() -> None:
    literal = re.compile(r"""["'](2023|current)["']""")
    offenders = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py")) if path.name != "profiles.py"
        or path.parent.name != "domain"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)]
    assert offenders == [], "use reconciler.domain.profiles instead"
