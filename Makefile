# atiende: two commands for a newcomer (make run, make test); the rest for developers.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV ?= .venv
PY := $(VENV)/bin/python
# The interpreter: scripts/make-venv.sh picks one >= 3.12 (pyenv's from .python-version first).
BASE_PYTHON ?=
PG_URL ?= postgres://postgres@127.0.0.1:5432/atiende
REDIS_TEST_URL ?= redis://127.0.0.1:6379/0
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve install assets system-packages migrate demo test test-sqlite test-postgres lint bench eval train messages clean worker

$(VENV)/.installed: pyproject.toml constraints.txt
	@bash scripts/make-venv.sh "$(VENV)" "$(BASE_PYTHON)"
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(VENV)/.installed assets

# Front-end dependencies come from the npm registry through package.json; nothing is copied in by hand.
assets: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Debian packages the tests drive for real (Chromium, Dovecot): scripts/system-packages.sh.
system-packages:
	@bash scripts/system-packages.sh

migrate: install
	$(PY) -m atiende migrate --noinput
	$(PY) -m atiende collectstatic --noinput --verbosity 0

# Links printed by the demo and sent to customers point at where `make run` serves (HOST=, PORT=),
# unless ATIENDE_SITE_URL says otherwise.
demo run: export ATIENDE_SITE_URL ?= http://$(HOST):$(PORT)

demo: migrate
	$(PY) -m atiende load_demo

run: demo
	$(PY) -m atiende serve --host $(HOST) --port $(PORT)

worker: install
	$(PY) -m atiende worker

lint: install
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy src tests bench

test: lint system-packages test-sqlite test-postgres

test-sqlite: install system-packages
	@echo "== tests on SQLite, in-process channel layer =="
	env -u DATABASE_URL -u REDIS_URL $(VENV)/bin/pytest -q -n 2 --dist loadgroup --durations=15

test-postgres: install system-packages
	@bash scripts/check-services.sh "$(PG_URL)" "$(REDIS_TEST_URL)"; rc=$$?; \
	if [ $$rc = 3 ]; then exit 0; elif [ $$rc != 0 ]; then exit $$rc; fi; \
	echo "== tests on PostgreSQL + Redis (scale-out mode) =="; \
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) $(VENV)/bin/pytest -q -n 2 --dist loadgroup --durations=15

bench: install
	$(PY) bench/run_all.py

# The answer bot's and triage's measurements on labelled support data (BANKING77 by default);
# DATA=<folder> with train.csv and test.csv (a text and a category column) runs the same on other data.
DATA ?= ../shared/data/banking77
eval: install
	$(PY) -m atiende evaluate_assistant --data "$(DATA)"

# Retrain triage's intent classifier from the labelled conversations in the database.
train: install
	$(PY) -m atiende train_triage

messages: install
	cd src/atiende && ../../$(PY) -m atiende makemessages -l es --no-obsolete --add-location file && ../../$(PY) -m atiende compilemessages

clean:
	rm -rf $(VENV) node_modules var .mypy_cache .ruff_cache
