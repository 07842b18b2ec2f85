"""Every plan output in one registry, with one signature (as octoDNS lists its plan outputs);
the promotion matrix of ``status`` in the same formats (``render_matrix``).

``render(plan, "markdown", RenderOptions(...))`` is how commands ask for a format; each
renderer module is imported only when its format is asked for, so a plain-text plan does not
pay for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from reconciler.budget import COMMENT_BUDGET
from reconciler.plan.model import Plan

if TYPE_CHECKING:  # the matrix (and the planner under it) only when status asks
    from reconciler.plan.promotion import Matrix


@dataclass(frozen=True)
class RenderOptions:
    color: bool = False                              # ANSI colour (text only)
    markdown_budget: int = COMMENT_BUDGET           # UTF-8 bytes (Markdown only)
    full_plan_hint: str | None = None                # where a cut Markdown plan is whole


Renderer = Callable[[Plan, RenderOptions], str]


def _text(plan: Plan, options: RenderOptions) -> str:
    from reconciler.output.text import render_text

    return render_text(plan, color=options.color)


def _json(plan: Plan, options: RenderOptions) -> str:
    from reconciler.output.as_json import render_json

    return render_json(plan)


def _markdown(plan: Plan, options: RenderOptions) -> str:
    from reconciler.output.markdown import render_markdown

    if options.full_plan_hint is None:
        return render_markdown(plan, budget=options.markdown_budget)
    return render_markdown(plan, budget=options.markdown_budget,
                           full_plan_hint=options.full_plan_hint)


RENDERERS: Mapping[str, Renderer] = MappingProxyType({
    "text": _text, "json": _json, "markdown": _markdown})
FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(plan: Plan, output_format: str, options: RenderOptions | None = None) -> str:
    return RENDERERS[output_format](plan, options or RenderOptions())


MATRIX_FORMATS: tuple[str, ...] = (*FORMATS, "html")


def render_matrix(matrix: Matrix, output_format: str, *, link_base: str | None = None) -> str:
    """``wfpromote status``: the promotion matrix in ``output_format`` (one of
    MATRIX_FORMATS); ``link_base``: where the HTML page links each package's file."""
    from reconciler.output import status

    if output_format == "html":
        return status.render_html(matrix, link_base)
    return status.RENDERERS[output_format](matrix)
