#!/usr/bin/env python3
"""Extract standalone, strict Kubernetes JSON schemas for the kinds the generator renders.

Source: the ``-local-strict`` schemas bundled with the installed ``kubernetes-validate`` package
(one file per kind plus a shared ``_definitions.json`` referenced through ``$ref``).

Output: kubeconform's offline layout, so the same tree serves both this project's validator and
``kubeconform -schema-location schemas/kubernetes``::

    schemas/kubernetes/v1.35.0-standalone-strict/cronjob-batch-v1.json

Each file is standalone: every ``$ref`` is replaced by a copy of its target. Transformations are
kept to a minimum and are all validation-neutral:

* ``$ref`` (whose only siblings upstream are ``description`` and ``x-kubernetes-*`` annotations) is
  replaced by the referenced schema, the annotations kept beside it;
* ``description`` keywords are dropped (documentation only; it is ~40% of the bytes);
* everything else (``additionalProperties: false`` of the strict variant, ``format``, ``enum``,
  ``x-kubernetes-*`` annotations, ``$schema``/``$id``) is kept unchanged.

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
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

VERSIONS: tuple[str, ...] = ("1.30", "1.35", "1.36", "1.37")
KINDS: tuple[str, ...] = (
    "configmap-v1",
    "serviceaccount-v1",
    "role-rbac-v1",
    "rolebinding-rbac-v1",
    "cronjob-batch-v1",
    "job-batch-v1",
    "deployment-apps-v1",
)
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "schemas" / "kubernetes"
README_NAME = "README.md"

# Keywords whose value is a mapping of name -> schema (names are data, not keywords).
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
# Keywords whose value is one schema.
_SCHEMA_ONE = frozenset({"items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else"})
# Keywords whose value is a list of schemas.
_SCHEMA_LIST = frozenset({"oneOf", "anyOf", "allOf", "prefixItems"})
_DROP = frozenset({"description"})


class ExtractError(Exception):
    """The source schemas are not in the shape this script understands."""


def source_root() -> Path:
    """The ``kubernetes-json-schema`` folder inside the installed kubernetes-validate package."""
    import kubernetes_validate

    root = Path(kubernetes_validate.__file__).resolve().parent / "kubernetes-json-schema"
    if not root.is_dir():
        raise ExtractError(f"kubernetes-validate has no bundled schemas at {root}")
    return root


def source_version() -> str:
    try:
        return metadata.version("kubernetes-validate")
    except metadata.PackageNotFoundError:  # pragma: no cover - the venv always has it
        return "unknown"


def dir_name(version: str) -> str:
    return f"v{version}.0-standalone-strict"


def _def_name(ref: str) -> str:
    marker = "#/$defs/"
    if marker not in ref:
        raise ExtractError(f"unsupported $ref {ref!r}")
    return ref.split(marker, 1)[1]


class _Inliner:
    def __init__(self, defs: Mapping[str, Any]) -> None:
        self.defs = defs
        self.done: dict[str, Any] = {}

    def resolve(self, name: str, stack: tuple[str, ...]) -> Any:
        if name in stack:
            raise ExtractError(f"recursive $ref cannot be inlined: {' -> '.join((*stack, name))}")
        if name not in self.done:
            if name not in self.defs:
                raise ExtractError(f"$ref to unknown definition {name!r}")
            self.done[name] = self.schema(self.defs[name], (*stack, name))
        return self.done[name]  # shared, never mutated: the output is only serialised

    def schema(self, node: Any, stack: tuple[str, ...]) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            raise ExtractError(f"schema expected, got {type(node).__name__} (in {'/'.join(stack) or 'root'})")
        if "$ref" in node:
            extra = set(node) - {"$ref"} - _DROP
            annotations = {key for key in extra if key.startswith("x-kubernetes-")}
            if extra - annotations:
                raise ExtractError(f"$ref with sibling keywords {sorted(extra - annotations)} is not supported")
            target = self.resolve(_def_name(str(node["$ref"])), stack)
            if annotations and isinstance(target, Mapping):  # validation-neutral annotations kept beside the copy
                return {**target, **{key: node[key] for key in sorted(annotations)}}
            return target
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP:
                continue
            if key in _SCHEMA_MAPS:
                out[key] = {name: self.schema(sub, stack) for name, sub in value.items()}
            elif key in _SCHEMA_ONE:
                out[key] = self.schema(value, stack)
            elif key in _SCHEMA_LIST:
                if not isinstance(value, Sequence):
                    raise ExtractError(f"{key} must be a list")
                out[key] = [self.schema(sub, stack) for sub in value]
            else:
                out[key] = value
        return out


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


def _readme() -> str:
    kinds = "\n".join(f"- `{k}.json`" for k in KINDS)
    versions = ", ".join(VERSIONS)
    return (
        "# Kubernetes JSON schemas (generated)\n\n"
        "Do not edit: regenerate with `python scripts/extract_schemas.py` and verify with `--check`.\n\n"
        f"Source: the `-local-strict` schemas bundled with kubernetes-validate {source_version()} (PyPI),\n"
        "with every `$ref` inlined (standalone) and `description` keywords removed.\n"
        "Layout is kubeconform's: `v{version}-standalone-strict/{kind}-{group}-{version}.json`,\n"
        "so `kubeconform -strict -kubernetes-version 1.35.0 -schema-location schemas/kubernetes` works offline\n"
        "(the version must be written `X.Y.0`).\n\n"
        f"Kubernetes versions: {versions}.\n\nKinds:\n\n{kinds}\n"
    )


def extract(src: Path | None = None) -> dict[str, str]:
    """Return ``{relative path: file text}`` for the whole output tree."""
    root = src or source_root()
    files: dict[str, str] = {README_NAME: _readme()}
    for version in VERSIONS:
        folder = root / f"v{version}.0-local-strict"
        if not folder.is_dir():
            raise ExtractError(f"kubernetes-validate has no schemas for Kubernetes {version} ({folder})")
        defs = json.loads((folder / "_definitions.json").read_text(encoding="utf-8"))["$defs"]
        inliner = _Inliner(defs)
        for kind in KINDS:
            raw = json.loads((folder / f"{kind}.json").read_text(encoding="utf-8"))
            files[f"{dir_name(version)}/{kind}.json"] = dumps(inliner.schema(raw, ()))
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
