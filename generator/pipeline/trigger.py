"""Manual rotation through Git: a Job equivalent to ``kubectl create job --from=cronjob/<name> <job>``.

kubectl's ``createJobFromCronJob`` copies the CronJob's ``jobTemplate``: ``spec`` verbatim, the
template's labels, and the template's annotations over ``cronjob.kubernetes.io/instantiate: manual``.
It also sets an ownerReference to the live CronJob's UID, which only exists in the cluster, so a
Job rendered from Git cannot carry it (the Job is pruned by Argo CD/Flux instead, when removed).

The Job is an ordinary resource (not an Argo CD hook: hooks re-run on every sync, and hook
``generateName`` breaks kustomize). It runs once, when first applied. Because a Job's pod template
is immutable, it carries ``argocd.argoproj.io/sync-options: Force=true`` (``kubectl apply --force``:
delete and re-create only when the patch is rejected) and ``kustomize.toolkit.fluxcd.io/force: enabled``,
so that a change in Git to an immutable field re-creates the Job instead of failing the sync, while an
unchanged Job is never touched. Never ``Replace=true``: ``kubectl replace --force`` re-creates (and so
re-runs) the Job on any difference, and on some Argo CD versions even in the dry run.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from generator.config.settings import Settings, load_settings
from generator.errors import GeneratorError, OverlayError, UsageError
from generator.render.overlay import OverlayInputs, header, render_job_template
from generator.render.yaml_emit import dump
from generator.write import discovery, ownership, transaction

_JOB_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")  # used with fullmatch: no "$" (it matches before "\n")
ARGO_SYNC_OPTIONS = "Force=true"  # recreate only on a rejected (immutable) patch; never Replace=true


def manual_job(s: Settings, name: str) -> dict[str, Any]:
    template = render_job_template(s)
    meta = template.get("metadata") or {}
    annotations = {"cronjob.kubernetes.io/instantiate": "manual"}
    annotations.update(meta.get("annotations") or {})
    annotations["argocd.argoproj.io/sync-options"] = ARGO_SYNC_OPTIONS
    annotations["kustomize.toolkit.fluxcd.io/force"] = "enabled"
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": s.namespace,
            "labels": copy.deepcopy(meta.get("labels") or {}),
            "annotations": annotations,
        },
        "spec": copy.deepcopy(template["spec"]),
    }


def kubectl_command(s: Settings, name: str) -> str:
    return f"kubectl -n {s.namespace} create job --from=cronjob/{s.cron_job_name} {name}"


def check_name(name: str) -> None:
    if not _JOB_NAME.fullmatch(name) or len(name) > 63:
        raise UsageError(
            f"--name {name!r} is not a valid Job name", rule="invalid-name",
            hint="use lowercase letters, digits and '-', at most 63 characters (e.g. rotation-1)",
        )


def job_path(name: str) -> str:
    return f"{discovery.JOBS_DIR}/{name}.yaml"


def write_job(root: Path, overlay: discovery.Overlay, name: str, *, remove: bool, durable: bool = True) -> tuple[str, str]:
    """Add (or remove) ``jobs/<name>.yaml``; returns (repo-relative path, action). Caller re-renders."""
    check_name(name)
    loaded = load_settings(overlay.settings_path, root, overlay.settings_rel)
    if loaded.settings.chart_mode and not remove:
        line, col = loaded.document.position(("rotation", "mode"))
        raise GeneratorError(
            f"trigger cannot add a manual Job to {overlay.rel}: rotation.mode is kaptain-chart, so the CronJob and its "
            "job template are rendered by Kaptain's chart, not from this repository",
            file=overlay.settings_rel, line=line, col=col, rule="chart-mode-trigger",
            hint=f"run the product page's command on the cluster instead: {kubectl_command(loaded.settings, name)}")
    rel_path = job_path(name)
    target = overlay.path / rel_path
    display = f"{overlay.rel}/{rel_path}"
    if target.is_symlink():
        raise OverlayError(f"{display} is a symlink", file=display, rule="symlink", hint="remove it")
    existing = target.read_text(encoding="utf-8") if target.exists() else None
    from generator.render.overlay import is_untouched, split_header

    if existing is not None and split_header(existing)[0] is None:
        raise OverlayError(f"{display} exists and was not written by kaptain-gitops", file=display,
                           rule="foreign-file", hint="rename your file or choose another --name")
    tx = transaction.Transaction(root, durable=durable)
    if remove:
        if existing is None:
            raise GeneratorError(f"{display} does not exist", file=display, rule="no-such-job",
                                 hint="list the overlay's jobs/ directory for the names in use")
        if not is_untouched(existing):
            raise OverlayError(f"{display} was edited by hand; refusing to delete it", file=display,
                               rule="hand-edited", hint="delete it yourself")
        tx.add(overlay, [ownership.Change(rel_path, "delete")])
        action = "removed"
    else:
        if existing is not None:
            raise GeneratorError(f"{display} already exists; a Job runs once per name", file=display,
                                 rule="job-exists", hint="choose a new --name (e.g. rotation-2) or --remove it first")
        inputs = OverlayInputs(overlay=overlay.rel, settings_file=overlay.settings_rel)
        body = "# Manual rotation Job: runs once when Argo CD or Flux applies it. Deleting it in the cluster (or a\n" \
               "# ttlSecondsAfterFinished) makes them re-create it, which runs it again. Retire it through Git:\n" \
               f"#   kaptain-gitops trigger {overlay.rel} --name {name} --remove\n" + dump(manual_job(loaded.settings, name))
        tx.add(overlay, [ownership.Change(rel_path, "create", header(inputs, body) + body)])
        action = "created"
    tx.commit()
    jobs = overlay.path / discovery.JOBS_DIR
    if remove and jobs.is_dir() and not jobs.is_symlink() and not any(jobs.iterdir()):
        jobs.rmdir()  # the last Job is gone: leave no empty jobs/ behind
    return display, action


def settings_for(root: Path, overlay: discovery.Overlay) -> Settings:
    return load_settings(overlay.settings_path, root, overlay.settings_rel).settings
