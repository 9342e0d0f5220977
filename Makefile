# The two commands of Red Heart: `make run` (start the service) and `make test` (run the test suite).
# Both create and reuse .venv and install from this project's own files (pyproject.toml + constraints.txt).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test

run: $(VENV)/.installed-run
	$(BIN)/redheart serve

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "Red Heart needs Python >= 3.11: '$(PYTHON)' was not found (set PYTHON=...)." >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Red Heart needs Python >= 3.11; '$(PYTHON)' is $$($(PYTHON) --version 2>&1) (set PYTHON=...)." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@ $(VENV)/.installed-run
