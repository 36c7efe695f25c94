"""The settings schema's patterns as string checks (:mod:`generator.config.schema_patterns`) against the patterns.

``validate`` checks names and quantities without ``re`` (#16); each check must answer what its pattern answers
with JSON Schema's meaning (``ecma_regex``: ``$`` is the end of the text, no final newline). Strings are drawn
from the characters each pattern turns on, plus look-alikes: upper case, ``_``, ``/``, ``.``, ``-`` at the ends,
non-ASCII digits and letters, a final newline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.config import schema_patterns
from generator.config.config_schema import iter_errors
from generator.config.schema_patterns import MATCHERS, ecma_regex, matches

REPO = Path(__file__).resolve().parent.parent
SETTINGS_SCHEMA = json.loads((REPO / "schemas" / "settings.schema.json").read_text(encoding="utf-8"))

PIECES = st.one_of(
    st.sampled_from([*"az09AZ-._/\n m", "k", "M", "Ki", "Mi", "Ei", "i", "e", "..", "--", "__", "٣", "é", "ß"]),
    st.text(alphabet="abc019-.", min_size=1, max_size=5),
    st.sampled_from(["stable.example.com/", "v1/", "CronTab", "apps/v1/Deployment", "100m", "1.5", ".5", "64Mi"]),
    st.characters(),
)
TEXTS = st.lists(PIECES, max_size=7).map("".join)


def _patterns(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return found.union(*(_patterns(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_patterns(v) for v in node))
    return set()


def test_every_pattern_of_the_settings_schema_has_a_string_check() -> None:
    assert _patterns(SETTINGS_SCHEMA) == set(MATCHERS)


@pytest.mark.parametrize("pattern", sorted(MATCHERS), ids=lambda p: MATCHERS[p].__name__)
@settings(max_examples=3000)
@given(text=TEXTS)
@example(text="")
@example(text="a\n")
@example(text="a-")
@example(text="1.")
@example(text="a/b/c/D")
@example(text="a//Kind")
@example(text="0Ki")
def test_each_check_equals_its_pattern(pattern: str, text: str) -> None:
    assert MATCHERS[pattern](text) == (ecma_regex(pattern).search(text) is not None)


@pytest.mark.parametrize(("check", "yes", "no"), [
    (schema_patterns.dns_label, ["a", "a-b", "0", "a--b"], ["", "-a", "a-", "A", "a.b", "a\n", "a_b", "٣"]),
    (schema_patterns.dns_subdomain, ["a", "a.b", "a-b.c-d"], ["", ".a", "a.", "a..b", "a.-b", "A.b"]),
    (schema_patterns.secret_key, ["ca.crt", "-._", "A"], ["", "a b", "a/b", "é"]),
    (schema_patterns.quantity, ["1", "100m", "1.5", ".5", "64Mi", "1Ei", "0k", "0Ki"],
     ["", "m", "1.", ".", "1.5.5", "1mm", "1iM", "1KI", "1 m", "٣", "1e3", "-1"]),
    (schema_patterns.kind, ["CronTab", "v1/Pod", "stable.example.com/v1/CronTab", "a-b/Kind", "x/y/Z9"],
     ["", "cronTab1/", "1Kind", "a/v1.0/Kind", "a/b/c/Kind", "/Kind", "A/Kind", "Kind_x", "a//Kind"]),
])
def test_examples(check: Any, yes: list[str], no: list[str]) -> None:
    assert [t for t in yes if not check(t)] == [] and [t for t in no if check(t)] == []


def test_another_pattern_goes_to_re() -> None:
    assert matches("^[0-9]+h$", "12h") and not matches("^[0-9]+h$", "12h\n")
    assert "^[0-9]+h$" not in MATCHERS


def test_the_validator_uses_the_checks() -> None:
    schema = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}
    assert [e.validator for e in iter_errors(schema, schema, "Bad_Name")] == ["pattern"]
    assert list(iter_errors(schema, schema, "good-name")) == []
