"""Regenerate every golden file (``make goldens``): the example overlays and tests/golden/*. Review the diff!"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.cli.main import main

REPO = Path(__file__).resolve().parent.parent


def update() -> int:
    code = main(["render", "--root", str(REPO), "--force"])
    for case in sorted((REPO / "tests" / "golden").iterdir()):
        if case.is_dir():
            code |= main(["render", "--root", str(case), "--force"])
    bad = REPO / "tests" / "examples" / "settings" / "bad"
    import io
    import os

    os.chdir(REPO)
    for path in sorted(bad.glob("*.yaml")):
        out = io.StringIO()
        main(["validate", str(path.relative_to(REPO))], out, io.StringIO())
        path.with_suffix(".expected").write_text(out.getvalue(), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(update())
