"""hypothesis strategies for the differential test: the patches and resources users write, on real renders.

Strategic-merge patches on the generated CronJob (metadata, schedule fields, containers/initContainers/env/
volumeMounts/volumes merged by key — new, merged and reordered elements — tolerations, nodeSelector,
securityContext, command lists replaced, ``null`` deletes), on the ConfigMap, Role, RoleBinding and
ServiceAccount; JSON 6902 operations built against the object's real paths (add with indices and ``-``,
remove, replace, move, copy, test; keys needing ``~0``/``~1``); user resources of several kinds, with strings
that need quoting or folding; and now and then something the engine must decline (floats, ``yes``, ``0x``,
anchors, flow lists, ``$patch``, selectors, regex names, unknown fields, ports).
"""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import strategies as st

from generator.validate import kyaml
from generator.validate.json6902 import apply as apply_json6902
from generator.validate.yaml_subset import Unsupported
from tests.patch_cases import Case, bases

NS = "kaptain-ingress"
ODD = ["plain words", "on", "yes", "y", "n", "0755", "1:30", "null", "", "true", "1e3", "0o17", "0x1F", "1.5", "a: b", "#x",
       "- x", "x #y", "multi\nline", "ends\n", "two\n\n", " lead", "trail ", "tab\tin", "ünïcödé", "\u2028x",
       "line \nnext", "a" * 90, "word " * 25, '"q"', "'s'", "back\\slash", "{x}", "[y]", "*a", "&b", "!t", "%p",
       "@a", "`b", "2024-01-01", "~", "=", "<<", "ke:y", "-", "?", "|", ">", "x\u0085y", "\x07bell", "\ufeffbom"]
strings = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,12}", fullmatch=True),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"),
                          exclude_characters="\ufeff\ufffe\uffff"), max_size=24),
    st.sampled_from(ODD),
)
names = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
label_keys = st.one_of(st.sampled_from(["app.kubernetes.io/name", "app.kubernetes.io/part-of", "example.com/owner",
                                        "team", "a~b/c~d", "x/y", "kaptain-gitops/schedule-meaning"]), names)
ints = st.one_of(st.integers(0, 1000), st.integers(-(2**40), 2**40))
RAW_SPICE = ["plain", "1.5", "yes", "0x1F", "0755", "2024-01-01", "&a x", "!!str x", "[a, b]", "{a: b}", "~", "1e3", "0o17",
             "Yes", "NULL", ".inf", "[]", "{}", "null", "'quoted'", "|\n  block\n", ">\n  folded text\n  more\n",
             "9007199254740993", "-0", "+1"]


def maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any], p: int = 2) -> Any:
    """A value drawn one time in ``p`` (else the marker ``...``)."""
    return draw(strategy) if draw(st.integers(0, p - 1)) == 0 else ...


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not ...:
        out[key] = value


def env_list() -> st.SearchStrategy[list[dict[str, Any]]]:
    item = st.fixed_dictionaries({"name": st.sampled_from(["HOME", "SOURCE_KEY", "NEW_A", "NEW_B", "BUNDLE_MODE"])},
                                 optional={"value": st.one_of(st.none(), strings),
                                           "valueFrom": st.just({"fieldRef": {"fieldPath": "metadata.name"}})})
    return st.lists(item, min_size=1, max_size=4, unique_by=lambda e: e["name"])


