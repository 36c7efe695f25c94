"""``generator.config.json_text.dumps`` gives exactly ``json.dumps``'s text for what a YAML document holds.

Settings messages quote values through it (``validate`` starts without ``json``, #16), so a difference would change
a message. Strings are drawn over all of Unicode with the characters the encoders treat specially weighted in:
quotes, backslashes, every C0 control, DEL, C1 controls, non-ASCII letters, characters beyond the BMP (written as
surrogate pairs under ``ensure_ascii``) and lone surrogates (a PyYAML ``"\\ud800"`` escape can produce one).
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.config import json_text
from generator.config.config_schema import visible

SPECIAL = st.sampled_from(['"', "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x00", "\x1f", " ", "~", "\x7f", "\x80",
                           "\x9f", "\xa0", "é", "\u2028", "\u200b", "\ufeff", "\uffff", "\U0001f600", "\U0010ffff",
                           "\ud800", "\udfff", "\ud83d"])
CHARS = st.one_of(SPECIAL, st.integers(0, 0x20).map(chr), st.integers(0, 0x10FFFF).map(chr))
TEXT = st.lists(CHARS, max_size=12).map("".join)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-(2 ** 70), 2 ** 70),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0, 1e16, 1e-7, 1.5]),
                    TEXT)
KEYS = st.one_of(TEXT, st.integers(), st.floats(), st.booleans(), st.none())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.tuples(inner, inner),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=12)
SEPARATORS = st.sampled_from([(", ", ": "), (",", ":"), (";", "=")])


@settings(max_examples=2000)
@given(value=VALUES, ensure_ascii=st.booleans(), separators=SEPARATORS)
@example(value="\U0001f600\x7f\ud800", ensure_ascii=True, separators=(", ", ": "))
@example(value={1.5: [math.inf, -math.inf, math.nan], True: None, None: False, 3: "x"}, ensure_ascii=False,
         separators=(", ", ": "))
def test_dumps_equals_json_dumps(value: Any, ensure_ascii: bool, separators: tuple[str, str]) -> None:
    assert json_text.dumps(value, ensure_ascii=ensure_ascii, separators=separators) == json.dumps(
        value, ensure_ascii=ensure_ascii, separators=separators)


def test_dumps_defaults_are_json_dumps_defaults() -> None:
    value = {"a": ["é", 1, 2.5, None, True]}
    assert json_text.dumps(value) == json.dumps(value) == '{"a": ["\\u00e9", 1, 2.5, null, true]}'


@pytest.mark.parametrize("value", [object(), {1, 2}, b"bytes", {(1, 2): 3}])
def test_what_json_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        json_text.dumps(value)


def _visible_with_json(value: Any) -> str:
    """``config_schema.visible`` as written with ``json`` before #16."""
    return "".join(c if c.isprintable() else json.dumps(c)[1:-1] if ord(c) < 0x10000 else f"\\U{ord(c):08x}"
                   for c in json.dumps(value, ensure_ascii=False))


@settings(max_examples=1000)
@given(value=SCALARS)
@example(value="tab\there \u200b\U000e0001 é \ud800")
def test_visible_is_unchanged(value: Any) -> None:
    assert visible(value) == _visible_with_json(value)
