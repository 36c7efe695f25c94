"""The Kubernetes API accesses that ``templates/rotate.sh`` can make, per configuration.

The sets below are not guesses: ``tests/test_rotation_script.py`` runs the script against the fake
kubectl in every configuration and through every path (up to date, changed, restart pending,
StatefulSet rolling or ``OnDelete``, watch sessions, source missing, restart failure) and checks that
the union of the audit log equals :data:`API_ACCESSES` exactly. The audit log maps each kubectl
command to the requests the API server sees (see ``tests/fake_kubectl.py``). So a Role built from
these sets grants exactly what the script uses, as long as the fake maps commands the way real
kubectl does.

Namespaces and names are given as the names of the environment variables that hold them, a name
optionally followed by a literal suffix (``RESTART_NAME-0``: the StatefulSet's first pod);
:func:`resolve` fills in the values. Every access is by name, so a Role restricts each with
``resourceNames``; the script never creates anything (RBAC cannot limit ``create`` by name).
``list``/``watch`` requests carry a ``metadata.name`` field selector (``kubectl rollout status``
on statefulsets; ``kubectl get secret NAME --watch`` on the source in watch mode): the API server
takes the request's name from that selector when it authorises it, so ``resourceNames`` applies to
them too, and ``kubectl get NAME --watch`` reads the object with a plain ``get``, not a ``list``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple


class Access(NamedTuple):
    """One API access: ``namespace`` and ``name`` are environment-variable names (plus suffix)."""

    namespace: str
    verb: str
    resource: str
    name: str


_READ_SOURCE: Final = frozenset({Access("SOURCE_NAMESPACE", "get", "secrets", "SOURCE_SECRET")})
_WATCH_SOURCE: Final = frozenset({Access("SOURCE_NAMESPACE", "watch", "secrets", "SOURCE_SECRET")})
_UPDATE_TARGET: Final = frozenset(
    {
        Access("TARGET_NAMESPACE", "get", "secrets", "TARGET_SECRET"),
        Access("TARGET_NAMESPACE", "patch", "secrets", "TARGET_SECRET"),
    }
)
_RESTART_POD: Final = frozenset(
    {
        Access("TARGET_NAMESPACE", "get", "pods", "RESTART_NAME"),
        Access("TARGET_NAMESPACE", "delete", "pods", "RESTART_NAME"),
    }
)
_RESTART_STATEFULSET: Final = frozenset(
    {
        Access("TARGET_NAMESPACE", "get", "statefulsets", "RESTART_NAME"),
        Access("TARGET_NAMESPACE", "patch", "statefulsets", "RESTART_NAME"),
        Access("TARGET_NAMESPACE", "list", "statefulsets", "RESTART_NAME"),
        Access("TARGET_NAMESPACE", "watch", "statefulsets", "RESTART_NAME"),
        # OnDelete update strategy: the pods are deleted one by one (a one-replica StatefulSet).
        Access("TARGET_NAMESPACE", "get", "pods", "RESTART_NAME-0"),
        Access("TARGET_NAMESPACE", "delete", "pods", "RESTART_NAME-0"),
    }
)
_BASE: Final = _READ_SOURCE | _UPDATE_TARGET

#: (RESTART_KIND, trigger) -> every access the script can make. trigger "watch" is the watch
#: Deployment (``rotate.sh watch``); its CronJob backstop makes the "schedule" accesses.
API_ACCESSES: Final[Mapping[tuple[str, str], frozenset[Access]]] = {
    ("Pod", "schedule"): _BASE | _RESTART_POD,
    ("Pod", "watch"): _BASE | _WATCH_SOURCE | _RESTART_POD,
    ("StatefulSet", "schedule"): _BASE | _RESTART_STATEFULSET,
    ("StatefulSet", "watch"): _BASE | _WATCH_SOURCE | _RESTART_STATEFULSET,
}

#: Verbs that RBAC ``resourceNames`` cannot restrict; the script uses none of them.
NOT_RESTRICTABLE_BY_NAME: Final = frozenset({"create", "deletecollection"})


def accesses_for(env: Mapping[str, str], trigger: str = "schedule") -> frozenset[Access]:
    """The placeholder accesses for a script environment (RESTART_KIND) and trigger."""
    return API_ACCESSES[(env["RESTART_KIND"], trigger)]


def resolve_name(env: Mapping[str, str], placeholder: str) -> str:
    """``RESTART_NAME-0`` -> the value of RESTART_NAME plus ``-0``."""
    var, sep, suffix = placeholder.partition("-")
    return env[var] + sep + suffix


def resolve(env: Mapping[str, str], trigger: str = "schedule") -> frozenset[Access]:
    """The concrete accesses for a script environment: namespaces and names filled in."""
    return frozenset(
        Access(env[access.namespace], access.verb, access.resource, resolve_name(env, access.name))
        for access in accesses_for(env, trigger)
    )
