"""The Kubernetes API accesses that ``templates/rotate.sh`` can make, per configuration.

The sets below are not guesses: ``tests/test_rotation_script.py`` runs the script against the fake
kubectl in every configuration and through every path (up to date, changed, restart pending,
target absent, source missing, restart failure) and checks that the union of the audit log
equals :data:`API_ACCESSES` exactly. The audit log maps each kubectl command to the requests the
API server sees (see ``tests/fake_kubectl.py``). So a Role built from these sets grants exactly
what the script uses, as long as the fake maps commands the way real kubectl does.

Namespaces and names are given as the names of the environment variables that hold them;
:func:`resolve` fills in the values. All of these accesses are by name, so a Role can restrict
them with ``resourceNames``, except ``create``: RBAC cannot limit ``create`` by name, so that rule
needs its own entry without ``resourceNames``. ``list``/``watch`` on statefulsets come from
``kubectl rollout status``, which uses a ``metadata.name`` field selector; the API server
authorises such requests against ``resourceNames`` too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, NamedTuple


class Access(NamedTuple):
    """One API access: ``namespace`` and ``name`` are environment-variable names."""

    namespace: str
    verb: str
    resource: str
    name: str


_READ_SOURCE: Final = frozenset({Access("SOURCE_NAMESPACE", "get", "secrets", "SOURCE_SECRET")})
_UPDATE_TARGET: Final = frozenset(
    {
        Access("TARGET_NAMESPACE", "get", "secrets", "TARGET_SECRET"),
        Access("TARGET_NAMESPACE", "patch", "secrets", "TARGET_SECRET"),
    }
)
_CREATE_TARGET: Final = frozenset({Access("TARGET_NAMESPACE", "create", "secrets", "TARGET_SECRET")})
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
    }
)

#: (RESTART_KIND, CREATE_TARGET_IF_MISSING) -> every access the script can make.
API_ACCESSES: Final[Mapping[tuple[str, bool], frozenset[Access]]] = {
    ("Pod", False): _READ_SOURCE | _UPDATE_TARGET | _RESTART_POD,
    ("Pod", True): _READ_SOURCE | _UPDATE_TARGET | _CREATE_TARGET | _RESTART_POD,
    ("StatefulSet", False): _READ_SOURCE | _UPDATE_TARGET | _RESTART_STATEFULSET,
    ("StatefulSet", True): _READ_SOURCE | _UPDATE_TARGET | _CREATE_TARGET | _RESTART_STATEFULSET,
}

#: Verbs that RBAC ``resourceNames`` cannot restrict.
NOT_RESTRICTABLE_BY_NAME: Final = frozenset({"create"})


def accesses_for(env: Mapping[str, str]) -> frozenset[Access]:
    """The placeholder accesses for a script environment (RESTART_KIND, CREATE_TARGET_IF_MISSING)."""
    return API_ACCESSES[(env["RESTART_KIND"], env["CREATE_TARGET_IF_MISSING"] == "true")]


def resolve(env: Mapping[str, str]) -> frozenset[Access]:
    """The concrete accesses for a script environment: namespaces and names filled in."""
    return frozenset(
        Access(env[access.namespace], access.verb, access.resource, env[access.name]) for access in accesses_for(env)
    )
