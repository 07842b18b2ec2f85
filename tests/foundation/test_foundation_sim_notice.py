"""The loud embedded-simulator notice is printed by every run, not only the first run of a
process (tools and tests call `reconciler.cli.run` several times in one interpreter)."""

from __future__ import annotations

from conftest import GOOD, Repo

NOTICE = "EMBEDDED SIMULATOR"


def test_every_run_says_it_talks_to_the_simulator(repo: Repo) -> None:
    repo.package("a.yaml", GOOD)
    first = repo.cli("plan")
    second = repo.cli("plan")
    applied = repo.cli("apply", "--auto-approve")
    for outcome in (first, second, applied):
        assert outcome.code == 0, outcome.text
        assert outcome.err.count(NOTICE) == 1, outcome.err
        assert NOTICE not in outcome.out  # stdout stays data only


def test_offline_validate_does_not_claim_to_talk_to_it(repo: Repo) -> None:
    repo.package("a.yaml", GOOD)
    outcome = repo.validate()
    assert outcome.code == 0 and NOTICE not in outcome.text
