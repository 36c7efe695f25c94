"""A synthetic, seeded fleet of overlays laid out like a repository (``<root>/overlays/cluster-0001/...``).

Every overlay is valid: varied Kubernetes-valid schedules and IANA time zones (several with daylight-saving
time), a few optional settings, and about one in ten with a user patch under ``patches/`` so that ``check``
has to build it with the real ``kubectl kustomize``. Schedules whose worst-case delay is longer than the
default 24 h carry a matching ``lint.maxDelayHours`` so the fleet checks clean (warnings aside).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

# (schedule, worst-case delay in hours the overlay allows, or None for the default)
SCHEDULES: tuple[tuple[str, float | None], ...] = (
    ("0 */6 * * *", None),
    ("30 2 * * 1-5", 80),
    ("@daily", None),
    ("15 3 1,15 * *", 420),
    ("0 0 * * 0", 170),
    ("0 0 * * *", None),
    ("*/30 * * * *", None),
    ("0 4 * * *", None),
    ("45 1 * * *", None),
    ("0 3,15 * * *", None),
    ("@weekly", 170),
    ("0 22 * * 1-5", 80),
    ("5 */4 * * *", None),
    ("0 6 * * mon-fri", 80),
    ("20 0 */2 * *", 72),
    ("0 12 * jan-jun,sep-dec *", 2300),
)

TIME_ZONES: tuple[str | None, ...] = (
    "Etc/UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Santiago",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Pacific/Auckland",
    "America/Sao_Paulo",
    None,  # no time zone: the controller's zone (a lint warning, still valid)
)

K8S_VERSIONS = ("1.30", "1.35", "1.36", "1.37")
PATCH_SHARE = 0.10


@dataclass(frozen=True)
class Fleet:
    root: Path
    names: tuple[str, ...]
    patched: tuple[str, ...]  # overlay names with a user patch (need the real kustomize)

    def overlay_dirs(self) -> list[Path]:
        return [self.root / "overlays" / n for n in self.names]


def _q(value: str) -> str:
    """A YAML 1.2 double-quoted scalar (JSON string literal)."""
    return json.dumps(value)


def _settings(rng: random.Random, index: int) -> tuple[str, str, str]:
    """(settings.yaml text, namespace, CronJob name) for one overlay."""
    schedule, max_delay = rng.choice(SCHEDULES)
    zone = rng.choice(TIME_ZONES)
    lines = [
        f"# Synthetic overlay {index} (kaptain-gitops benchmark).",
        "ingress:",
        f"  enableSecretRotation: {'false' if rng.random() < 0.05 else 'true'}",
        f"  secretRotationSchedule: {_q(schedule)}",
    ]
    if zone is not None:
        lines.append(f"  secretRotationTimeZone: {_q(zone)}")
    namespace = "kaptain-ingress"
    cronjob = "kaptain-ingress-cert-secret-rotation"
    rotation: list[str] = []
    if rng.random() < 0.2:
        namespace = f"kaptain-ingress-{index % 7}"
        rotation.append(f"  namespace: {namespace}")
    if rng.random() < 0.2:
        cronjob = f"cert-rotation-{index:04d}"
        rotation.append(f"  cronJobName: {cronjob}")
    if rng.random() < 0.3:
        rotation += ["  restart:", "    kind: StatefulSet", "    name: authservice"]
    if rng.random() < 0.3:
        cpu = rng.choice(("50m", "100m", "250m"))
        mem = rng.choice(("64Mi", "128Mi", "256Mi"))
        rotation += ["  resources:", "    limits:", f"      cpu: {cpu}", f"      memory: {mem}"]
    if rng.random() < 0.2:
        rotation.append(f"  startingDeadlineSeconds: {rng.choice((600, 1800, 7200))}")
    if rotation:
        lines += ["rotation:", *rotation]
    if max_delay is not None:
        lines += ["lint:", f"  maxDelayHours: {max_delay:g}"]
    elif rng.random() < 0.1:
        lines += ["lint:", "  minIntervalMinutes: 30"]
    if rng.random() < 0.3:
        lines.append(f"kubernetesVersion: {_q(rng.choice(K8S_VERSIONS))}")
    return "\n".join(lines) + "\n", namespace, cronjob


def _patch(namespace: str, cronjob: str, index: int) -> str:
    return (
        "# A user patch: listed in the generated kustomization, never touched by kaptain-gitops.\n"
        "apiVersion: batch/v1\n"
        "kind: CronJob\n"
        "metadata:\n"
        f"  name: {cronjob}\n"
        f"  namespace: {namespace}\n"
        "  annotations:\n"
        f"    example.com/owner: team-{index % 13}\n"
    )


def make_fleet(root: Path, count: int, seed: int = 1, patched_share: float = PATCH_SHARE) -> Fleet:
    """Write ``count`` overlays under ``root/overlays`` (settings and user patches only: nothing rendered)."""
    rng = random.Random(seed)
    # ~10 % with a user patch (at least one, so even a tiny fleet exercises the kubectl path)
    patched_count = max(1, round(count * patched_share)) if patched_share > 0 else 0
    with_patch = set(random.Random(seed * 31 + 1).sample(range(1, count + 1), patched_count))
    names: list[str] = []
    patched: list[str] = []
    for i in range(1, count + 1):
        name = f"cluster-{i:04d}"
        d = root / "overlays" / name
        d.mkdir(parents=True, exist_ok=True)
        text, namespace, cronjob = _settings(rng, i)
        (d / "settings.yaml").write_text(text, encoding="utf-8")
        if i in with_patch:
            (d / "patches").mkdir(exist_ok=True)
            (d / "patches" / "owner-annotation.yaml").write_text(_patch(namespace, cronjob, i), encoding="utf-8")
            patched.append(name)
        names.append(name)
    return Fleet(root, tuple(names), tuple(patched))


def subsample(fleet: Fleet, count: int, seed: int = 1) -> list[Path]:
    """``count`` overlay directories, stratified: the same share of patched ones as the whole fleet."""
    dirs = fleet.overlay_dirs()
    if count >= len(dirs):
        return dirs
    rng = random.Random(seed + 7919)
    patched = set(fleet.patched)
    with_patch = [d for d in dirs if d.name in patched]
    without = [d for d in dirs if d.name not in patched]
    k = min(len(with_patch), max(round(count * len(with_patch) / len(dirs)), count - len(without)))
    return sorted(rng.sample(with_patch, k) + rng.sample(without, count - k))
