"""The PyYAML-free reader (:mod:`generator.config.yaml_fast`) against PyYAML: where it answers, it answers the same.

``yaml_source.parse`` reads the plain shape of a settings file without PyYAML (start-up, #16) and hands anything
else to PyYAML. These tests parse each text both ways and demand the same values (types included), positions,
quoting, number texts, refused values and errors; and that the fast reader really takes the usual files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import yaml_fast
from generator.config.yaml_source import Document, decode, parse
from generator.errors import SettingsError

REPO = Path(__file__).resolve().parent.parent
FILES = sorted({*REPO.glob("tests/examples/settings/*/*.yaml"), *REPO.glob("overlays/*/settings.yaml"),
                REPO / "gitops.yaml"})


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        return [(k, _typed(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def _error(e: SettingsError) -> tuple[Any, ...]:
    return (type(e).__name__, e.message, e.file, e.line, e.col, e.rule, e.hint)


def _shape(doc: Document) -> tuple[Any, ...]:
    return (doc.file, _typed(doc.value), doc.positions, doc.key_positions, doc.quoted, doc.number_text,
            [_error(e) for e in doc.errors])


def _outcome(text: str, fast: bool) -> tuple[Any, ...]:
    try:
        return ("ok", _shape(parse(text, "f.yaml", fast=fast)))
    except SettingsError as e:
        return ("error", _error(e))


def _same(text: str) -> bool:
    """Both readers agree; True when the fast reader took the text."""
    assert _outcome(text, True) == _outcome(text, False), text
    return yaml_fast.compose(text) is not None


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_repository_files_read_the_same(path: Path) -> None:
    try:
        text = decode(path.read_bytes(), path.name)  # as the loaders call parse: after decode's checks
    except SettingsError:
        return
    _same(text)


def test_the_usual_files_take_the_fast_path() -> None:
    for path in REPO.glob("overlays/*/settings.yaml"):
        assert yaml_fast.compose(path.read_text(encoding="utf-8")) is not None, path
    good = sorted(REPO.glob("tests/examples/settings/good/*.yaml"))
    taken = [p.name for p in good if yaml_fast.compose(p.read_text(encoding="utf-8")) is not None]
    assert len(taken) >= len(good) * 3 // 4, sorted({p.name for p in good} - set(taken))


@pytest.mark.parametrize("text", [
    "a: 1\n", "a:\n  b: 2\n  c: x\n", "a:\n- 1\n- two\nb: 3\n", "a:\n  - 1\n  - 2\n", "a: \"x y\" # c\n",
    "a: 'q'\n", "# only\na: ~\n", "a: 1:30\n", "a: yes\n", "a: 0755\n", "a: .inf\n", "a: 1.30\n", "a: 1e3\n",
    "a: ghcr.io/x/y:1.2@sha256:00\n", "a: x#y\n", "a: x #y\n", "a:\n  b:\n    c: 1\n  d: 2\ne: 3\n",
    "a: 1\na: 2\n", "a:\n", "a: 1\n  b: 2\n", "a:\n  - 1\n  b: 2\n", "a:\n- 1\n -2\n", "a: \"x\"y\n", "a: 'it''s'\n",
    "a: \"x\\ty\"\n", "a: *x\n", "a: &x 1\n", "a: !!str 1\n", "a: [1, 2]\n", "a: {b: 1}\n", "a: |\n  x\n",
    "---\na: 1\n", "a: 1\n---\nb: 2\n", "a: 1\n...\n", "  a: 1\n", "a:  1  \n", "a:\t1\n", "a: 1\r\nb: 2\r\n",
    "a: \"\"\n", "a: ''\n", "true: 1\n", "-a: 1\n", "a b: 1\n", "a:b: 1\n", "a: -1\n", "a: - 1\n", "a: @daily\n",
    "a:\n  # c\n  b: 1\n", "a: # c\n  b: 1\n", "a:\n  -\n", "a:\n  - # c\n", "- 1\n- 2\n", "x\n", "",
    "a: é\n", "a: 1\n\n\nb: 2\n", "a: 1 # c\nb: '2' # c\n",
])
def test_chosen_texts_read_the_same(text: str) -> None:
    _same(text)


_KEYS = st.sampled_from(["a", "b_c", "x.y/z", "Key-1", "true", "yes", "ingress", "a1"])
_TEXTS = st.sampled_from(["1", "01", "1.30", "1e3", "-2", "yes", "on", "~", "null", "true", "False", "1:30", "0x1F",
                          ".inf", "a:b", "a: b", "@daily", "100m", "a#b", "*/5", "x", "", "0 */6 * * *", "ab'c",
                          'a"b', "a\\b", "ghcr.io/a/b:1.2", "64Mi", "+1", ".5", "1_000", "=", "a=b"])


@st.composite
def _scalar(draw: st.DrawFn) -> str:
    text = draw(_TEXTS)
    style = draw(st.sampled_from(["plain", "double", "single"]))
    out = text if style == "plain" else ('"' + text + '"' if style == "double" else "'" + text + "'")
    return out + draw(st.sampled_from(["", "", " # note", "  ", "#x"]))


@st.composite
def _block(draw: st.DrawFn, indent: int, depth: int) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key in draw(st.lists(_KEYS, min_size=1, max_size=4)):
        kind = draw(st.sampled_from(["scalar", "scalar", "map", "seq", "seq-indentless"] if depth < 3 else ["scalar"]))
        if kind == "scalar":
            lines.append(f"{pad}{key}: {draw(_scalar())}")
            continue
        lines.append(f"{pad}{key}:" + draw(st.sampled_from(["", "", " # c"])))
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "# note", "   # note"])))
        step = draw(st.sampled_from([2, 4, 1]))
        if kind == "map":
            lines += draw(_block(indent + step, depth + 1))
        else:
            item_pad = pad if kind == "seq-indentless" else " " * (indent + step)
            lines += [f"{item_pad}- {draw(_scalar())}" for _ in range(draw(st.integers(1, 3)))]
    return lines


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_block(0, 0), st.sampled_from(["\n", ""]))
def test_generated_documents_read_the_same(lines: list[str], end: str) -> None:
    _same("\n".join(lines) + end)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["", "#", "# c", "   # x", "  ", "#---", "# a: 1", " #", "---", "...", "%YAML 1.2",
                                 "\t# x", "# é", "#\r", "- # c", "a", "~", "''"]), max_size=5),
       st.sampled_from(["\n", ""]))
def test_comment_only_texts_read_the_same(lines: list[str], end: str) -> None:
    """A new settings.yaml holding only comments is read without PyYAML (then refused as empty), as PyYAML reads it."""
    text = "\n".join(lines) + end
    assert _outcome(text, True) == _outcome(text, False), text


def test_an_empty_file_is_read_without_pyyaml() -> None:
    for text in ("", "\n", "# settings for the new cluster\n\n  # to do\n"):
        assert parse(text, "f.yaml").value is None
