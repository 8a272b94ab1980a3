# One place for the commands the README and CI use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup serve test lint typecheck pytest validate reason dumps report bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

serve: setup
	$(BIN)/clip-kg serve

test: setup lint typecheck pytest

lint: setup
	$(BIN)/ruff check server tests
	$(BIN)/ruff format --check server tests

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

validate: setup
	$(BIN)/clip-kg validate

reason: setup
	$(BIN)/clip-kg reason

dumps: setup
	for f in ttl nt nq trig jsonld rdf; do $(BIN)/clip-kg dump --format $$f --out dumps || exit 1; done

bench: setup
	$(BIN)/clip-kg benchmark

report: setup
	$(BIN)/clip-kg report

clean:
	rm -rf $(VENV) dumps .pytest_cache .mypy_cache .ruff_cache
