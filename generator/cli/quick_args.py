"""The usual short command lines read without argparse (start-up, #16: argparse, with gettext and locale, is a few ms
of a command that should take a few times ``python -c pass``).

Only forms whose meaning is certain are read here; anything else returns ``None`` and goes through argparse, which
then also words every usage error. ``tests/test_startup_imports.py`` proves each form gives the parser's namespace.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs every start (mypy knows this name)
if TYPE_CHECKING:
    from typing import Any


class Namespace:
    """``argparse.Namespace`` (and ``types.SimpleNamespace``) for these forms: attributes from keywords, nothing else
    (importing ``types`` is a module more at start-up, #16)."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def parse(argv: list[str]) -> Any:
    """``validate FILE...`` or ``explain SCHEDULE`` with no option at all, or :func:`_check` forms, as the parser's
    namespace without ``func`` (the caller adds it); anything else (an option, ``--``, a wrong count) returns
    ``None`` and goes through argparse."""
    if argv[:1] == ["check"]:
        return _check(argv[1:])
    if len(argv) < 2 or any(a.startswith("-") for a in argv):
        return None
    if argv[0] == "validate":
        return Namespace(command="validate", files=argv[1:], root=None, format=None, strict=False)
    if argv[0] == "explain" and len(argv) == 2:
        return Namespace(command="explain", schedule=argv[1], time_zone=None, count=5, start=None, format=None,
                               svg=None, min_interval_minutes=15, max_delay_hours=24.0, watch=False,
                               watch_resync_seconds=300, watch_backoff_max_seconds=60)
    return None


_CHECK_FLAGS = {"--no-cache": "no_cache", "--strict": "strict", "-v": "verbose", "--verbose": "verbose"}
_CHECK_VALUES = {"--root": "root", "--format": "format", "--kubeconform": "kubeconform", "--changed-since": "changed_since"}
_CHECK_CHOICES = {"format": ("text", "json", "github"), "kubeconform": ("auto", "off")}


def _check(tokens: list[str]) -> Any:
    """``check [OVERLAY...]`` with at most ``--root DIR``, ``--format F``, ``--kubeconform K``,
    ``--changed-since REF``, ``--no-cache``, ``--strict``, ``-v``: the CI gate's usual forms (the pull-request one too).

    Each option at most once, spelled out in full with its value as the next word, the overlays one run of words;
    anything else (``--opt=value``, abbreviations, ``--``, ``-h``, a repeat) returns ``None`` for argparse."""
    values: dict[str, Any] = {"root": None, "format": None, "kubeconform": "auto", "no_cache": False, "strict": False,
                              "verbose": False, "changed_since": None}
    seen: set[str] = set()
    overlays: list[str] = []
    ended = False  # the run of OVERLAY words is over
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not token.startswith("-"):
            if ended and overlays:
                return None
            overlays.append(token)
            i += 1
            continue
        ended = bool(overlays)
        name = _CHECK_FLAGS.get(token) or _CHECK_VALUES.get(token)
        if name is None or name in seen:
            return None
        seen.add(name)
        if token in _CHECK_FLAGS:
            values[name] = True
            i += 1
            continue
        value = tokens[i + 1] if i + 1 < len(tokens) else ""
        if not value or value.startswith("-") or value not in _CHECK_CHOICES.get(name, (value,)):
            return None
        values[name] = value
        i += 2
    return Namespace(command="check", overlays=overlays, **values, kubernetes_version=None,
                           crd_schemas=None, skip=[], kustomize="auto", wait=30.0)
