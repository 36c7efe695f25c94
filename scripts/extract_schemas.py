#!/usr/bin/env python3
"""Extract strict Kubernetes JSON schemas for every built-in kind, with shared definitions per version.

Source: the ``-local-strict`` schemas bundled with the installed ``kubernetes-validate`` package
(``pip install -e '.[schemas]'``): one ``_definitions.json`` per Kubernetes version holding every type.

Output: kubeconform's offline layout, so the same tree serves both this project's validator and
``kubeconform -strict -schema-location schemas/kubernetes``::

    schemas/kubernetes/v1.35.0-standalone-strict/_definitions.json     every type of that version, once
    schemas/kubernetes/v1.35.0-standalone-strict/cronjob-batch-v1.json {"$ref": "_definitions.json#/$defs/..."}

One small file per kind (every definition that carries exactly one ``x-kubernetes-group-version-kind``)
refers to the shared definitions by a relative ``$ref``, which kubeconform resolves next to the file.
(The folder keeps kubeconform's ``-standalone-strict`` name because that is the folder kubeconform
looks in; the files are strict, and self-contained per folder rather than per file.)
Transformations are all validation-neutral:

* ``description`` keywords are dropped (documentation only; it is ~75% of the bytes);
* the ``$id`` of the definitions document is dropped, so its ``#/$defs/...`` references resolve in
  the file itself wherever the tree is copied;
* everything else (``additionalProperties: false`` of the strict variant, ``format``, ``enum``,
  ``x-kubernetes-*`` annotations, ``$schema``) is kept unchanged.

Output is deterministic: sorted keys, one-space indent with any value that fits in 100 columns kept
on one line (about half the bytes of ``indent=1``, still line-diffable), ASCII only, trailing newline.

Usage::

    python scripts/extract_schemas.py            # (re)write schemas/kubernetes
    python scripts/extract_schemas.py --check    # exit 1 and list differences if out of date
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

VERSIONS: tuple[str, ...] = ("1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37")
DEFINITIONS = "_definitions.json"
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "schemas" / "kubernetes"
README_NAME = "README.md"

# Keywords whose value is a mapping of name -> schema (names are data, not keywords).
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# Keywords whose value is one schema.
_SCHEMA_ONE = frozenset({"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"})
# Keywords whose value is a list of schemas.
_SCHEMA_LIST = frozenset({"oneOf", "anyOf", "allOf", "prefixItems"})
_DROP = frozenset({"description"})
_LOCAL_REF = "#/$defs/"


class ExtractError(Exception):
    """The source schemas are not in the shape this script understands."""


def source_root() -> Path:
    """The ``kubernetes-json-schema`` folder inside the installed kubernetes-validate package."""
    try:
        import kubernetes_validate
    except ImportError as exc:
        raise ExtractError("kubernetes-validate is not installed; run: pip install -e '.[schemas]'") from exc

    root = Path(kubernetes_validate.__file__).resolve().parent / "kubernetes-json-schema"
    if not root.is_dir():
        raise ExtractError(f"kubernetes-validate has no bundled schemas at {root}")
    return root


def source_version() -> str:
    try:
        return metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:  # pragma: no cover - the schemas extra always has it
        return "unknown"


def dir_name(version: str) -> str:
    return f"v{version}.0-standalone-strict"


def kind_file_name(group: str, version: str, kind: str) -> str:
    """kubeconform's ``{{.ResourceKind}}{{.KindSuffix}}.json``: ``role-rbac-v1.json``, ``configmap-v1.json``."""
    suffix = f"-{group.split('.')[0].lower()}-{version.lower()}" if group else f"-{version.lower()}"
    return f"{kind.lower()}{suffix}.json"