@st.composite
def container(draw: st.DrawFn, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name}
    _put(out, "image", maybe(draw, st.sampled_from(["busybox:1", "docker.io/alpine/k8s:1.33.0", "r/x@sha256:ab"])))
    _put(out, "imagePullPolicy", maybe(draw, st.sampled_from(["Always", "IfNotPresent", None]), 4))
    _put(out, "env", maybe(draw, env_list()))
    _put(out, "command", maybe(draw, st.one_of(st.none(), st.lists(strings, max_size=3)), 4))
    _put(out, "args", maybe(draw, st.lists(strings, min_size=1, max_size=2), 5))
    quantity = st.one_of(st.none(), st.sampled_from(["200m", "1", "64Mi", "1Gi"]))
    amounts = st.dictionaries(st.sampled_from(["cpu", "memory"]), quantity, max_size=2)
    resources = st.fixed_dictionaries({}, optional={"limits": amounts, "requests": amounts})
    _put(out, "resources", maybe(draw, st.one_of(st.none(), resources), 3))
    drop = st.fixed_dictionaries({"drop": st.lists(st.sampled_from(["ALL", "NET_RAW"]), max_size=2)})
    context = st.fixed_dictionaries({}, optional={"readOnlyRootFilesystem": st.one_of(st.none(), st.booleans()),
                                                  "runAsUser": ints, "capabilities": drop})
    _put(out, "securityContext", maybe(draw, st.one_of(st.none(), context), 3))
    mounts = st.lists(st.fixed_dictionaries({"mountPath": st.sampled_from(["/scripts", "/tmp", "/data", "/x"]),
                                             "name": st.sampled_from(["scripts", "tmp", "data"])},
                                            optional={"readOnly": st.one_of(st.none(), st.booleans())}),
                      min_size=1, max_size=3, unique_by=lambda m: m["mountPath"])
    _put(out, "volumeMounts", maybe(draw, mounts, 3))
    _put(out, "ports", maybe(draw, st.just([{"containerPort": 8080}]), 12))  # a merge list not proven: declined
    return out


@st.composite
def pod_spec(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any] = {}
    names_ = st.lists(st.sampled_from(["rotate", "side", "helper"]), min_size=1, max_size=3, unique=True)
    _put(out, "containers", maybe(draw, names_.flatmap(lambda ns: st.tuples(*(container(n) for n in ns))).map(list)))
    _put(out, "initContainers", maybe(draw, st.lists(container("init"), min_size=1, max_size=1), 6))
    volume = st.fixed_dictionaries({"name": st.sampled_from(["scripts", "tmp", "data"])}, optional={
        "emptyDir": st.one_of(st.none(), st.just({}), st.just({"sizeLimit": "1Mi"})),
        "configMap": st.one_of(st.none(), st.fixed_dictionaries({"name": names}))})
    _put(out, "volumes", maybe(draw, st.lists(volume, min_size=1, max_size=3, unique_by=lambda v: v["name"]), 3))
    _put(out, "nodeSelector", maybe(draw, st.one_of(st.none(), st.dictionaries(label_keys, st.one_of(
        st.none(), strings), max_size=2)), 4))
    toleration = st.fixed_dictionaries({"key": names, "operator": st.sampled_from(["Exists", "Equal"])},
                                       optional={"effect": st.sampled_from(["NoSchedule", "NoExecute"])})
    _put(out, "tolerations", maybe(draw, st.one_of(st.none(), st.lists(toleration, max_size=2)), 4))
    _put(out, "imagePullSecrets", maybe(draw, st.lists(st.fixed_dictionaries({"name": names}), min_size=1,
                                                       max_size=2, unique_by=lambda s: s["name"]), 6))
    _put(out, "securityContext", maybe(draw, st.one_of(st.none(), st.fixed_dictionaries(
        {}, optional={"runAsUser": st.one_of(st.none(), ints), "fsGroup": ints})), 5))
    _put(out, "serviceAccountName", maybe(draw, names, 8))
    _put(out, "restartPolicy", maybe(draw, st.sampled_from(["Never", "OnFailure", None]), 8))
    _put(out, "activeDeadlineSeconds", maybe(draw, st.one_of(st.none(), ints), 8))
    return out


def meta_patch(draw: st.DrawFn, name: str, namespace: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace}
    values = st.one_of(st.none(), strings)
    _put(meta, "labels", maybe(draw, st.dictionaries(label_keys, values, max_size=3)))
    _put(meta, "annotations", maybe(draw, st.dictionaries(label_keys, values, max_size=3)))
    return meta


