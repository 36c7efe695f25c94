"""A small rendered fleet for the crash, lock and interrupt tests: copies of the prod overlay, and what they hold."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, run_cli


def render_fleet(root: Path, count: int) -> None:
    """``count`` overlays ``overlays/c000``… with prod's settings, rendered."""
    for i in range(count):
        d = root / "overlays" / f"c{i:03d}"
        d.mkdir(parents=True)
        (d / "settings.yaml").write_text((REPO / "overlays/prod/settings.yaml").read_text())
    assert run_cli("render", "--root", str(root)).code == 0


def change_schedules(root: Path) -> None:
    """Every overlay's schedule changed, so that a render rewrites every CronJob."""
    for d in (root / "overlays").iterdir():
        s = d / "settings.yaml"
        s.write_text(s.read_text().replace('"0 0 * * *"', '"30 1 * * *"'))


def generated(root: Path) -> dict[str, dict[str, str]]:
    """Overlay name → generated file name → text."""
    return {d.name: {p.name: p.read_text() for p in sorted(d.glob("*.yaml")) if p.name != "settings.yaml"}
            for d in sorted((root / "overlays").iterdir())}
