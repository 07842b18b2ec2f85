"""``--format json``: the saved-plan document, pretty-printed."""

from __future__ import annotations

import json

from reconciler.plan.model import Plan
from reconciler.plan.serialize import plan_to_data


def render_json(plan: Plan) -> str:
    return json.dumps(plan_to_data(plan), indent=2, ensure_ascii=False) + "\n"
