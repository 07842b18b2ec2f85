"""The body of a sticky comment or drift issue, and cutting Markdown to a byte budget.

A body is: the hidden marker (first line, how the comment is found again), a header saying
which environments and API profile the plan was made against (a loud caution first when that
was the embedded simulator), the plan's Markdown (its summary first, each package folded in
a ``<details>``), and a footer with the commit and the run.

Markdown that is already rendered is cut only at a safe point: a line boundary outside any
code fence and outside any ``<details>`` block, so the comment never shows half a fence
swallowing the rest of the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reconciler.budget import utf8_size
from reconciler.output.markdown import escape_html

MARKER_PREFIX = "<!-- wfpromote:"
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._/@+-]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_OPEN = re.compile(r"<details\b", re.IGNORECASE)
_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
STEP_SUMMARY_LIMIT = 1024 * 1024  # GitHub drops a step summary above 1 MiB


def marker(kind: str, key: str) -> str:
    """``<!-- wfpromote:plan key=wfpromote.yaml -->``: the kind and the config it is for.
    The key is reduced to characters that cannot end the HTML comment."""
    safe = _KEY_UNSAFE.sub("_", key)[:200] or "default"
    return f"{MARKER_PREFIX}{kind} key={safe} -->"


@dataclass(frozen=True)
class Target:
    """What the plan was made against, for the header."""

    profile: str | None                     # API profile name (domain.profiles)
    environments: tuple[tuple[str, str, bool], ...] = ()  # (name, kind, is_simulator)
    listing: str | None = None              # the environment the package list is read from

    @property
    def simulated(self) -> tuple[str, ...]:
        return tuple(name for name, _, sim in self.environments if sim)


def header(target: Target) -> str:
    lines = []
    if target.simulated:
        names = ", ".join(f"<code>{escape_html(n)}</code>" for n in target.simulated)
        lines += ["> [!CAUTION]",
                  f"> **SIMULATOR: this plan was made against wfpromote's embedded simulator "
                  f"({names}), not against Workfront.** It says nothing about your real "
                  "environments.", ""]
    if target.environments:
        envs = ", ".join(
            f"<code>{escape_html(name)}</code> ({escape_html(kind)}"
            f"{', simulator' if sim else ''}{', listed' if name == target.listing else ''})"
            for name, kind, sim in target.environments)
    else:
        envs = "not known (no readable wfpromote.yaml)"
    profile = f"<code>{escape_html(target.profile)}</code>" if target.profile else "not known"
    lines.append(f"**Environments:** {envs} · **API profile:** {profile}")
    return "\n".join(lines) + "\n\n"


def safe_cuts(text: str) -> list[int]:
    """Character offsets where ``text`` may be cut: line ends outside fences and details."""
    cuts = [0]
    fence: str | None = None
    depth = 0
    offset = 0
    for line in text.splitlines(keepends=True):
        offset += len(line)
        stripped = line.rstrip("\r\n")
        match = _FENCE.match(stripped)
        if fence is None and match:
            fence = match.group(1)
        elif fence is not None:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                    and stripped.strip() == match.group(1):
                fence = None
        else:
            depth += len(_OPEN.findall(stripped)) - len(_CLOSE.findall(stripped))
            depth = max(depth, 0)
        if fence is None and depth == 0 and line.endswith("\n"):
            cuts.append(offset)
    if fence is None and depth == 0 and cuts[-1] != len(text):
        cuts.append(len(text))
    return cuts


def fit(text: str, budget: int, note: str) -> tuple[str, bool]:
    """``text`` whole when it fits ``budget`` bytes, else cut at the last safe point so
    that the cut text plus ``note`` fits. Returns the text and whether it was cut."""
    if utf8_size(text) <= budget:
        return text, False
    room = budget - utf8_size(note)
    best = 0
    for cut in safe_cuts(text):
        if utf8_size(text[:cut]) > room:
            break
        best = cut
    return text[:best] + note, True


def cut_note(pointer: str) -> str:
    return (f"\n> [!NOTE]\n> The plan was cut here to fit the comment size limit; for the "
            f"full plan, {pointer}.\n")
