"""kaptain-gitops: validate Kaptain's certificate-rotation settings and render Kustomize overlays."""

__version__ = "0.1.0"
