"""The second stage of `make mutation`: the install code outside the pure core.

Mutates `apply/install_step.py` (the install and record-result paths of the steps),
`apply/poll.py`, `domain/statuses.py` and the record locks of `apply/context.py` (the names in
INSTALL_FUNCTIONS), tested by the install tests of
`tests/apply` (over HTTP against the simulator) and `tests/plan`. It runs in a copy of the
repository under `build/mutation-install`, whose `pyproject.toml` carries this stage's
`[tool.mutmut]`: the first stage's planner mutants stay tested by `tests/plan` alone, which
keeps that stage at a few minutes. `plan/installs.py` and `plan/translation.py` are mutated
by the first stage. `tools/mutation_report.py --root build/mutation-install` reports.

    .venv/bin/python tools/mutation_install.py [--jobs N]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutation-install"
MUTMUT = Path(sys.executable).parent / "mutmut"
COPIED = ("reconciler", "tests", "schemas", "examples", "benchmarks", "tools", "docs",
          "README.md", "action.yml")

ONLY_MUTATE = ["reconciler/apply/install_step.py", "reconciler/apply/poll.py",
               "reconciler/domain/statuses.py", "reconciler/apply/context.py"]
# What is run and reported (mutmut names, fnmatch patterns): of context.py, the record locks.
INSTALL_FUNCTIONS = (
    "reconciler.apply.install_step.*",
    "reconciler.apply.context.xǁRecordLocksǁ*",
    "reconciler.apply.poll.*",
    "reconciler.domain.statuses.*",
)
TESTS = ["tests/plan/test_plan_install_cases.py", "tests/plan/test_plan_installs.py",
         "tests/plan/test_plan_installed_content.py", "tests/plan/test_plan_readings.py",
         "tests/apply/test_apply_engine.py", "tests/apply/test_apply_installs.py",
         "tests/apply/test_apply_installed_content.py",
         "tests/apply/test_apply_production_overwrites.py",
         "tests/apply/test_apply_lifecycle_requests.py",
         "tests/apply/test_apply_status_prerun.py", "tests/apply/test_apply_install_rules.py",
         "tests/apply/test_apply_install_steps.py"]


def stage_config() -> str:
    """pyproject.toml with this stage's [tool.mutmut] in place of the first stage's."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = re.compile(r"^\[tool\.mutmut\]\n(?:(?!^\[).*\n?)*", re.MULTILINE)

    def toml_list(items: list[str]) -> str:
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"

    tests = [t for t in TESTS if (ROOT / t).exists()]
    ours = ("[tool.mutmut]\n"
            'source_paths = ["reconciler"]\n'
            f"only_mutate = {toml_list(ONLY_MUTATE)}\n"
            f"pytest_add_cli_args_test_selection = {toml_list(tests)}\n"
            'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider"]\n'
            'also_copy = ["schemas", "examples", "benchmarks"]\n\n')
    replaced, count = section.subn(ours, text)
    if count != 1:
        raise SystemExit("pyproject.toml: expected one [tool.mutmut] section")
    return replaced


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, WORK / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif source.exists():
            shutil.copy2(source, WORK / name)
    (WORK / "pyproject.toml").write_text(stage_config(), encoding="utf-8")
    subprocess.run([str(MUTMUT), "run", "--max-children", str(args.jobs), *INSTALL_FUNCTIONS],
                   cwd=WORK, check=True)
    report = subprocess.run([sys.executable, str(ROOT / "tools" / "mutation_report.py"),
                             "--root", str(WORK), *INSTALL_FUNCTIONS], check=False)
    return report.returncode


if __name__ == "__main__":
    sys.exit(main())
