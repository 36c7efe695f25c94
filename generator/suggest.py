"""Did-you-mean: the one helper that finds the name a user probably meant (unknown keys, fields, enum values).

The closeness is difflib's (``get_close_matches``: ``SequenceMatcher.ratio``), computed here for names shorter than
200 characters: ``difflib`` imports ``re`` (with ``enum``, ``functools``, ``collections``) and compiles a pattern at
import, and a misspelt key is the most common mistake ``validate`` (the pre-commit hook, #16) reports. From 200
characters on, SequenceMatcher starts ignoring frequent characters ("autojunk"), and difflib itself answers.
``tests/test_suggest.py`` compares :func:`closest` with ``difflib.get_close_matches`` on generated names.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: validate starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Iterable

_AUTOJUNK_FROM = 200  # SequenceMatcher's autojunk applies to a second sequence this long or longer


def closest(name: object, candidates: Iterable[object], cutoff: float = 0.6) -> str | None:
    """The candidate ``name`` most likely misspells: one equal but for case, else the closest by difflib's
    ratio if it reaches ``cutoff``; None when nothing is close (or ``name`` is not a string)."""
    if not isinstance(name, str):
        return None
    options = [str(c) for c in candidates]
    same = [c for c in options if c.lower() == name.lower()]
    if same:
        return same[0]
    if len(name) >= _AUTOJUNK_FROM:
        import difflib

        close = difflib.get_close_matches(name, options, n=1, cutoff=cutoff)
        return close[0] if close else None
    scored = [(score, option) for option in options if (score := ratio(option, name)) >= cutoff]
    return max(scored)[1] if scored else None  # as get_close_matches(n=1): best score, then the greater name


def ratio(a: str, b: str) -> float:
    """``difflib.SequenceMatcher(None, a, b).ratio()`` for ``len(b) < 200`` (no junk, no autojunk)."""
    total = len(a) + len(b)
    return 2.0 * _matched(a, b) / total if total else 1.0


def _matched(a: str, b: str) -> int:
    """The number of characters in SequenceMatcher's matching blocks: the longest common block (the earliest in
    ``a``, then in ``b``), then the same on each side of it, recursively."""
    where: dict[str, list[int]] = {}
    for j, ch in enumerate(b):
        where.setdefault(ch, []).append(j)
    total = 0
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        i, j, k = _longest(a, b, where, alo, ahi, blo, bhi)
        if k:
            total += k
            if alo < i and blo < j:
                queue.append((alo, i, blo, j))
            if i + k < ahi and j + k < bhi:
                queue.append((i + k, ahi, j + k, bhi))
    return total


def _longest(a: str, b: str, where: dict[str, list[int]], alo: int, ahi: int, blo: int,
             bhi: int) -> tuple[int, int, int]:
    """``SequenceMatcher.find_longest_match(alo, ahi, blo, bhi)`` without junk: (i, j, size)."""
    besti, bestj, bestsize = alo, blo, 0
    lengths: dict[int, int] = {}  # j -> length of the match ending at a[i - 1], b[j]
    for i in range(alo, ahi):
        now: dict[int, int] = {}
        for j in where.get(a[i], ()):
            if j < blo:
                continue
            if j >= bhi:
                break
            k = now[j] = lengths.get(j - 1, 0) + 1
            if k > bestsize:
                besti, bestj, bestsize = i - k + 1, j - k + 1, k
        lengths = now
    while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
        besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
    while besti + bestsize < ahi and bestj + bestsize < bhi and a[besti + bestsize] == b[bestj + bestsize]:
        bestsize += 1
    return besti, bestj, bestsize
