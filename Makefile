# mmwatch — the two set-up commands are `make demo` and `make test`; each
# creates the virtual environment and installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DBT_FILES := $(shell find dbt -type f \( -name '*.sql' -o -name '*.yml' -o -name '*.csv' \) -not -path 'dbt/target/*' 2>/dev/null)
MANIFEST := dbt/target/manifest.json
export MMWATCH_DATA_DIR ?= $(CURDIR)/data

.PHONY: install demo test test-fast dev bench clean manifest

install: $(STAMP) $(MANIFEST)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.11 not found: install Python 3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]" --config-settings editable_mode=compat
	@touch $(STAMP)

# The dbt manifest is prepared at build time, never parsed on import.
$(MANIFEST): $(STAMP) $(DBT_FILES)
	cd dbt && ../$(BIN)/dbt parse --quiet --project-dir . --profiles-dir .
	@touch $(MANIFEST)

manifest: $(MANIFEST)

demo: install
	$(BIN)/mmwatch demo

# the suite runs in TEST_WORKERS processes (one per core here), a test file per worker at a time
# (module fixtures build once); TEST_WORKERS=0 runs it in one process
TEST_WORKERS ?= 2

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

test-fast: install
	$(BIN)/pytest -m "not e2e"

dev: install
	mkdir -p $(MMWATCH_DATA_DIR)/dagster_home
	# the instance's dagster.yaml (warehouse pool: one run at a time), written when missing
	DAGSTER_HOME=$(MMWATCH_DATA_DIR)/dagster_home $(BIN)/python -c "from mmwatch.settings import DataDir; from pipelines.instance import ensure_instance; ensure_instance(DataDir.from_env('$(MMWATCH_DATA_DIR)').ensure())"
	DAGSTER_HOME=$(MMWATCH_DATA_DIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) dbt/target dbt/logs
