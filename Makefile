# The two promises of the README: `make run` and `make test` on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check-deploy bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A development machine runs with DEBUG on, also for a bare `manage.py`; the file is
# not tracked, so a production checkout never has it.
.env:
	@printf 'DEBUG=on\n' > .env
	@echo "Wrote .env (DEBUG=on) for development."

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

## run: set up, migrate, load the demo coalition, print the logins, serve on :8000
run: $(VENV)/.installed .env
	DEBUG=on $(BIN)/python manage.py migrate --noinput
	DEBUG=on $(BIN)/python manage.py seed_demo
	@DEBUG=on $(BIN)/python manage.py demo_logins --url http://$(HOST):$(PORT)/
	DEBUG=on $(BIN)/python manage.py runserver $(HOST):$(PORT)

## test: set up and run the whole suite (SQLite unless DATABASE_URL is set), in
## parallel: one pytest worker per core (TEST_WORKERS=0 runs in one process); a part
## of it with PYTEST_ARGS, e.g. make test PYTEST_ARGS=tests/procurement
TEST_WORKERS ?= auto
test: $(VENV)/.installed .env
	DEBUG=on $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## bench: seed (or reuse) the scale database, serve it under gunicorn with production
## settings, measure, print the table and write BENCHMARKS.md (PostgreSQL, Redis)
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
