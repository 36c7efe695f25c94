"""``kubernetes_versions`` reads a version without ``re`` (a warm ``check`` starts without it, #16): its reader is
proven equal to the pattern it replaced."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from generator.validate.kubernetes_versions import _major_minor

PATTERN = re.compile(r"^v?(\d+)\.(\d+)(?:\.(\d+))?$")  # the oracle: the code before #16's last round

_PIECES = st.sampled_from(["v", "V", ".", "1", "35", "0", "007", "\n", " ", "-", "+", "x", "٣", "²", "１", "a", ""])


@given(st.one_of(st.text(max_size=12), st.lists(_PIECES, max_size=9).map("".join)))
@example("1.35")
@example("v1.35.0")
@example("1.35\n")
@example("1.35\n\n")
@example("vv1.35")
@example("1.35.")
@example("1..35")
@example("1.35.0.0")
@example("٣.٣")
@example("².1")
def test_the_reader_equals_the_pattern(text: str) -> None:
    match = PATTERN.match(text)
    assert _major_minor(text) == (None if match is None else (match.group(1), match.group(2)))