def strip(node: Any, defs: Mapping[str, Any], where: str = "root") -> Any:
    """``node`` without ``description`` keywords; every ``$ref`` must point at a known local definition."""
    if isinstance(node, bool):
        return node
    if not isinstance(node, Mapping):
        raise ExtractError(f"schema expected, got {type(node).__name__} (in {where})")
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROP and isinstance(value, str):
            continue
        if key == "$ref":
            ref = str(value)
            if not ref.startswith(_LOCAL_REF) or ref[len(_LOCAL_REF) :] not in defs:
                raise ExtractError(f"unsupported $ref {ref!r} (in {where})")
            out[key] = ref
        elif key in _SCHEMA_MAPS:
            out[key] = {name: strip(sub, defs, f"{where}/{name}") for name, sub in value.items()}
        elif key in _SCHEMA_ONE:
            out[key] = strip(value, defs, where)
        elif key in _SCHEMA_LIST:
            if not isinstance(value, Sequence):
                raise ExtractError(f"{key} must be a list (in {where})")
            out[key] = [strip(sub, defs, where) for sub in value]
        else:
            out[key] = value
    return out


def kind_files(defs: Mapping[str, Any]) -> dict[str, str]:
    """``{kubeconform file name: definition name}`` for every definition with exactly one group/version/kind."""
    found: dict[str, str] = {}
    for name in sorted(defs):
        gvks = defs[name].get("x-kubernetes-group-version-kind") if isinstance(defs[name], Mapping) else None
        if not isinstance(gvks, list) or len(gvks) != 1:
            continue  # plain types, and DeleteOptions/WatchEvent (valid under every group: never a manifest)
        gvk = gvks[0]
        file = kind_file_name(gvk["group"], gvk["version"], gvk["kind"])
        if file in found:
            raise ExtractError(f"{file} would hold both {found[file]} and {name}")
        found[file] = name
    return found


WIDTH = 100


def _compact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def _format(value: Any, level: int, used: int) -> tuple[str, str]:
    """(compact text, laid-out text) of ``value``; built bottom-up so each node is serialised once.

    Sorted keys, one-space indent; a value that fits in WIDTH columns stays on one line.
    """
    if isinstance(value, dict) and value:
        keys = sorted(value)
        heads = [_compact(key) + ":" for key in keys]
        parts = [_format(value[key], level + 1, len(head)) for key, head in zip(keys, heads, strict=True)]
        flat = "{" + ",".join(head + part[0] for head, part in zip(heads, parts, strict=True)) + "}"
        if level + used + len(flat) < WIDTH:
            return flat, flat
        pad = " " * (level + 1)
        lines = [pad + head + part[1] for head, part in zip(heads, parts, strict=True)]
        return flat, "{\n" + ",\n".join(lines) + "\n" + " " * level + "}"
    if isinstance(value, list) and value:
        items = [_format(item, level + 1, 0) for item in value]
        flat = "[" + ",".join(item[0] for item in items) + "]"
        if level + used + len(flat) < WIDTH:
            return flat, flat
        pad = " " * (level + 1)
        return flat, "[\n" + ",\n".join(pad + item[1] for item in items) + "\n" + " " * level + "]"
    flat = _compact(value)
    return flat, flat


def dumps(schema: Any) -> str:
    """Deterministic text for one schema (valid JSON; trailing newline)."""
    return _format(schema, 0, 0)[1] + "\n"


