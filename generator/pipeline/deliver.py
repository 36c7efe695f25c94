"""deploy/ in a run: render it from gitops.yaml for all overlays, validate it, check drift, blame bad names."""

from __future__ import annotations

import os

from generator.errors import GeneratorError
from generator.layout import CONFIG_FILE, DEPLOY_DIR
from generator.pipeline.records import Options, OverlayReport, RunReport
from generator.problems import Problem
from generator.write import discovery

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from generator.render.overlay import RenderedFile

# Start-up (#16): the renderer, the validators and the ownership rules are imported where deploy/ is really planned;
# a repository without gitops.yaml and deploy/ needs none of them.



def blame_overlays(run: RunReport) -> list[OverlayReport]:
    """Move deploy/ problems that belong to one overlay (its directory name) to that overlay's report.

    Every badly named overlay then fails on its own and the summary counts each; returns the newly failed.
    """
    if run.delivery is None or run.delivery.status != "failed":
        return []
    by_overlay = {r.overlay: r for r in run.overlays}
    newly: list[OverlayReport] = []
    kept = []
    for p in run.delivery.problems:
        r = by_overlay.get(p.file)
        if r is None:
            kept.append(p)
            continue
        r.problems.append(p)
        if r.status != "failed":
            r.status = "failed"
            newly.append(r)
    run.delivery.problems = kept
    return newly


def deploy_dir(opts: Options) -> discovery.Overlay:
    return discovery.Overlay(opts.root / DEPLOY_DIR, DEPLOY_DIR)


def plan_delivery(opts: Options, targets: list[discovery.Overlay], patterns: list[str],
                  reports: list[OverlayReport] | None = None, tree: discovery.Tree | None = None,
                  facts: dict[str, bool] | None = None) -> OverlayReport | None:
    """Render deploy/ from gitops.yaml for *all* overlays (a subset run still keeps deploy/ whole).

    ``reports``: this run's overlay reports, whose settings (loaded and linted) deploy/kommander reuses (the others
    are read there); only then are they asked for (a result-cache hit reads its settings on first use);
    ``tree``: this run's scan of overlays/ (used when gitops.yaml's overlaysPath is overlays/);
    ``facts``: filled with ``cacheable`` (overlaysPath is the scanned overlays/) and ``kommander`` (deploy/kommander
    is rendered: it reads every overlay's settings), for :mod:`~generator.pipeline.deploy_cache`.
    """
    if not os.path.lexists(os.path.join(opts.root_dir, CONFIG_FILE)) \
            and not os.path.isdir(os.path.join(opts.root_dir, DEPLOY_DIR)):
        return None  # no gitops.yaml and no deploy/: nothing to render or compare (found without pathlib, #16)
    report = OverlayReport("deploy")
    config_path = opts.root / CONFIG_FILE
    try:
        if config_path.exists() or config_path.is_symlink():  # as load_delivery_config decides
            from generator.render.delivery_config import load_delivery_config

            config = load_delivery_config(opts.root)
        else:
            config = None
    except GeneratorError as err:
        report.problems = Problem.from_errors(err, CONFIG_FILE)
        report.status = "failed"
        return report
    if config is None:  # no gitops.yaml (any more): our files in deploy/ are stale, render deletes them
        deploy = deploy_dir(opts)
        if not deploy.path.is_dir():
            return None  # what owned_tree finds there: nothing
        from generator.write import ownership

        owned = ownership.owned_tree(deploy.path)
        if not owned:
            return None
        diff = ownership.compare(deploy, [], force=opts.force, owned=owned)
        report.problems.extend(Problem.from_error(c, deploy.rel) for c in diff.conflicts)
        report.status = "failed" if diff.conflicts else "up-to-date"
        report.changes = diff.changes
        return report
    from generator.pipeline import kommander_clusters as kc
    from generator.render import overlay_set
    from generator.render.overlay import RenderedFile
    from generator.write import ownership

    try:
        same = tree is not None and opts.root / config.overlays_path == opts.root / "overlays"
        found = tree.overlays if tree is not None and same else discovery.discover(opts.root, config.overlays_path)
        overlays = [o.rel for o in found]
        if facts is not None:
            facts["cacheable"] = same
            facts["kommander"] = config.kommander is not None
        clusters = None
        if config.kommander is not None:
            clusters, report.problems = kc.clusters(opts.root, config, found, kc.valid_settings(reports or []))
            if report.problems:
                report.status = "failed"
                return report
        from generator.pipeline.template_cache import use_template_cache
        from generator.render.delivery import render_delivery

        use_template_cache(opts)
        files = render_delivery(config, overlays, clusters)
    except GeneratorError as err:
        report.problems = Problem.from_errors(err, CONFIG_FILE)
        report.status = "failed"
        return report
    # The ApplicationSet's files generator must match exactly these overlays (the Flux objects' set).
    report.problems.extend(overlay_set.mismatches(opts.root, config.overlays_path, overlays,
                                                  tree.settings_dirs if tree is not None and same else None))
    if report.problems:
        report.status = "failed"
        return report
    deploy = deploy_dir(opts)
    prefix = deploy.rel + "/"
    rendered = [RenderedFile(f.path[len(prefix):], f.text, f.documents) for f in files]
    report.files = rendered
    if config.kommander is not None:
        report.problems.extend(validate_kommander(opts, rendered))
        if report.errors:
            report.status = "failed"
            return report
    diff = ownership.compare(deploy, rendered, force=opts.force, owned=ownership.owned_tree(deploy.path))
    report.problems.extend(Problem.from_error(c, deploy.rel) for c in diff.conflicts)
    report.status = "failed" if diff.conflicts else "up-to-date"
    report.changes = diff.changes
    return report


