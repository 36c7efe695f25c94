"""``rotation.image`` read by string checks (:mod:`generator.config.image_ref`) against the regular expression it
replaces (``validate`` starts without ``re``, #16): same verdict, same tag, same digest, and the same messages."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from generator.config.image_ref import tag_and_digest
from generator.config.settings import SettingsErrors, parse_settings

IMAGE = re.compile(  # settings.py's pattern before #16, the oracle
    r"^(?P<repo>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?\Z"
)
HEX64 = "0123456789abcdef" * 4


def _oracle(image: str) -> tuple[str | None, str | None] | None:
    match = IMAGE.match(image)
    return None if match is None else (match.group("tag"), match.group("digest"))


COMPONENT = st.lists(st.sampled_from(["a", "b1", "0", ".", "_", "__", "-", "--", "A", "٣", ""]), max_size=5).map("".join)
PORT = st.sampled_from(["", ":5000", ":1", ":", ":5x", ":٣"])
TAG = st.one_of(st.sampled_from(["", ":1.32.4", ":latest", ":v1", ":_x", ":.x", ":-x", ":a:b", ":", ":é"]),
                st.text(alphabet="aZ9_.-", min_size=1, max_size=3).map(lambda t: ":" + t),
                st.integers(126, 130).map(lambda n: ":" + "a" * n))
DIGEST = st.sampled_from(["", "@sha256:" + HEX64, "@sha256:" + HEX64[:-1], "@sha256:" + HEX64.upper(),
                          "@sha512:" + HEX64, "@", "@sha256:" + HEX64 + "0", "@sha256:" + HEX64 + "@"])
REFERENCES = st.one_of(
    st.tuples(COMPONENT, PORT, st.lists(st.tuples(st.just("/"), COMPONENT).map("".join), max_size=3).map("".join),
              TAG, DIGEST).map("".join),
    st.lists(st.sampled_from([*"a0:/@._-A", "sha256:", HEX64, "latest", "5000"]), max_size=8).map("".join),
    st.text(max_size=10),
)


@settings(max_examples=4000)
@given(image=REFERENCES)
@example(image="host:5000")
@example(image="host:5000:1.0")
@example(image="host:5000/x")
@example(image="host/x:5000")
@example(image="a:123x")
@example(image="a:1/b:2")
@example(image="a__b/c")
@example(image="a/b__c---d.e_f")
@example(image="a/b___c")
@example(image="a:" + "b" * 128)
@example(image="a:" + "b" * 129)
@example(image="a/b:" + "c" * 129)
def test_equals_the_regular_expression(image: str) -> None:
    assert tag_and_digest(image) == _oracle(image)


@pytest.mark.parametrize(("image", "expected"), [
    ("bitnami/kubectl:1.32.4", ("1.32.4", None)),
    ("registry.example.com:5000/team/kubectl:1.32", ("1.32", None)),
    ("host:5000", (None, None)),  # a registry port, the pattern's first choice, not a tag
    ("kubectl@sha256:" + HEX64, (None, "sha256:" + HEX64)),
    ("kubectl:latest", ("latest", None)),
    ("Kubectl:1", None), ("a:1:2:3", None), ("a//b", None), ("", None),
])
def test_examples(image: str, expected: tuple[str | None, str | None] | None) -> None:
    assert tag_and_digest(image) == expected == _oracle(image)


@pytest.mark.parametrize(("image", "message", "rule"), [
    ("Bitnami/kubectl:1", 'rotation.image is "Bitnami/kubectl:1", not a valid image reference', "invalid-image"),
    ("bitnami/kubectl", 'rotation.image "bitnami/kubectl" has no tag or digest, so every pull may differ',
     "image-not-pinned"),
    ("bitnami/kubectl:latest", "rotation.image \"bitnami/kubectl:latest\" uses the moving tag 'latest'",
     "image-not-pinned"),
    ("kübectl:1", 'rotation.image is "k\\u00fcbectl:1", not a valid image reference', "invalid-image"),
])
def test_messages(image: str, message: str, rule: str) -> None:
    text = f'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\nrotation:\n  image: "{image}"\n'
    with pytest.raises(SettingsErrors) as raised:
        parse_settings(text.encode(), "s.yaml")
    [error] = raised.value.errors
    assert (error.message, error.rule, error.line, error.col) == (message, rule, 5, 10)
