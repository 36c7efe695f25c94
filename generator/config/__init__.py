"""Configuration in: untrusted YAML with positions, the config-file schema engine, settings.yaml."""