@st.composite
def cron_smp(draw: st.DrawFn, cron: dict[str, Any]) -> dict[str, Any]:
    meta = cron["metadata"]
    spec: dict[str, Any] = {}
    _put(spec, "concurrencyPolicy", maybe(draw, st.sampled_from(["Allow", "Forbid", "Replace"]), 4))
    _put(spec, "startingDeadlineSeconds", maybe(draw, st.one_of(st.none(), ints), 4))
    _put(spec, "successfulJobsHistoryLimit", maybe(draw, st.integers(0, 10), 6))
    job: dict[str, Any] = {}
    _put(job, "backoffLimit", maybe(draw, st.one_of(st.none(), st.integers(0, 6)), 4))
    pod = draw(pod_spec())
    template: dict[str, Any] = {"spec": pod} if pod else {}
    _put(template, "metadata", maybe(draw, st.fixed_dictionaries({"labels": st.dictionaries(
        label_keys, st.one_of(st.none(), strings), max_size=2)}), 5))
    if template:
        job["template"] = template
    if job:
        spec["jobTemplate"] = {"spec": job}
    _put(spec, "schedulee", maybe(draw, st.just("typo"), 30))  # unknown field: declined
    out = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": meta_patch(draw, meta["name"], meta["namespace"])}
    if spec or draw(st.booleans()):
        out["spec"] = spec
    return out


@st.composite
def other_smp(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc["metadata"]
    out: dict[str, Any] = {"apiVersion": doc["apiVersion"], "kind": doc["kind"],
                           "metadata": meta_patch(draw, meta["name"], meta.get("namespace", ""))}
    if doc["kind"] == "ConfigMap":
        keys = st.sampled_from([*doc.get("data", {}), "new.txt", "other"])
        _put(out, "data", maybe(draw, st.dictionaries(keys, st.one_of(st.none(), strings), max_size=3), 1))
    elif doc["kind"] == "Role":
        rule = st.fixed_dictionaries({"apiGroups": st.just([""]), "resources": st.just(["secrets"]),
                                      "verbs": st.lists(st.sampled_from(["get", "list", "patch"]), min_size=1)})
        _put(out, "rules", maybe(draw, st.lists(rule, min_size=1, max_size=2)))
    elif doc["kind"] == "RoleBinding":
        subject = st.fixed_dictionaries({"kind": st.just("ServiceAccount"), "name": names, "namespace": st.just(NS)})
        _put(out, "subjects", maybe(draw, st.lists(subject, min_size=1, max_size=2)))
    elif doc["kind"] == "ServiceAccount":
        _put(out, "automountServiceAccountToken", maybe(draw, st.one_of(st.none(), st.booleans())))
        _put(out, "secrets", maybe(draw, st.just([{"name": "s"}]), 8))  # merge list not proven: declined
    if draw(st.integers(0, 19)) == 19:
        out["$patch"] = "replace"  # directive: declined
    return out


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = [(prefix, node)] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, str(i))))
    return out


small_values = st.one_of(strings, ints, st.booleans(), st.dictionaries(names, strings, max_size=2),
                         st.lists(strings, max_size=2))


@st.composite
def json_ops(draw: st.DrawFn, doc: dict[str, Any]) -> list[dict[str, Any]]:
    work, ops = copy.deepcopy(doc), []
    for _ in range(draw(st.integers(1, 4))):
        paths = [(p, v) for p, v in _paths(work) if p[0] not in ("apiVersion", "kind")
                 and p[:2] not in (("metadata", "name"), ("metadata", "namespace")) and p != ("metadata",)]
        containers = [(("metadata",), work["metadata"]), *((p, v) for p, v in paths if isinstance(v, (dict, list)))]
        if "annotations" not in work["metadata"]:  # kustomize lets a patch add the first annotation
            containers.append((("metadata", "annotations"), {}))
        name = draw(st.sampled_from(["add", "add", "remove", "replace", "move", "copy", "test"] if paths else ["add"]))
        pointer = lambda p: "/" + "/".join(_escape(t) for t in p)
        where, node = draw(st.sampled_from(containers))
        if isinstance(node, dict):
            target = (*where, draw(st.one_of(st.sampled_from(["a/b", "t~x", "new", "0", "-", *node]), names)))
        else:
            target = (*where, draw(st.sampled_from(["-", "0", str(len(node)), str(len(node) + 1), "01", "-1"])))
        path, old = draw(st.sampled_from(paths)) if paths else (target, None)
        if name == "add":
            op = {"op": "add", "path": pointer(target), "value": draw(small_values)}
        elif name in ("remove", "replace"):
            op = {"op": name, "path": pointer(path)}
            if name == "replace":
                op["value"] = draw(small_values)
        elif name == "test":
            op = {"op": "test", "path": pointer(path),
                  "value": copy.deepcopy(old) if draw(st.booleans()) else draw(small_values)}
        else:
            op = {"op": name, "from": pointer(path), "path": pointer(target)}
        ops.append(op)
        try:
            work = apply_json6902(work, [op])
        except Unsupported:
            break
    return ops


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(draw: st.DrawFn, docs: list[Any]) -> str:
    """User-file text: PyYAML's or kyaml's style, with an optional comment; rarely a declined YAML feature."""
    if draw(st.booleans()):
        texts = [kyaml.dump(d) for d in docs]
    else:
        width = draw(st.sampled_from([40, 80, 1000]))
        texts = [yaml.dump(d, Dumper=_NoAliases, sort_keys=False, allow_unicode=draw(st.booleans()), width=width)
                 for d in docs]
    text = "---\n".join(texts)
    if draw(st.booleans()):
        text = "# a user's comment\n" + text
    if isinstance(docs[0], dict) and draw(st.integers(0, 9)) == 9:
        text += f"spice: {draw(st.sampled_from(RAW_SPICE))}\n"
    return text


