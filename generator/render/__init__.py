"""Rendering: the deterministic YAML emitter, overlay manifests, delivery objects (Argo CD, Flux)."""