def validate_kommander(opts: Options, files: list[RenderedFile]) -> list[Problem]:
    """deploy/kommander against the Kubernetes schemas and the shipped AppDeployment schema (always: no flag needed)."""
    from generator.pipeline.documents import document_lines, document_problems, schema_registry
    from generator.render.kommander import DIR, KUSTOMIZATION_FILE
    from generator.validate.manifest_schemas import DEFAULT_KUBERNETES_VERSION

    # The shipped CRD schemas (schemas/crds) are always in the registry; --crd-schemas can override them.
    registry = schema_registry(opts.schema_root, opts.crd_location)(opts.kubernetes_version
                                                                      or DEFAULT_KUBERNETES_VERSION)
    problems = []
    for f in files:
        path = f"deploy/{f.path}"
        if path.startswith(DIR + "/") and path != KUSTOMIZATION_FILE:
            problems.extend(document_problems(path, f.documents, registry, lines=document_lines(f.text)))
    return problems


def check_delivery(run: RunReport, opts: Options) -> None:
    """Drift and strict CRD-schema validation of deploy/ (shipped schemas, plus --crd-schemas)."""
    from generator.pipeline.documents import document_lines, document_problems, schema_registry, stale_problem
    from generator.render.delivery import PLUGIN_FILE

    r = run.delivery
    assert r is not None
    if r.status == "failed":
        return
    r.problems.extend(stale_problem(f"deploy/{ch.path}", ch.action, "kaptain-gitops render") for ch in r.changes)
    if r.changes:
        r.status = "stale"
    from generator.validate.manifest_schemas import DEFAULT_KUBERNETES_VERSION

    registry = schema_registry(opts.schema_root, opts.crd_location)(opts.kubernetes_version
                                                                      or DEFAULT_KUBERNETES_VERSION)
    for f in r.files:
        if f"deploy/{f.path}" != PLUGIN_FILE and not f"deploy/{f.path}".startswith("deploy/kommander/"):
            r.problems.extend(document_problems(f"deploy/{f.path}", f.documents, registry,
                                                 lines=document_lines(f.text), api_rules=False, skip=opts.skip))
    if any(p.rule != "stale-file" for p in r.errors):  # drift alone keeps "stale"
        r.status = "failed"
