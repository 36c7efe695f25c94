"""Smoke test of the fleet benchmark: ``python -m bench --quick`` runs and writes every section.

No timing is asserted: only that the run succeeds and the Markdown report has its structure.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

SECTIONS = (
    "## 1. Render",
    "## 2. Check",
    "## 3. Baseline",
    "## 4. Start-up of every command",
    "### Pull-request path",
    "## 5. Worst-case-delay analysis",
    "## 6. Peak memory",
    "## Targets",
    "## Machine",
)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("kaptain-gitops") is None and not (Path(sys.executable).parent / "kaptain-gitops").exists(),
                    reason="kaptain-gitops is not installed in this environment")
def test_quick_bench_writes_all_sections(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--quiet", "--overlays", "4", "--cold-runs", "2",
         "--out", str(out), "--workdir", str(tmp_path / "work")],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = out.read_text(encoding="utf-8")
    positions = [report.find(heading) for heading in SECTIONS]
    assert all(p >= 0 for p in positions), [h for h, p in zip(SECTIONS, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert "4 synthetic overlays" in report
    # every measured section has a Markdown table (the baseline needs kubectl), and the targets are judged
    for heading, start in zip(SECTIONS[:8], positions[:8], strict=True):
        if heading == "## 3. Baseline" and shutil.which("kubectl") is None:
            continue
        body = report[start:].split("\n## ", 1)[0]
        assert "\n|---|" in body, heading
    render = report[positions[0]:positions[1]]
    assert render.count("| exit 0 |") == 2, render  # both renders of the synthetic fleet succeeded
    assert report.count("**met**") + report.count("**not met**") >= 5
    assert proc.stdout.strip() == report.strip()  # the printed table is the written one
    # the fleet really had the user patch that needs kubectl, and the renders succeeded
    assert (tmp_path / "work" / "pristine" / "overlays").is_dir()
    assert any((tmp_path / "work" / "pristine" / "overlays").glob("*/patches/*.yaml"))
