"""``check`` with kubeconform on PATH: every built overlay validated by it too (strict, offline schemas).

Its findings join the overlay's problems in the same format, placed at the user file and line that
introduced the key (the same provenance as the built-in checks); without kubeconform, one notice says so.
"""

from __future__ import annotations

from generator.errors import GeneratorError
from generator.pipeline.records import Options, OverlayReport, RunReport
from generator.problems import Problem
from generator.write import discovery


def run_kubeconform_on(run: RunReport, opts: Options) -> None:
    from generator.validate.kubeconform_path import NOT_ON_PATH, find_kubeconform

    binary = find_kubeconform()
    if binary is None:
        run.notices.append(NOT_ON_PATH)
        return
    from generator.pipeline.built import load_provenance  # with kubeconform only: provenance reads YAML
    from generator.render.overlay import KUSTOMIZATION
    from generator.validate import kubeconform, kustomize, provenance

    checked = 0
    for r in run.overlays:
        if r.status == "failed" or not r.files or r.settings is None:
            continue
        overlay = discovery.Overlay(opts.root / r.overlay, r.overlay)
        in_process = None if opts.kustomize == "kubectl" else kustomize.in_process_stream_or_none(overlay.path, r.files)
        if in_process is not None:  # generated-only, or user files inside the patch engine's proven subset
            stream = in_process
        elif kustomize.is_generated_only(r.files):
            stream = kustomize.in_process_stream(r.files, kustomize.manual_jobs(overlay))
        else:
            try:
                # check just built it: with the build cache this reads the same output instead of a 2nd kubectl run
                cache = opts.root / discovery.STATE_DIR / "cache" / "kustomize" if opts.cache else None
                stream = kustomize.build_kubectl_cached(overlay.path, None, cache)
            except GeneratorError:
                continue  # the kustomize failure is already reported by check
        if not stream.strip():  # a kaptain-chart overlay renders no objects: nothing for kubeconform to read
            continue
        version = opts.kubernetes_version or r.settings.kubernetes_version
        try:
            results = kubeconform.run_kubeconform(binary, stream, opts.schema_root / "kubernetes", version,
                                                  opts.crd_location,
                                                  skip=opts.skip | frozenset(r.settings.skip_kinds))
        except GeneratorError as err:
            r.problems.append(Problem.from_error(err, r.overlay))
            r.status = "failed"
            continue
        checked += 1
        bad = [res for res in results if res.status in ("invalid", "error")]
        if not bad:
            continue
        docs = kustomize.parse_stream(stream)
        prov = load_provenance(overlay, r.files)
        fallback = (f"{r.overlay}/{KUSTOMIZATION}", 1, 1)
        for res in bad:
            doc = next((d for d in docs if d.get("kind") == res.kind
                        and (d.get("metadata") or {}).get("name") == res.name), None)
            for e in res.validation_errors or [None]:
                where = fallback
                if doc is not None and e is not None:
                    where = prov.locate(doc, provenance.parse_path(e.path)) or fallback
                detail = f"{e.path}: {e.message}" if e is not None else res.message
                r.problems.append(Problem(*where, "error", "kubeconform", f"{res.kind}/{res.name}: {detail}"))
            r.status = "failed"
    if run.delivery is not None and run.delivery.status != "failed" and run.delivery.files:
        _kubeconform_deploy(run.delivery, binary, opts)
        run.notices.append(f"kubeconform -strict checked {checked} overlays and deploy/")
        return
    run.notices.append(f"kubeconform -strict checked {checked} overlays")


def _kubeconform_deploy(r: OverlayReport, binary: str, opts: Options) -> None:
    """deploy/'s Argo CD and Flux objects through kubeconform, with the shipped (and the user's) CRD schemas."""
    from generator.render.delivery import PLUGIN_FILE
    from generator.render.kommander import KUSTOMIZATION_FILE
    from generator.validate import kubeconform
    from generator.validate.manifest_schemas import DEFAULT_KUBERNETES_VERSION

    not_objects = (PLUGIN_FILE, KUSTOMIZATION_FILE)  # the CMP plugin file and a kustomization: no API objects
    stream = "".join(f"---\n{f.text}" for f in r.files if f"deploy/{f.path}" not in not_objects)
    try:
        results = kubeconform.run_kubeconform(binary, stream, opts.schema_root / "kubernetes",
                                              opts.kubernetes_version or DEFAULT_KUBERNETES_VERSION,
                                              opts.crd_location, skip=opts.skip)
    except GeneratorError as err:
        r.problems.append(Problem.from_error(err, "deploy"))
        r.status = "failed"
        return
    for res in results:
        if res.status in ("invalid", "error"):
            details = "; ".join(f"{e.path}: {e.message}" for e in res.validation_errors) or res.message
            r.problems.append(Problem("deploy", 1, 1, "error", "kubeconform", f"{res.kind}/{res.name}: {details}"))
            r.status = "failed"
