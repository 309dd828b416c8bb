# Two commands matter (README quick start): `make demo` and `make test`.
# Both create the virtual environment on first use and reinstall when pyproject.toml changes.
# `make demo` installs only what the demo needs (the core and the `demo` extra: the web app with
# the registry and charts); `make test` and every other target install everything (`all`).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo demo-cli test lint typecheck unit bench clean system-tools

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[all]"
	touch $(STAMP)

$(DEMO_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[demo]"
	touch $(DEMO_STAMP)

# The web app on a SQLite file seeded with invented demo patients (prints the URL and the login).
DEMO_DB ?= $(CURDIR)/.demo/myoscope-demo.sqlite
demo: $(DEMO_STAMP)
	mkdir -p $(dir $(DEMO_DB))
	MYOSCOPE_DATABASE_URL="sqlite:///$(DEMO_DB)" $(BIN)/myoscope serve --demo examples --host 127.0.0.1 --port 8000

demo-cli: $(DEMO_STAMP)
	$(BIN)/myoscope assess examples/*.yaml

# Browser tests drive Debian's Chromium (never a downloaded browser); the report tests render PDF
# pages to PNG with poppler's pdftoppm. Both from Debian's packages, installed when missing.
system-tools:
	test -x /usr/bin/chromium && command -v pdftoppm >/dev/null || \
		(apt-get update -q && apt-get install -y -q chromium poppler-utils)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy src

# Registry tests run on SQLite and on the real PostgreSQL server (started if it is down).
unit: $(STAMP) system-tools
	MYOSCOPE_TEST_DATABASE_URL="$${MYOSCOPE_TEST_DATABASE_URL:-$$(scripts/test-services.sh)}" \
		$(BIN)/python -m pytest -q

test: lint typecheck unit

bench: $(STAMP)
	for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
