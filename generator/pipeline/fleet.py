"""One overlay, end to end: settings → lint → render → validate → compare with disk.

Everything here returns values (reports with :class:`~generator.problems.Problem` records); nothing
prints or exits. ``render_overlays``/``check_overlays`` run many overlays in one process: one bad
overlay never stops the others, and the run's result reflects all of them.
"""

from __future__ import annotations

import os

from generator.errors import GeneratorError
from generator.layout import CONFIG_FILE, DEPLOY_DIR, SETTINGS_FILE
from generator.pipeline.pool import fleet_map
from generator.pipeline.records import Options, OverlayReport, RunReport
from generator.problems import Problem
from generator.records import Bound
from generator.write import discovery, transaction

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: a warm check starts without importing typing (#16)
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path
    from typing import Any, Literal

    from generator.config.settings import LoadedSettings
    from generator.render.overlay import RenderedFile

# Start-up: settings (YAML), schedule analysis, the renderer (Jinja2), the validators (jsonschema-rs), deploy/ and
# even the document and ownership helpers are imported by the functions that use them, so a run that checks no
# overlay (``check --changed-since`` with nothing changed) loads none of them, and a one-overlay check answered by
# the result cache loads no renderer, validator or YAML library; tests/test_check_startup.py and
# tests/test_startup_imports.py guard this.


def plan_overlay(o: discovery.Overlay, opts: Options, registry: Callable[[str], Any] | None = None) -> OverlayReport:
    """Load, lint, render and validate one overlay, then diff against disk. Never raises for user mistakes."""
    from generator.config.settings import load_settings
    from generator.pipeline.built import overlay_inputs
    from generator.pipeline.template_cache import use_template_cache
    from generator.render.overlay import render_overlay
    from generator.schedule.settings_lint import describe_schedule, lint_refused, lint_settings
    from generator.write import ownership

    use_template_cache(opts)
    report = OverlayReport(o.rel)
    try:
        loaded = load_settings(o.settings_path, opts.root, o.settings_rel)
    except GeneratorError as err:
        report.problems = sorted([*Problem.from_errors(err, o.settings_rel), *lint_refused(err)])
        report.status = "failed"
        return report
    report.settings = loaded.settings
    report.problems.extend(lint_settings(loaded))
    if report.errors:
        report.status = "failed"
        return report
    try:
        inputs = overlay_inputs(opts.root, o)
        meaning, delay = describe_schedule(loaded.settings)
        report.files = render_overlay(loaded.settings, inputs, meaning=meaning, worst_case_delay=delay)
    except GeneratorError as err:
        report.problems.extend(Problem.from_errors(err, o.settings_rel))
        report.status = "failed"
        return report
    report.problems.extend(validate_files(o, report.files, loaded, opts, registry))
    if report.errors:
        report.status = "failed"
        return report
    diff = ownership.compare(o, report.files, force=opts.force)
    if diff.conflicts:
        from generator.pipeline import handedit
    for conflict in diff.conflicts:
        handedit.locate(o, inputs, report.files, conflict, describe_schedule)
        report.problems.append(Problem.from_error(conflict, o.rel))
    if diff.conflicts:
        report.status = "failed"
        return report
    report.changes = diff.changes
    return report


def validate_files(o: discovery.Overlay, files: Iterable[RenderedFile], loaded: LoadedSettings, opts: Options,
                   registry: Callable[[str], Any] | None) -> list[Problem]:
    """Strict schema + API-server rules for every rendered document; problems point into the rendered file."""
    from generator.pipeline.documents import document_lines, document_problems, schema_registry, skip_for
    from generator.render.overlay import KUSTOMIZATION

    version = opts.kubernetes_version or loaded.settings.kubernetes_version
    reg = (registry or schema_registry(opts.schema_root, opts.crd_location))(version)
    problems = []
    for f in files:
        if f.path != KUSTOMIZATION:
            problems.extend(document_problems(f"{o.rel}/{f.path}", f.documents, reg,
                                               lines=document_lines(f.text), skip=skip_for(opts, loaded.settings)))
    return problems


def validate_built(o: discovery.Overlay, docs: list[dict[str, Any]], r: OverlayReport, opts: Options,
                   registry: Callable[[str], Any]) -> list[Problem]:
    """Strict schema + API rules + schedule analysis of the kustomize output, located at the user's lines."""
    from generator.pipeline.built import validate_built as validate
    from generator.pipeline.documents import skip_for

    version = opts.kubernetes_version or (r.settings.kubernetes_version if r.settings else "")
    skip = skip_for(opts, r.settings) if r.settings else opts.skip
    return validate(o, docs, r.files, r.settings, version, registry, skip=skip)


def repo_problems(opts: Options, tree: discovery.Tree | None = None) -> list[Problem]:
    """Run-level findings whatever the selection: misnamed settings files (the same rule as ``validate``)."""
    out = []
    for path in (tree or discovery.scan(opts.root)).misnamed:
        message, hint = discovery.misnamed_settings_message(path)
        out.append(Problem(path, 1, 1, "error", "settings-file-name", f"{message}; {hint}"))
    return out


def plan_orphans(opts: Options, command: str, tree: discovery.Tree | None = None) -> list[OverlayReport]:
    """Generated files in folders without a settings file (the overlay was removed): ``render`` deletes them
    (hand-edited ones only with ``--force``), ``check`` reports each as an error. Whatever the selection."""
    reports: list[OverlayReport] = []
    orphans = (tree or discovery.scan(opts.root)).orphans
    if orphans:
        from generator.write import ownership
    for o in orphans:
        r = OverlayReport(o.rel)
        diff = ownership.compare(o, [], force=opts.force, owned=ownership.owned_files(o))
        r.problems.extend(Problem.from_error(c, o.rel) for c in diff.conflicts)
        r.changes = diff.changes
        if command == "check":
            r.problems.extend(Problem(f"{o.rel}/{ch.path}", 1, 1, "error", "orphaned-file",
                                      f"{o.rel}/{ch.path} was generated for an overlay that has no "
                                      f"{SETTINGS_FILE}; run 'kaptain-gitops render' to delete it "
                                      f"(or restore {o.rel}/{SETTINGS_FILE})") for ch in r.changes)
        r.status = "failed" if diff.conflicts else "stale" if command == "check" else "up-to-date"
        reports.append(r)
    return reports


def _targets(opts: Options, patterns: list[str], tree: discovery.Tree) -> list[discovery.Overlay]:
    found = tree.overlays
    if not found and not patterns:
        raise GeneratorError(
            f"no overlays found: no {SETTINGS_FILE} under {discovery.rel(opts.root, opts.root / 'overlays') or 'overlays'}/",
            rule="no-overlays", hint="create overlays/<name>/settings.yaml, or run from the repository root (--root)",
        )
    return discovery.select(opts.root_dir, found, patterns)


def _slim(r: OverlayReport, keep_files: bool = False) -> OverlayReport:
    """Drop what the run no longer needs (file texts), so memory stays flat as the fleet grows."""
    if r.changes:
        from generator.write.ownership import Change

        r.changes = [Change(c.path, c.action) for c in r.changes]
    if not keep_files:
        r.files = []
    return r


def _render_one(o: discovery.Overlay, opts: Options) -> tuple[OverlayReport, list[dict[str, str]]]:
    """Plan one overlay and stage its new files as temporaries (a worker's share of ``render``)."""
    from generator.pipeline.documents import schema_registry

    r = plan_overlay(o, opts, schema_registry(opts.schema_root, opts.crd_location))
    if r.failed(opts.strict):
        r.status = "failed"
    entries = transaction.stage(opts.root, o, r.changes, durable=opts.durable) if r.status != "failed" else []
    return _slim(r), entries


def render_overlays(opts: Options, patterns: list[str], *, keep_going: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Render the selected overlays. All-or-nothing: if any overlay fails, nothing is written
    (``keep_going`` writes the good ones). Holds the repository lock while it works."""
    from generator.pipeline import kommander_clusters as kc
    from generator.pipeline.deliver import blame_overlays, deploy_dir, plan_delivery

    run = RunReport("render")
    with transaction.Lock(opts.root, wait_seconds=opts.wait_seconds):
        recovered = transaction.recover(opts.root)
        if recovered:
            run.notices.append(f"completed an interrupted render ({len(recovered)} files)")
        swept = transaction.sweep_temporaries(opts.root)
        if swept:
            run.notices.append(f"removed {len(swept)} temporary files an interrupted run left behind")
        tree = discovery.scan(opts.root)
        targets = _targets(opts, patterns, tree)
        run.problems.extend(repo_problems(opts, tree))
        run.orphans = plan_orphans(opts, "render", tree)
        tx = transaction.Transaction(opts.root, durable=opts.durable)
        staged: list[tuple[OverlayReport, list[dict[str, str]]]] = []
        try:
            for r, entries in fleet_map(Bound(_render_one, opts=opts), targets, progress):
                run.overlays.append(r)
                staged.append((r, entries))
            failed: list[Any] = [r for r in [*run.overlays, *run.orphans] if r.status == "failed"]
            failed.extend(p for p in run.problems if p.is_error)
            run.delivery = plan_delivery(opts, targets, patterns, run.overlays, tree)
            run.notices.extend(kc.unrendered_values_notice(run.overlays, run.delivery))
            failed.extend(blame_overlays(run))
            if run.delivery and run.delivery.status == "failed":
                failed.append(run.delivery)
            if failed and not keep_going:
                for r in [*run.overlays, *run.orphans, *([run.delivery] if run.delivery else [])]:
                    if r.status != "failed" and r.changes:
                        r.status = "not-written"
                for _, entries in staged:
                    tx.extend(entries)
                tx.abort()
                run.notices.append("nothing was written because some overlays failed "
                                   "(use --keep-going to write the rest)")
                return run
            for r, entries in staged:
                if r.status != "failed" and entries:
                    tx.extend(entries)
                    r.status = "rendered"
            for r in run.orphans:
                if r.status != "failed" and r.changes:
                    tx.add(discovery.Overlay(opts.root / r.overlay, r.overlay), r.changes)
                    r.status = "rendered"
            if run.delivery and run.delivery.status != "failed" and run.delivery.changes:
                tx.add(deploy_dir(opts), run.delivery.changes)
                run.delivery.status = "rendered"
            tx.commit()
        except BaseException:  # an interrupt too: drop every temporary, ours and those of in-flight workers
            for _, entries in staged:
                tx.extend(entries)
            tx.abort()
            if not transaction.journal_path(opts.root).exists():
                transaction.sweep_temporaries(opts.root)
            raise
    return run


def _check_one(o: discovery.Overlay, opts: Options, cache: Any = None) -> tuple[OverlayReport, str]:
    """Plan, drift-check and (in process, where proven identical) build one overlay: a worker's share of check.

    Returns the report and the build plan; a ``kubectl`` plan is left to the parent, which runs those
    builds side by side. ``cache``: the run's :class:`~generator.pipeline.overlay_cache.Session`, if any.
    """
    key = cache.key(o) if cache is not None else None
    if key is not None:
        hit = cache.lookup(o, key)
        if hit is not None:
            return hit, "internal"
    from generator.pipeline.documents import schema_registry, stale_problem
    from generator.validate import kustomize

    registry = schema_registry(opts.schema_root, opts.crd_location)
    r = plan_overlay(o, opts, registry)
    plan: kustomize.Plan | Literal["none"] = "none"
    if r.status != "failed":
        r.problems.extend(stale_problem(f"{o.rel}/{ch.path}", ch.action, f"kaptain-gitops render {o.rel}")
                          for ch in r.changes)
        if r.changes:
            r.status = "stale"
        else:
            plan, engine_docs = kustomize.plan_build(opts.kustomize, r.files, o.path)
            if plan != "kubectl":
                problems, built = kustomize.check_build(o, r.files, plan, built=engine_docs)
                r.problems.extend(problems)
                r.problems.extend(validate_built(o, built, r, opts, registry))
    if r.status == "up-to-date" and r.failed(opts.strict):
        r.status = "failed"
    if key is not None and plan == "internal" and r.status == "up-to-date" and not r.changes and cache.key(o) == key:
        cache.record(o, key, r)  # clean, and no file of the overlay changed while it was checked
    return _slim(r, keep_files=plan == "kubectl" or opts.keep_files), plan


def check_overlays(opts: Options, patterns: list[str] | Callable[[], tuple[list[str], bool]], *,
                   progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Validate settings, compare every generated file with a fresh render, and build every overlay.

    ``patterns`` may be a function giving ``(patterns, none)``, called once the walk of overlays/ is done
    (``--changed-since``: git answers meanwhile); ``none`` then means check no overlay, only what every check
    covers (journal, temporaries, misnamed settings, orphaned output, deploy/): no overlay changed."""
    run = RunReport("check")
    root = opts.root_dir  # strings on this path: a warm check never imports pathlib (#16)
    with transaction.Lock(root, shared=True, wait_seconds=opts.wait_seconds):
        # the one walk of overlays/ (folder listings, and the walk's result under the tool's digest, remembered by
        # the folders' stats, unless --no-cache)
        tool = _run_tool_digest(opts)
        tree = discovery.scan(root, is_temporary=transaction.is_temporary, memo=opts.cache, tool=tool)
        journal = transaction.journal_file(root)
        if os.path.exists(journal):
            run.problems.append(Problem(discovery.rel(root, journal), 1, 1, "error", "interrupted-render",
                                        "an interrupted render left a journal; run 'kaptain-gitops render' to finish it"))
        run.problems.extend(Problem(path, 1, 1, "error", "leftover-temporary",
                                    f"{path} is a temporary file an interrupted run left behind; "
                                    "run 'kaptain-gitops render' to remove it")
                            for path in transaction.find_temporaries(root, tree))
        none = False
        if callable(patterns):
            patterns, none = patterns()
        targets = [] if none else _targets(opts, patterns, tree)
        run.problems.extend(repo_problems(opts, tree))
        run.orphans = plan_orphans(opts, "check", tree)
        by_rel = {o.rel: o for o in targets}
        plans: list[Any] = []
        kubectl: str | None = None
        registry: Any = None
        cache: Path | None = None  # kubectl's build cache, named when the first kubectl build is due
        # kubectl builds are separate processes: start each as soon as its overlay is planned, side by side
        # with the planning still going on, and validate each result as it arrives (then drop it). The thread
        # pool (and concurrent.futures) only when the first kubectl build is due.
        pool: Any = None
        try:
            futures = {}
            from generator.pipeline.overlay_cache import Session

            session = Session.start(opts, tool, len(targets)) if targets else None
            check_one = Bound(_check_one, opts=opts, cache=session)
            for r, plan in fleet_map(check_one, targets, progress):
                run.overlays.append(r)
                if plan != "none":
                    plans.append(plan)
                if plan == "kubectl":
                    if pool is None:
                        from concurrent.futures import ThreadPoolExecutor

                        from generator.pipeline.documents import schema_registry
                        from generator.pipeline.pool import workers
                        from generator.validate import kustomize

                        kubectl = kustomize.find_kubectl()
                        registry = schema_registry(opts.schema_root, opts.crd_location)
                        pool = ThreadPoolExecutor(max_workers=workers())
                        cache = opts.root / discovery.STATE_DIR / "cache" / "kustomize" if opts.cache else None
                    futures[pool.submit(kustomize.check_build, by_rel[r.overlay], r.files, "kubectl", kubectl,
                                        cache)] = r
            if futures:
                from concurrent.futures import as_completed
            for future in as_completed(futures) if futures else ():
                r = futures.pop(future)
                build_problems, built = future.result()
                r.problems.extend(build_problems)
                r.problems.extend(validate_built(by_rel[r.overlay], built, r, opts, registry))
                if r.errors or (opts.strict and r.problems):
                    r.status = "failed"
                if not opts.keep_files:
                    r.files = []
        except BaseException:  # an interrupt: queued builds are dropped, running ones (one kubectl each) end
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            raise
        if pool is not None:
            pool.shutdown()
        from generator.validate.build_plans import build_notice

        run.notices.extend(build_notice(plans))
        _check_deploy(run, opts, targets, patterns, tree, tool)
    return run


def _run_tool_digest(opts: Options) -> Callable[[], str | None]:
    """The run's tool digest for both result caches, made once and only when one of them asks."""
    made: list[str | None] = []

    def tool() -> str | None:
        if not made:
            from generator.pipeline.fingerprint import tool_digest

            made.append(tool_digest(opts))
        return made[0]

    return tool


def _check_deploy(run: RunReport, opts: Options, targets: list[discovery.Overlay], patterns: list[str],
                  tree: discovery.Tree, tool: Callable[[], str | None]) -> None:
    """deploy/ in a check: rendered, compared and validated, unless the same inputs were found clean before."""
    if not os.path.lexists(os.path.join(opts.root_dir, CONFIG_FILE)) \
            and not os.path.isdir(os.path.join(opts.root_dir, DEPLOY_DIR)):
        # no gitops.yaml and no deploy/: nothing to render, compare or remember (what plan_delivery finds then,
        # without importing deploy/'s modules, #16); only kaptain-chart overlays get a notice
        if any(r.chart_mode() for r in run.overlays):
            from generator.pipeline.kommander_clusters import unrendered_values_notice

            run.notices.extend(unrendered_values_notice(run.overlays, None))
        return
    from generator.pipeline import deploy_cache
    from generator.pipeline import kommander_clusters as kc

    digest = deploy_cache.digest(opts, tree, tool)
    known = deploy_cache.lookup(opts, digest.key) if digest is not None else None
    facts: dict[str, bool] = {}
    if known is not None:
        run.delivery = OverlayReport("deploy")  # what a clean run reports: up to date, no changes, no problems
        if not known:  # no deploy/kommander: its notice depends on this run's overlays alone
            run.notices.extend(kc.unrendered_values_notice(run.overlays, run.delivery))
        return
    from generator.pipeline.deliver import blame_overlays, check_delivery, plan_delivery

    run.delivery = plan_delivery(opts, targets, patterns, run.overlays, tree, facts)
    run.notices.extend(kc.unrendered_values_notice(run.overlays, run.delivery))
    blame_overlays(run)
    if run.delivery:
        check_delivery(run, opts)
    clean = run.delivery is not None and run.delivery.status == "up-to-date" and not run.delivery.problems \
        and not run.delivery.changes
    recordable = clean and facts.get("cacheable") and ((digest is not None and digest.reads_settings)
                                                       or not facts.get("kommander"))
    # recorded only if no input changed while this run checked (a fresh scan and digest after the check)
    if digest is not None and recordable \
            and deploy_cache.digest(opts, discovery.scan(opts.root, is_temporary=transaction.is_temporary)) == digest:
        kommander = run.delivery is not None and any(f.path.startswith("kommander/") for f in run.delivery.files)
        deploy_cache.record_clean(opts, digest.key, kommander)
