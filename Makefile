# Bilge — two commands on a fresh machine:
#   make run    start Bilge with demo data on the embedded database (SQLite) at http://127.0.0.1:8000
#   make test   install what the tests need and run the whole suite (PostgreSQL when DATABASE_URL says so)

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON := $(shell scripts/find_python.sh)
export BILGE_DATA_DIR ?= $(CURDIR)/var
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test bench bench-assets vendor messages schema lint clean

$(BIN)/python:
	@test -n "$(PYTHON)" || (echo "Python >= 3.12 is needed" && exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@scripts/ensure_test_system.sh run
	@mkdir -p "$(BILGE_DATA_DIR)"
	$(BIN)/bilge migrate --noinput -v0
	$(BIN)/bilge demo --scale small --users
	@$(BIN)/bilge ensure_admin
	@echo "Starting the background worker and the web server at http://$(HOST):$(PORT)/ (Ctrl-C stops both)"
	@$(BIN)/bilge run_huey --quiet & worker=$$!; \
	  trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	  $(BIN)/bilge runserver $(HOST):$(PORT)

test: install-test
	@scripts/ensure_test_system.sh
	$(BIN)/pytest -n 2 --durations=15 $(PYTEST_ARGS)

bench: install-test
	$(BIN)/python bench/run.py

bench-assets: install-test
	$(BIN)/python bench/assets.py

vendor:
	cd assets && npm ci --no-audit --no-fund
	$(BIN)/python scripts/vendor_assets.py

# After changing user-visible text: extract, translate the new Turkish entries in
# bilge/locale/tr/LC_MESSAGES/django.po, then run `make messages` again until the check passes.
messages: install-test
	cd bilge && ../$(BIN)/bilge makemessages -l tr -l en --no-obsolete --no-location
	$(BIN)/python scripts/po_tools.py fill-en
	$(BIN)/python scripts/po_tools.py compile
	$(BIN)/python scripts/po_tools.py check

schema: install
	$(BIN)/bilge spectacular --lang en --file docs/openapi.yaml --validate

lint: install-test
	$(BIN)/ruff check bilge

clean:
	rm -rf $(VENV) var
