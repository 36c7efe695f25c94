"""README's five-minute walkthrough runs verbatim on a fresh clone (with the installed CLI on PATH)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, require_kubectl


def walkthrough() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- walkthrough -->\n```sh\n(.*?)```", text, re.DOTALL)
    assert match, "README has a walkthrough block"
    return match.group(1)


def test_readme_names_the_two_setup_commands_and_ci_runs_the_test_one() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make render" in text and "make test" in text
    assert "make test" in (REPO / ".ci" / "run").read_text()


@pytest.mark.slow
def test_walkthrough_runs_verbatim_on_a_fresh_clone(tmp_path: Path) -> None:
    require_kubectl()
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    # the working tree's files (the clone has the last commit; tests run on what is being tested)
    for rel in ("overlays", "gitops.yaml", "deploy"):
        subprocess.run(["rm", "-rf", str(clone / rel)], check=True)
        subprocess.run(["cp", "-r", str(REPO / rel), str(clone / rel)], check=True)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("GITHUB_ACTIONS", None)
    env.pop("GITHUB_STEP_SUMMARY", None)
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", walkthrough()], cwd=clone, env=env,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "every-minute-burst" in proc.stdout
    assert "| Schedule | `0 0 * * *` (Etc/UTC) | `30 */4 * * *` (Etc/UTC) |" in proc.stdout
    assert "### ✅ `overlays/staging` (added)" in proc.stdout
    status = subprocess.run(["git", "status", "--porcelain", "--", "overlays/prod"], cwd=clone, capture_output=True,
                            text=True, check=True)
    assert status.stdout == "", "the walkthrough leaves prod as it found it"
    assert "overlays/staging/jobs/rotation-1.yaml: created" in proc.stdout
    assert "overlays/staging/jobs/rotation-1.yaml: deleted" in proc.stdout or "removed" in proc.stdout
    # 5. the DKP path: the time zone is refused in chart mode, then staging's values reach deploy/kommander
    assert "(chart-mode-time-zone)" in proc.stdout
    assert "deploy/kommander/overrides/staging.yaml: created" in proc.stdout
    assert 'secretRotationSchedule: "0 */6 * * *"' in proc.stdout
    assert ("kubectl -n kaptain-ingress create job --from=cronjob/kaptain-ingress-cert-secret-rotation rotation-2\n"
            in proc.stdout)
    assert "(chart-mode-trigger)" in proc.stderr


def _schema_keys(node: dict, schema: dict, path: str = "") -> list[str]:
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].split("/")[-1]], **{k: v for k, v in node.items() if k != "$ref"}}
    props = node.get("properties")
    if not props or path.endswith(("requests", "limits")):
        return [path]
    out = []
    for key, sub in props.items():
        out.extend(_schema_keys(sub, schema, f"{path}.{key}" if path else key))
    return out


def test_readme_documents_every_settings_key_and_lint_rule() -> None:
    import json

    schema = json.loads((REPO / "schemas/settings.schema.json").read_text())
    text = (REPO / "README.md").read_text(encoding="utf-8")
    keys = _schema_keys(schema, schema)
    assert len(keys) >= 30
    for key in keys:
        assert f"| `{key}` |" in text, f"README's settings reference lacks {key}"
    from generator.schedule.lint import rules

    for rule in [*rules()[0], *rules()[1]]:
        assert f"`{rule.ID}`" in text, f"README's lint table lacks {rule.ID}"