@st.composite
def resource(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["ConfigMap", "Secret", "ServiceAccount", "Service", "Widget", "Job"]))
    api = {"Service": "v1", "Widget": "example.com/v1", "Job": "batch/v1"}.get(kind, "v1")
    meta: dict[str, Any] = {"name": f"{NS}-res-{index}", "namespace": NS}
    _put(meta, "labels", maybe(draw, st.dictionaries(label_keys, strings, max_size=2)))
    _put(meta, "annotations", maybe(draw, st.dictionaries(label_keys, strings, max_size=2), 3))
    doc: dict[str, Any] = {"apiVersion": api, "kind": kind, "metadata": meta}
    if kind in ("ConfigMap", "Secret"):
        doc["data" if kind == "ConfigMap" else "stringData"] = draw(st.dictionaries(names, strings, max_size=3))
    elif kind == "Service":
        doc["spec"] = {"ports": [{"port": draw(st.integers(1, 65535)), "name": "p"}], "selector": {"a": "b"}}
    elif kind == "Widget":
        tree = st.recursive(st.one_of(strings, ints, st.booleans(), st.none()),
                            lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(names, inner,
                                                                                                max_size=3)),
                            max_leaves=8)
        doc["spec"] = draw(st.dictionaries(names, tree, max_size=3))
    elif kind == "Job":
        doc["spec"] = {"template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "x", "image": "busybox", "command": draw(st.lists(strings, max_size=2))}]}}}
    return doc


@st.composite
def cases(draw: st.DrawFn) -> Case:
    base = draw(st.sampled_from(sorted(bases())))
    generated = {d["kind"] + "/" + d["metadata"]["name"] + "/" + d["metadata"].get("namespace", ""): d
                 for f in bases()[base] for d in f.documents}
    case = Case(base)
    user: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 2))):
        doc = draw(resource(i))
        user.append(doc)
        folder = "jobs" if doc["kind"] == "Job" and draw(st.booleans()) else "resources"
        case.resources.append((f"{folder}/r{i}.yaml", dump(draw, [doc])))
    objects = [*generated.values(), *user]
    for i in range(draw(st.integers(0 if user else 1, 3))):
        cron = [d for d in objects if d["kind"] == "CronJob"]
        doc = draw(st.sampled_from(cron if draw(st.booleans()) else objects))
        if doc["kind"] == "ConfigMap" and doc in generated.values():
            case.keep_configmap = True
        if draw(st.booleans()):
            ops = draw(json_ops(doc))
            meta = doc["metadata"]
            target = {"kind": doc["kind"], "name": meta["name"]}
            if draw(st.booleans()):
                target["namespace"] = meta.get("namespace", "")
            variant = draw(st.integers(0, 11))
            if variant == 11:
                target["name"] = meta["name"][:6] + ".*"  # a pattern: declined
            elif variant == 10:
                target["labelSelector"] = "a=b"  # a selector: declined
            elif variant == 9:
                target["version"] = doc["apiVersion"].rpartition("/")[2]
            case.patches.append((f"patches/p{i}.yaml", dump(draw, [ops]), target))
        else:
            patch = draw(cron_smp(doc)) if doc["kind"] == "CronJob" else draw(other_smp(doc))
            case.patches.append((f"patches/p{i}.yaml", dump(draw, [patch]), None))
    return case
