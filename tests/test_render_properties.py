"""Property tests: parsing never crashes, render round-trips and is deterministic, and no value can inject."""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config.settings import Settings, apply_defaults, parse_settings, settings_from_mapping
from generator.errors import GeneratorError, SettingsError
from generator.render.overlay import OverlayInputs, render_overlay
from generator.render.yaml_emit import dump, load

INPUTS = OverlayInputs(overlay="overlays/x", settings_file="overlays/x/settings.yaml")
BASE = parse_settings(b'ingress:\n  enableSecretRotation: true\n  secretRotationSchedule: "0 0 * * *"\n',
                      "s.yaml").settings
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _render(s: Settings) -> list[Any]:
    return render_overlay(s, INPUTS, meaning="m", worst_case_delay="1d")


@FAST
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_but_our_error(data: bytes) -> None:
    try:
        parse_settings(data, "s.yaml")
    except SettingsError as err:
        assert err.file == "s.yaml" and err.line and err.col and err.rule
    except GeneratorError:
        pass


yaml_ish = st.lists(st.sampled_from(["ingress:", "\n", "  ", "enableSecretRotation", ": ", "true", "yes", "*", "&a",
                                     "'", '"', "[", "]", "{", "}", "- ", "#", "---", "\t", "0755", "@", "!!str", ",",
                                     "secretRotationSchedule", '"0 0 * * *"', "rotation:", "~", "1:30", "%YAML 1.1"]),
                    max_size=40).map("".join)


@FAST
@given(yaml_ish)
def test_yaml_like_text_never_raises_anything_but_our_error(text: str) -> None:
    try:
        parse_settings(text.encode(), "s.yaml")
    except GeneratorError as err:
        assert err.line is not None and err.col is not None


names = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)
keys = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True).filter(lambda k: k not in (".", ".."))


@st.composite
def valid_settings(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ingress": {
            "enableSecretRotation": draw(st.booleans()),
            "secretRotationSchedule": draw(st.sampled_from(["0 0 * * *", "0 */6 * * *", "30 2 * * 1-5", "@daily"])),
        },
        "rotation": {
            "namespace": draw(names),
            "cronJobName": draw(names),
            "sourceSecret": {"namespace": draw(names), "name": draw(names), "key": draw(keys)},
            "targetSecret": {"name": draw(names), "key": draw(keys), "createIfMissing": False},
            "restart": {"kind": draw(st.sampled_from(["Pod", "StatefulSet"])), "name": draw(names),
                        "timeoutSeconds": draw(st.integers(10, 3600))},
            "backoffLimit": draw(st.integers(0, 20)),
            "restartPolicy": draw(st.sampled_from(["Never", "OnFailure"])),
            "bundle": draw(st.sampled_from(["overlap", "replace"])),
            "bundleMaxCertificates": draw(st.integers(1, 20)),
            "trigger": draw(st.sampled_from(["schedule", "watch"])),
            "watch": {"resyncSeconds": draw(st.integers(10, 86400)), "backoffMaxSeconds": draw(st.integers(1, 3600))},
        },
    }
    if draw(st.booleans()):
        doc["ingress"]["secretRotationTimeZone"] = draw(st.sampled_from(["Etc/UTC", "Europe/Berlin", "Asia/Kolkata"]))
    return doc


@FAST
@given(valid_settings())
def test_valid_settings_render_parse_back_to_the_same_settings(doc: dict[str, Any]) -> None:
    loaded = parse_settings(dump(doc).encode(), "s.yaml")
    files = _render(loaded.settings)
    config = next(d for f in files for d in f.documents if d["kind"] == "ConfigMap")
    round_trip = settings_from_mapping(apply_defaults(load(config["data"]["values.yaml"])))
    assert round_trip == loaded.settings
    assert [f.text for f in _render(round_trip)] == [f.text for f in files]  # byte-deterministic


hostile = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=40)
STRING_FIELDS = [name for name, kind in get_type_hints(Settings).items() if kind is str]


@FAST
@given(st.sampled_from(STRING_FIELDS), hostile)
def test_no_string_value_can_change_the_document_structure(field: str, value: str) -> None:
    """Bypassing validation on purpose: even a hostile value lands as exactly one scalar, unchanged."""
    if field in ("schedule", "time_zone", "restart_kind", "kubernetes_version", "mode", "kaptain_values"):
        return  # these select behaviour (parsed, enumerated or JSON) rather than being copied into manifests
    s = BASE.replace(**{field: value})
    files = _render(s)  # render_overlay re-parses and demands exactly the expected objects and names
    found = [doc for f in files for doc in f.documents]
    assert [d["kind"] for d in found] == ["ConfigMap", "CronJob", "ServiceAccount", "Role", "RoleBinding", "Role",
                                          "RoleBinding", "Kustomization"]
    container = found[1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    mapping = {"source_namespace": env["SOURCE_NAMESPACE"], "source_secret": env["SOURCE_SECRET"],
               "source_key": env["SOURCE_KEY"], "target_secret": env["TARGET_SECRET"], "target_key": env["TARGET_KEY"],
               "restart_name": env["RESTART_NAME"], "namespace": env["TARGET_NAMESPACE"], "image": container["image"],
               "cron_job_name": found[1]["metadata"]["name"], "service_account_name": found[2]["metadata"]["name"]}
    if field in mapping:
        assert mapping[field] == value


SHELL_METACHARACTERS = ["$(touch /tmp/pwned)", "`id`", "a;b", "a|b", "a&&b", "a\nb", "${HOME}", "'", '"', "a b",
                        "{{ x }}", "a>b"]
SETTING_PATHS = [("rotation", "namespace"), ("rotation", "cronJobName"), ("rotation", "serviceAccountName"),
                 ("rotation", "sourceSecret", "namespace"), ("rotation", "sourceSecret", "name"),
                 ("rotation", "sourceSecret", "key"), ("rotation", "targetSecret", "name"),
                 ("rotation", "targetSecret", "key"), ("rotation", "restart", "name"), ("rotation", "image"),
                 ("ingress", "secretRotationTimeZone")]


@pytest.mark.parametrize("path", SETTING_PATHS, ids=lambda p: ".".join(p))
@pytest.mark.parametrize("value", SHELL_METACHARACTERS)
def test_shell_metacharacters_are_rejected_in_every_string_setting(path: tuple[str, ...], value: str) -> None:
    doc: dict[str, Any] = {"ingress": {"enableSecretRotation": True, "secretRotationSchedule": "0 0 * * *"}}
    node = doc
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value
    with pytest.raises(GeneratorError):
        loaded = parse_settings(dump(doc).encode(), "s.yaml")
        from generator.schedule.settings_lint import lint_settings

        if any(p.is_error for p in lint_settings(loaded)):
            raise GeneratorError("lint error")
