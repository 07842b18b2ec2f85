"""The byte budget: cuts only at safe points, the note always fits, UTF-8 never split."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.budget import utf8_size as size
from reconciler.gitops.markdown import cut_note, fit, marker, safe_cuts

BLOCKS = st.sampled_from([
    "plain line ✓\n", "```diff\n+ a\n- b\n```\n", "~~~\ncode ```\n~~~\n",
    "<details><summary>x</summary>\n\n```\n<details>\n```\n\n</details>\n",
    "<details>\n<details>\ninner\n</details>\n</details>\n", "| a | b |\n", "\n",
    "```\nunclosed fence at the end\n", "ünïcödé ✓✓✓ 𝔘\n"])


def _balanced(text: str) -> bool:
    from reconciler.gitops.markdown import _CLOSE, _FENCE, _OPEN

    fence = None
    depth = 0
    for line in text.splitlines():
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and line.strip() == match.group(1):
                fence = None
        else:
            depth += len(_OPEN.findall(line)) - len(_CLOSE.findall(line))
    return fence is None and depth == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(BLOCKS, max_size=60), st.integers(min_value=200, max_value=3000))
def test_fit_keeps_within_budget_and_balanced(blocks: list[str], budget: int) -> None:
    text = "".join(blocks)
    note = cut_note("the full plan is in the job summary")
    out, cut = fit(text, budget, note)
    if not cut:
        assert out == text
        return
    assert size(out) <= budget
    assert out.endswith(note)
    kept = out[: -len(note)]
    assert text.startswith(kept)
    assert _balanced(kept)
    out.encode("utf-8").decode("utf-8")


def test_no_cut_inside_a_fence_or_details() -> None:
    text = "head\n<details>\n\n```\nx\n```\n\n</details>\nafter\n"
    cuts = safe_cuts(text)
    assert text[: cuts[1]] == "head\n"
    assert text[: cuts[2]].endswith("</details>\n")
    assert all(not text[:c].endswith("```\nx\n") for c in cuts)


def test_marker_cannot_end_the_html_comment_early() -> None:
    tricky = marker("plan", "a --> <b>")
    assert tricky == "<!-- wfpromote:plan key=a_--___b_ -->"
    assert tricky.count("-->") == 1 and "<b>" not in tricky
    assert marker("plan", "") == "<!-- wfpromote:plan key=default -->"
