"""A content change that fails to assemble never destroys the package (issue 19, item 2).

Under both profiles, an ACTIVE package installed into preview gets new content the service
cannot assemble (an object missing from the source). The apply fails and says why; the old
version stays ACTIVE, live and installed, however often apply runs again with the bad file, or
is killed; once the file is fixed, the run converges to one live version.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from chaos import serve_chaos
from relkit import TALLY, RelRepo, check_clear, check_usable, converge, doc, owned

from reconciler.clock import FakeClock

MISSING = "0123456789abcdef0123456789abcdef"
NAME = "Agency Onboarding"


@pytest.mark.parametrize("profile", ["current", "2023"])
def test_bad_new_content_leaves_the_installed_version_in_service(tmp_path: Path,
                                                                  profile: str) -> None:
    clock = FakeClock()
    with serve_chaos(profile=profile, assembly_seconds=2.0, clock=clock) as sim:
        repo = RelRepo(tmp_path, sim, clock=clock)
        repo.write_config(assembly=2.0)
        good = doc(NAME, ("New Agency Onboarding",), status="ACTIVE")
        good["install"] = [{"environment": "preview"}]
        repo.put("a.json", good)
        assert repo.apply()[0] == 0
        [first] = owned(repo.packages())
        assert first.status == "ACTIVE"

        bad = {**doc(NAME, ("New Agency Onboarding", MISSING), status="ACTIVE"),
               "install": good["install"]}
        repo.put("a.json", bad)
        for attempt in range(3):
            code, out, err = repo.apply()
            context = f"bad content ({profile}), run {attempt + 1}"
            check_clear(code, out, err, context)
            assert code == 1, out + err
            failed = [r for r in json.loads(out)["results"] if r["outcome"] == "failed"]
            assert failed and f"TMPL {MISSING} does not exist" in failed[0]["error"], failed
            still = sim.state.get_package(first.id)
            assert (still.status, still.version) == ("ACTIVE", first.version), context
            check_usable(repo, {NAME}, context)
            TALLY["bad-content runs"] += 1
        repo.put("a.json", good)
        converge(repo, f"bad content ({profile}) fixed")
        assert sim.state.get_package(first.id).status == "ACTIVE"
