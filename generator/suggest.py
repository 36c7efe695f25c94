"""Did-you-mean: the one helper that finds the name a user probably meant (unknown keys, fields, enum values)."""

from __future__ import annotations

from collections.abc import Iterable


def closest(name: object, candidates: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The candidate ``name`` most likely misspells: one equal but for case, else the closest by difflib's
    ratio if it reaches ``cutoff``; None when nothing is close (or ``name`` is not a string)."""
    if not isinstance(name, str):
        return None
    options = [str(c) for c in candidates]
    same = [c for c in options if c.lower() == name.lower()]
    if same:
        return same[0]
    import difflib  # first use only: most runs never misspell anything

    close = difflib.get_close_matches(name, options, n=1, cutoff=cutoff)
    return close[0] if close else None
