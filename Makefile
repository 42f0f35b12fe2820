# Two commands do all set-up: `make run` serves the portal, `make test` runs the suite.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 5000
PYTHON ?= python3
# pytest-xdist workers, each with its own PostgreSQL database (test_gw0...): one more than the cores,
# since many tests wait on real processes (worker, gunicorn, Chromium) rather than compute.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
export FLASK_APP := wsgi

.PHONY: run test lint pot translations compile-translations clean bench

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.test: $(VENV)/.runtime requirements-test.txt
	$(PY) -m pip install --quiet -r requirements-test.txt
	touch $@

compile-translations: $(VENV)/.runtime
	@if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
		$(VENV)/bin/pybabel -q compile -d translations; fi

run: $(VENV)/.runtime compile-translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo "Serving the ILEA Alumni Portal on http://127.0.0.1:$(PORT)/"
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.test compile-translations
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# ruff (lint, import order, banned APIs), mypy on the services modules, and the import graph (no cycle,
# nothing in forum/ importing moderation/).
lint: $(VENV)/.test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) -m tests.layout.graph --check

# Extract every marked string into $(POT) (the tests extract into a temporary file to spot stale catalogs).
POT ?= translations/messages.pot
pot: $(VENV)/.runtime
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k N_ -k Nn_:1,2 --ignore-dirs ".* __pycache__" --no-location --sort-output \
		--project "ILEA Alumni Portal" -o $(POT) .

# Extract every marked string and merge it into each language's catalog.
translations: pot
	@for lang in es fr th pt; do \
		if [ -f translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel -q update --no-fuzzy-matching -i translations/messages.pot -d translations -l $$lang; \
		else \
			$(VENV)/bin/pybabel -q init -i translations/messages.pot -d translations -l $$lang; fi; \
	done
	$(MAKE) compile-translations

# Benchmarks at scale (issue 9): seeds PostgreSQL (BENCH_SCALE, BENCH_DATABASE), loads the pages with
# wrk under gunicorn, writes bench/RESULTS.md. See bench/run.sh for the settings.
bench:
	bash bench/run.sh

clean:
	rm -rf $(VENV) .pytest_cache
