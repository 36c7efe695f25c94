"""The plain-scalar classifiers of :mod:`generator.config.yaml_scalars` against the regular expressions they replace.

``yaml_source`` used these six patterns (``re.match``) until ``validate`` had to start without ``re`` (#16); they
stay here as the oracle. Strings are drawn from the characters the grammar turns on (signs, digits, dots, ``e``,
``0o``/``0x``/``0b``, underscores, colons, the YAML 1.1 boolean words in every case, control characters, non-ASCII
digits such as ``'٣'`` and ``'²'`` that ``str.isdigit`` accepts and ``[0-9]`` does not, a final newline, which
``$`` allows) so that most of them sit near a boundary of the grammar.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.config import yaml_scalars
from generator.config.yaml_source import Document, decode, parse
from generator.errors import SettingsError

ORACLES = {
    yaml_scalars.yaml11_bool: re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$"),
    yaml_scalars.integer: re.compile(r"^[-+]?(0|[1-9][0-9]*)$"),
    yaml_scalars.floating: re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"),
    yaml_scalars.octal_like: re.compile(r"^[-+]?(0[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|0b[01]+)$"),
    yaml_scalars.sexagesimal: re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$"),
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

WORDS = ["y", "yes", "n", "no", "on", "off", "true", "false", "null", "inf", "nan"]
PIECES = st.one_of(
    st.sampled_from(list("+-.eE0123456789_:oxbOXBabcdfABCDF \n\t")),
    st.sampled_from(["0o", "0x", "0b", "00", "59", "60", "5", "6", ".5", "1e5", "e-", "E+", "::", "1:30", "0755"]),
    st.sampled_from(WORDS).flatmap(lambda w: st.sampled_from([w, w.upper(), w.capitalize(), w.swapcase()])),
    st.sampled_from(["٣", "²", "０", "߀", "\u0660", "\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x85", "\u2028", "é"]),
    st.characters(),
)
SIGN = st.sampled_from(["", "", "-", "+", "+-"])
DIGITS = st.text(alphabet="0123456789_٣", max_size=4).filter(lambda t: "_" not in t or t.count("_") < 2)
FRACTION = st.sampled_from(["", ".", ".5", "._", ".05", ".5.5", ".x"])
EXPONENT = st.sampled_from(["", "e5", "E-1", "e+", "e", "E+07", "e٣"])
PREFIXED = st.tuples(st.sampled_from(["0", "0o", "0x", "0b", "0O", "00", "1"]),
                     st.text(alphabet="0123456789abcdefABCDEFgx", max_size=4)).map("".join)
# near the grammar: sign, digits, (:base-60 digits)*, fraction, exponent; or a prefixed number
NEAR = st.one_of(
    st.tuples(SIGN, DIGITS, st.lists(st.tuples(st.just(":"), st.text(alphabet="0123456789", max_size=3)).map("".join),
                                     max_size=3).map("".join), FRACTION, EXPONENT).map("".join),
    st.tuples(SIGN, PREFIXED).map("".join),
)
TEXTS = st.one_of(st.lists(PIECES, max_size=8).map("".join), NEAR, NEAR.map(lambda t: t + "\n"))


@pytest.mark.parametrize("check", list(ORACLES), ids=lambda f: f.__name__)
@settings(max_examples=3000)
@given(text=TEXTS)
@example(text="")
@example(text="\n")
def test_each_classifier_equals_its_regular_expression(check: object, text: str) -> None:
    assert callable(check)
    assert check(text) == (ORACLES[check].match(text) is not None)  # type: ignore[index]


@pytest.mark.parametrize("check", list(ORACLES), ids=lambda f: f.__name__)
@given(text=st.text(max_size=12))
def test_each_classifier_equals_its_regular_expression_on_any_text(check: object, text: str) -> None:
    assert callable(check)
    assert check(text) == (ORACLES[check].match(text) is not None)  # type: ignore[index]


@settings(max_examples=1000)
@given(text=st.lists(st.one_of(PIECES, st.sampled_from(["\r", "\x0e", "\x0c", "\x7e", "\x80"])), max_size=12).map("".join))
def test_first_control_equals_the_regular_expression(text: str) -> None:
    found = CONTROL.search(text)
    assert yaml_scalars.first_control(text) == (found.start() if found else -1)


EXAMPLES = {
    # text: the classifiers that accept it (the others refuse it)
    "yes": {"yaml11_bool"}, "OFF": {"yaml11_bool"}, "oFF": set(), "Y": {"yaml11_bool"}, "yes\n": {"yaml11_bool"},
    "yes\n\n": set(), "\nyes": set(),
    "0": {"integer", "floating"}, "-0": {"integer", "floating"}, "+12": {"integer", "floating"},
    "012": {"octal_like", "floating"}, "0o17": {"octal_like"}, "0o18": set(), "0x1F": {"octal_like"},
    "0xg": set(), "0b101": {"octal_like"}, "0b2": set(), "0o": set(), "+-1": set(), "--1": set(),
    "1.": {"floating"}, ".5": {"floating"}, ".": set(), "1e5": {"floating"}, "1e": set(), "e5": set(),
    "1.5E-3": {"floating"}, "1.5e+": set(), ".e1": set(), "1.2.3": set(), "1_000": set(),
    "1:30": {"sexagesimal"}, "1:60": set(), "1:5": {"sexagesimal"}, "1_0:59:00.5_": {"sexagesimal"},
    "1:30.": {"sexagesimal"}, "1:30.5.5": set(), ":30": set(), "1:": set(), "_1:30": set(), "-1:30": {"sexagesimal"},
    "٣": set(), "1٣": set(), "²": set(), "1e٣": set(), "٣:30": set(), "0x٣": set(), "12\n": {"integer", "floating"},
}


@pytest.mark.parametrize("text", list(EXAMPLES))
def test_examples(text: str) -> None:
    accepted = {check.__name__ for check in ORACLES if check(text)}
    assert accepted == EXAMPLES[text]
    assert accepted == {check.__name__ for check, pattern in ORACLES.items() if pattern.match(text)}


def test_control_character_examples() -> None:
    assert yaml_scalars.first_control("a: b\n\tc\r\n") == -1  # tab, newline, carriage return are allowed
    assert yaml_scalars.first_control("ab\x7fc\x00") == 2
    assert yaml_scalars.first_control("\x85\u2028") == -1  # C1 and Unicode line separators are not refused here
    with pytest.raises(SettingsError) as raised:
        decode(b"ok: 1\nbad: \x01\n", "s.yaml")
    assert (raised.value.message, raised.value.line, raised.value.col) == ("control character U+0001 is not allowed",
                                                                           2, 6)


def _plain(text: str) -> Document:
    return parse(f"key: {text}\n", "s.yaml")


@pytest.mark.parametrize(("text", "value", "rules"), [
    ("yes", "yes", ["yaml11-boolean"]), ("0755", "0755", ["yaml11-number"]), ("0x1F", "0x1F", ["yaml11-number"]),
    ("1:30", "1:30", ["yaml11-number"]), ("12", 12, []), ("-1.5e3", -1500.0, []), (".5", 0.5, []),
    ("1_000", "1_000", []), (".inf", ".inf", ["yaml-number"]), ("True", True, []), ("~", None, []),
])
def test_the_parser_reads_plain_scalars_as_before(text: str, value: object, rules: list[str]) -> None:
    doc = _plain(text)
    assert doc.value == {"key": value} and type(doc.value["key"]) is type(value)
    assert [e.rule for e in doc.errors] == rules


@pytest.mark.parametrize("fast", [True, False], ids=["yaml_fast", "PyYAML"])
def test_a_number_too_long_for_int_is_refused_not_a_traceback(fast: bool) -> None:
    doc = parse("key: -" + "1" * 5000 + "\nok: 12\n", "s.yaml", fast=fast)
    assert doc.value == {"key": "-" + "1" * 5000, "ok": 12}
    assert [(e.message, e.rule, e.line, e.col) for e in doc.errors] == [
        ("a number of 5000 digits is too long", "yaml-number", 1, 6)]
