"""Did-you-mean hints for misspelt keys, enum values and names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice most like ``word`` (ignoring case), or None when nothing is close."""
    options = [c for c in choices if isinstance(c, str)]
    by_fold = {c.casefold(): c for c in options}
    if word.casefold() in by_fold:
        return by_fold[word.casefold()]
    found = difflib.get_close_matches(word.casefold(), list(by_fold), n=1, cutoff=0.6)
    return by_fold[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str], *, noun: str = "") -> str | None:
    """A hint such as "did you mean 'status'?", or the list of choices when few."""
    options = sorted(c for c in choices if isinstance(c, str))
    match = closest(word, options)
    if match is not None:
        return f"did you mean '{match}'?"
    if options and len(options) <= 12:
        label = f"allowed {noun}: " if noun else "allowed: "
        return label + ", ".join(options)
    return None
