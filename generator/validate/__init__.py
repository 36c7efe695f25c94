"""Validation of rendered and built manifests: schemas, API-server rules, kustomize builds, kubeconform."""
