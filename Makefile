# Set-up and the two entry points: `make run` (policy comparison on the default scenario)
# and `make test` (the whole suite). Both find a Python >= 3.12 themselves, build .venv from
# it, and install the package into it; pip reinstalls only when pyproject.toml changes.
VENV := .venv
PY := $(VENV)/bin/python

# First interpreter >= 3.12 among python3.13, python3.12, python3, then pyenv's builds.
# A pyenv shim for a version that is not selected fails the version check and is skipped.
BASE_PYTHON := $(shell for p in python3.13 python3.12 python3 $$(pyenv root 2>/dev/null)/versions/3.1[2-9]*/bin/python3; do \
	if command -v "$$p" >/dev/null 2>&1 && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo "$$p"; break; fi; done)

.PHONY: run test bench clean

$(VENV)/.created:
	@test -n "$(BASE_PYTHON)" || { echo "make: no Python >= 3.12 found (tried python3.13, python3.12, python3, pyenv versions)"; exit 2; }
	$(BASE_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed-run: pyproject.toml $(VENV)/.created
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.created
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed-run
	$(PY) run.py

test: $(VENV)/.installed-test
	$(PY) -m pytest

bench: $(VENV)/.installed-run
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) results .pytest_cache
