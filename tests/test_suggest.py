"""Did-you-mean without difflib (:mod:`generator.suggest`, ``validate`` start-up #16) against difflib itself.

:func:`closest` must name the same candidate as ``difflib.get_close_matches(name, options, n=1, cutoff)`` (after
its own equal-but-for-case rule), and :func:`ratio` must be ``SequenceMatcher(None, a, b).ratio()`` exactly.
Names are drawn from small alphabets so that they share blocks, repeat characters and tie.
"""

from __future__ import annotations

import difflib

from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.suggest import closest, ratio

ALPHABET = st.sampled_from(["ab", "abc", "aAbB-_", "abcdefghij", "rotaineg"])
NAMES = ALPHABET.flatmap(lambda a: st.text(alphabet=a, max_size=14))
KEYS = st.sampled_from(["secretRotationSchedule", "secretRotationTimeZone", "enableSecretRotation", "namespace",
                        "cronJobName", "rotation", "ingress", "lint", "kubernetesVersion", "Forbid", "Allow",
                        "Replace", "a", ""])
CUTOFFS = st.one_of(st.sampled_from([0.0, 0.5, 0.6, 0.75, 1.0]), st.floats(0.0, 1.0))


def _difflib_closest(name: str, options: list[str], cutoff: float) -> str | None:
    same = [c for c in options if c.lower() == name.lower()]
    if same:
        return same[0]
    close = difflib.get_close_matches(name, options, n=1, cutoff=cutoff)
    return close[0] if close else None


@settings(max_examples=3000)
@given(name=st.one_of(NAMES, KEYS, KEYS.map(lambda k: k[1:] + k[:1]), st.text(max_size=8)),
       options=st.lists(st.one_of(NAMES, KEYS), max_size=6), cutoff=CUTOFFS)
@example(name="secretRotationTimezone", options=["secretRotationSchedule", "secretRotationTimeZone"], cutoff=0.6)
@example(name="ab", options=["ba", "ab ", "ba"], cutoff=0.5)  # a tie: the greater name wins, as in difflib
@example(name="ab" * 125, options=["ba" * 120], cutoff=0.6)  # from 200 characters on, autojunk: difflib itself
def test_closest_equals_difflib(name: str, options: list[str], cutoff: float) -> None:
    assert closest(name, options, cutoff) == _difflib_closest(name, options, cutoff)


@settings(max_examples=3000)
@given(a=NAMES, b=NAMES)
@example(a="", b="")
@example(a="abcabc", b="cabcab")
def test_ratio_equals_sequence_matcher(a: str, b: str) -> None:
    assert ratio(a, b) == difflib.SequenceMatcher(None, a, b).ratio()


def test_examples() -> None:
    assert closest("rotaton", ["rotation", "ingress", "lint"]) == "rotation"
    assert closest("Ingress", ["ingress"]) == "ingress"  # equal but for case
    assert closest("zzz", ["ingress"]) is None
    assert closest(3, ["3"]) is None  # not a string
