"""Create and replace details speak the file's words: `source` by environment name, `status`."""

from __future__ import annotations

from plan_factories import ENVS, LEGACY, remote_of, settings, spec

from reconciler.output.markdown import render_markdown
from reconciler.output.text import render_text
from reconciler.plan.planner import plan


def test_create_shows_environment_name_and_status_not_internal_keys() -> None:
    p = plan([spec("Agency Onboarding", status="ACTIVE")], [], settings())
    for text in (render_text(p), render_markdown(p)):
        assert f'+ source: "sandbox" ({ENVS["sandbox"]})' in text
        assert '+ status: "ACTIVE"' in text
        assert "desired_status" not in text


def test_put_replace_shows_environment_name_too() -> None:
    s = spec("Agency Onboarding", status="TESTING")
    old = remote_of(s, digest="0" * 64)
    text = render_text(plan([s], [old], settings(capabilities=LEGACY)))
    assert f'+ source: "sandbox" ({ENVS["sandbox"]})' in text
    assert '+ status: "TESTING"' in text