def _readme(counts: Mapping[str, int], sizes: Mapping[str, int], deflated: Mapping[str, int]) -> str:
    versions = ", ".join(VERSIONS)
    per_version = "\n".join(
        f"| {v} | {counts[v]} | {sizes[v] / 1024:.0f} KiB | {deflated[v] / 1024:.0f} KiB |" for v in VERSIONS
    )
    total = sum(sizes.values())
    packed = sum(deflated.values())
    return (
        "# Kubernetes JSON schemas (generated)\n\n"
        "Do not edit: regenerate with `make schemas` (`python scripts/extract_schemas.py`, needs the `schemas`\n"
        "extra: `pip install -e '.[schemas]'`) and verify with `--check`.\n\n"
        f"Source: the `-local-strict` schemas bundled with kubernetes-validate {source_version()} (PyPI),\n"
        "with `description` keywords removed. Every built-in kind of each version is here: one shared\n"
        "`_definitions.json` per version holds every type once, and one small file per kind\n"
        "(`{kind}-{group}-{version}.json`, kubeconform's naming) refers to it by a relative `$ref`.\n"
        "Layout is kubeconform's: `v{version}-standalone-strict/{kind}{-group}-{version}.json`, so\n"
        "`kubeconform -strict -kubernetes-version 1.35.0 -schema-location schemas/kubernetes` works offline\n"
        "(the version must be written `X.Y.0`; kubeconform resolves the relative `$ref` next to the file).\n\n"
        f"Kubernetes versions: {versions}.\n\n"
        "| Version | Kinds | Size on disk | Deflated, file by file |\n|---|---|---|---|\n"
        f"{per_version}\n\n"
        f"Total: {total / 1024 / 1024:.1f} MiB on disk, {packed / 1024 / 1024:.2f} MiB deflated (zlib, file by file,\n"
        "as Git's objects and the wheel's zip entries store them; Git also stores later versions as deltas).\n"
        "So neither repository nor wheel gains from gzipping the files: gzip would only save installed disk\n"
        "space, and would stop kubeconform from reading the tree. Validation speed: bench/RESULTS.md.\n"
    )


def extract(src: Path | None = None) -> dict[str, str]:
    """Return ``{relative path: file text}`` for the whole output tree."""
    root = src or source_root()
    files: dict[str, str] = {}
    counts: dict[str, int] = {}
    sizes: dict[str, int] = {}
    deflated: dict[str, int] = {}
    for version in VERSIONS:
        folder = root / f"v{version}.0-local-strict"
        if not folder.is_dir():
            raise ExtractError(f"kubernetes-validate has no schemas for Kubernetes {version} ({folder})")
        raw = json.loads((folder / DEFINITIONS).read_text(encoding="utf-8"))
        defs = raw["$defs"]
        document = {"$schema": raw["$schema"], "$defs": {name: strip(sub, defs, name) for name, sub in defs.items()}}
        out = dir_name(version)
        files[f"{out}/{DEFINITIONS}"] = dumps(document)
        kinds = kind_files(defs)
        for file, name in kinds.items():
            files[f"{out}/{file}"] = dumps({"$ref": f"{DEFINITIONS}{_LOCAL_REF}{name}", "$schema": raw["$schema"]})
        counts[version] = len(kinds)
        texts = [text.encode() for path, text in files.items() if path.startswith(out + "/")]
        sizes[version] = sum(len(text) for text in texts)
        deflated[version] = sum(len(zlib.compress(text, 6)) for text in texts)
    files[README_NAME] = _readme(counts, sizes, deflated)
    return files


def _existing(out: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    if out.is_dir():
        for path in sorted(out.rglob("*")):
            if path.is_file():
                found[path.relative_to(out).as_posix()] = path.read_text(encoding="utf-8")
    return found


def differences(expected: Mapping[str, str], actual: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        if name not in actual:
            out.append(f"missing: {name}")
        elif name not in expected:
            out.append(f"unexpected: {name}")
        elif expected[name] != actual[name]:
            out.append(f"differs: {name}")
    return out


def write(files: Mapping[str, str], out: Path) -> list[str]:
    """Write the tree; remove files that are no longer generated. Returns the changes made."""
    changes = differences(files, _existing(out))
    for name in sorted(set(_existing(out)) - set(files)):
        (out / name).unlink()
    for name, text in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8", newline="\n")
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="compare with the files on disk; exit 1 on differences")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output folder (default: %(default)s)")
    parser.add_argument("--source", type=Path, default=None, help="kubernetes-validate kubernetes-json-schema folder")
    args = parser.parse_args(argv)
    try:
        files = extract(args.source)
    except (ExtractError, OSError, KeyError, ValueError) as exc:
        print(f"extract_schemas: {exc}", file=sys.stderr)
        return 2
    out: Path = args.output
    if args.check:
        diffs = differences(files, _existing(out))
        for line in diffs:
            print(line)
        if diffs:
            print(f"{len(diffs)} difference(s) in {out}; run scripts/extract_schemas.py to regenerate", file=sys.stderr)
            return 1
        return 0
    for line in write(files, out):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
