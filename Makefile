# Every target bootstraps .venv from the repo's own pyproject.toml on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: render check test lint bench goldens schemas settings-schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

render: $(STAMP)  ## render every overlay under overlays/, then check them
	$(BIN)/kaptain-gitops render
	$(BIN)/kaptain-gitops check

check: $(STAMP)  ## the CI gate on the repo's overlays
	$(BIN)/kaptain-gitops check

test: $(STAMP) lint  ## lint, then the whole test-suite
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check generator tests bench scripts
	$(BIN)/mypy

bench: $(STAMP)  ## fleet benchmark; writes bench/RESULTS.md
	$(BIN)/python -m bench

goldens: $(STAMP)  ## regenerate golden files after an intended output change (review the diff!)
	$(BIN)/python -m tests.update_goldens

schemas: $(STAMP)  ## re-extract schemas/kubernetes from kubernetes-validate (installs the `schemas` extra)
	$(BIN)/python -m pip install --quiet -e '.[dev,schemas]'
	$(BIN)/python scripts/extract_schemas.py

settings-schema: $(STAMP)  ## after editing schemas/settings.schema.json: rewrite generator/config/settings_schema_data.py
	$(BIN)/python scripts/settings_schema_module.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
