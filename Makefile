# Two commands for a new user: `make run` and `make test`. Both create .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Reinstall when the dependencies change.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test lint messages bench install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## make run: install, migrate, load the demo data once, serve web + worker + beat.
run: $(STAMP)
	$(BIN)/python manage.py compile_catalogs
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py seed_demo_scholarships
	$(BIN)/python manage.py seed_demo_reintegration
	$(BIN)/python bin/serve.py --port $(PORT)

# axe-core for the browser tests' accessibility check (tests/axe.py), from npm
# at the version package-lock.json pins; installed again only when missing or
# when the pins change.
AXE := node_modules/axe-core/axe.min.js
# Without npm the suite still runs: outside CI the browser tests then skip,
# in CI (CI=true) they fail (tests/axe.py).
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm not found: browser tests need axe-core (apt-get install npm)"; fi

## make test: the whole suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set),
## on one pytest-xdist worker per CPU, at most 4 (each has its own test database,
## test_<name>_gw0, ..., and its own Chromium). The suite is bound by the CPU: on
## the 2-core CI machine 2 workers beat 3. `make test PYTEST_ARGS="-n 0"` runs it
## in one process (the -n given last wins), as does a bare `pytest`.
TEST_WORKERS ?= auto --maxprocesses 4
test: $(STAMP) $(AXE)
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py compile_catalogs
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

## make lint: style, migrations in step with the models, the import contracts
## of CONVENTIONS.md (pyproject.toml [tool.importlinter]) and the types of the
## services, selectors, access and workflow modules (mypy, [tool.mypy]).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/lint-imports
	$(BIN)/mypy

## make messages: collect new strings into the fr and nl catalogs (needs GNU gettext).
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr -l nl --no-obsolete --add-location file --ignore ".venv/*" --ignore "var/*"
	$(BIN)/python manage.py compile_catalogs

## make bench: the staff pages at 100,000 applications on PostgreSQL (never part of make test).
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var node_modules
