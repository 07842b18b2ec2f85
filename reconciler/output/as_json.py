"""``--format json``: the saved-plan document, pretty-printed."""

from __future__ import annotations

import json

from reconciler.output.saved import plan_to_data
from reconciler.plan.model import Plan


def render_json(plan: Plan) -> str:
    return json.dumps(plan_to_data(plan), indent=2, ensure_ascii=False) + "\n"
