# The two promises of the README: `make run` and `make test` on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check-deploy bench clean messages

$(BIN)/python:
	@echo "Creating the virtual environment in $(VENV)..."
	@$(PYTHON) -m venv $(VENV)

# A development machine runs with DEBUG on, also for a bare `manage.py`; the file is
# not tracked, so a production checkout never has it.
.env:
	@printf 'DEBUG=on\n' > .env
	@echo "Wrote .env (DEBUG=on) for development."

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	@echo "Installing the Python packages (a few minutes the first time)..."
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $@
	@echo "Installed."

# The translations (locale/<language>/LC_MESSAGES/django.po), compiled to what
# Django reads whenever a .po is newer than its .mo: in pure Python, so that no
# GNU gettext is needed to run or test.
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

$(CATALOGUES): %.mo: %.po | $(VENV)/.installed
	DEBUG=on $(BIN)/python manage.py compile_catalogues

## messages: after changing strings in the code or templates, refresh the
## catalogues (needs GNU gettext: apt-get install gettext), compile them and list
## the entries left to translate
messages: $(VENV)/.installed .env
	DEBUG=on $(BIN)/python manage.py refresh_catalogues

## run: set up, migrate, load the demo coalition, print the logins, serve on :8000
## with the background work: a Celery worker and beat when Redis answers
## (REDIS_URL, or 127.0.0.1:6379), else the periodic tasks in-process; Ctrl-C
## stops it all
run: $(VENV)/.installed .env $(CATALOGUES)
	@echo "Migrating the database..."
	@DEBUG=on $(BIN)/python manage.py migrate --noinput -v 0
	@echo "Loading the demo coalition (its history since 2024, then today's work)..."
	@DEBUG=on $(BIN)/python manage.py seed_demo
	@DEBUG=on $(BIN)/python manage.py run_demo --host $(HOST) --port $(PORT)

## test: set up and run the whole suite (SQLite unless DATABASE_URL is set), in
## parallel: one pytest worker per core (TEST_WORKERS=0 runs in one process); a part
## of it with PYTEST_ARGS, e.g. make test PYTEST_ARGS=tests/procurement.
## Tests that share Chromium or Redis run as one group each; --no-loadscope-reorder
## keeps pytest-django's order (transactional tests, which empty the tables that
## migrations fill, last) instead of sending the biggest groups first.
TEST_WORKERS ?= auto
test: $(VENV)/.installed .env $(CATALOGUES)
	DEBUG=on $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder $(PYTEST_ARGS)

## bench: seed (or reuse) the scale database, serve it under gunicorn with production
## settings, measure (and load-test with Locust; BENCH_LOAD=off skips it), print the
## table and write BENCHMARKS.md (PostgreSQL, Redis)
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) db.sqlite3* test-db.sqlite3* media staticfiles
