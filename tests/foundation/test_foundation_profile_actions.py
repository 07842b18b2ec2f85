"""Install actions the configured API profile does not have are refused by `validate`, at the
file and line, with the reason (issue 18 item 6: OVERWRITING arrived 2024-03, reference 1.4)."""

from __future__ import annotations

import pytest
from conftest import CONFIG, GOOD, Repo, assert_one_error

TASK = "0b5a6c0ad7f4a2f9b2a7a8c7d6e5f4a3"
OVERWRITE = GOOD.replace("  - environment: preview\n",
                         "  - environment: preview\n    existing: overwrite\n")
OVERRIDE = GOOD.replace("  - environment: preview\n",
                        "  - environment: preview\n    overrides:\n"
                        f"      TTSK: {{{TASK}: OVERWRITING}}\n")
ALTNAME = OVERRIDE.replace("OVERWRITING", "CREATEWITHALTNAME")


def use_profile(repo: Repo, profile: str) -> None:
    repo.write("wfpromote.yaml", CONFIG.replace("api: current", f"api: {profile}"))


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_existing_overwrite_is_valid_only_where_the_api_has_overwriting(
        repo: Repo, profile: str) -> None:
    use_profile(repo, profile)
    repo.package("a.yaml", OVERWRITE)
    out = repo.validate()
    if profile == "current":
        assert out.code == 0, out.text
        return
    assert_one_error(out, "packages/a.yaml:10:", "`existing: overwrite` sends OVERWRITING",
                     "`api: 2023` does not have", "OVERWRITING arrived 2024-03",
                     "section 1.4", "use `existing: use`")


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_an_overwriting_override_is_valid_only_where_the_api_has_it(
        repo: Repo, profile: str) -> None:
    use_profile(repo, profile)
    repo.package("a.yaml", OVERRIDE)
    out = repo.validate()
    if profile == "current":
        assert out.code == 0, out.text
        return
    assert_one_error(out, "packages/a.yaml:11:", f"override TTSK {TASK}: OVERWRITING",
                     "OVERWRITING arrived 2024-03")


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_createwithaltname_is_never_sent(repo: Repo, profile: str) -> None:
    # How to give the alternative name is undocumented, so no profile sends it.
    use_profile(repo, profile)
    repo.package("a.yaml", ALTNAME)
    assert_one_error(repo.validate(), "packages/a.yaml:11:", "CREATEWITHALTNAME")


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_the_actions_of_every_profile_pass(repo: Repo, profile: str) -> None:
    use_profile(repo, profile)
    repo.package("a.yaml", OVERRIDE.replace("OVERWRITING", "IGNORE"))
    out = repo.validate()
    assert out.code == 0, out.text


def test_profile_actions_live_in_the_profile_table() -> None:
    from reconciler.domain.profiles import PROFILES

    assert "OVERWRITING" in PROFILES["current"].capabilities.map_actions
    assert PROFILES["2023"].capabilities.map_actions == {"CREATE", "USEEXISTING", "IGNORE"}
