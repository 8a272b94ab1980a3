# One place for the commands the README and CI use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: setup serve test lint typecheck pytest validate reason dumps report bench clean

setup: $(STAMP) node_modules/.package-lock.json

# The site's front-end libraries (query editor, map boundaries, accessibility checker) come
# from the npm registry, pinned by package-lock.json. Without npm the site still runs, with
# a plain query form and maps without boundaries, and says how to get the rest.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the site runs without the query editor and map boundaries (install Node.js and npm, then make setup)"; fi

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
