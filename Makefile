# 招商项目管理系统: developer commands (see README, "Quick start").
#
#   make run     serve http://127.0.0.1:8000 with the web process, a Celery worker and Celery beat
#   make test    run the whole test suite (SQLite, or PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
#   make lint    ruff, missing migrations, Django's system checks
#   make reliability  load, faults and hostile input at full size (docs/reliability.md; about 35 minutes)
#   make assets  re-copy the front-end libraries (package.json) into static/vendor/
#
# Every target that needs Python first creates .venv with $(PYTHON) (3.11 or newer) and installs
# requirements-dev.txt into it; the install is repeated only when a requirements file changes.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
REQUIREMENTS := requirements.txt requirements-dev.txt

# make run: where the web process listens, and the management command that loads the demo data
# (`make run SEED=` skips it).
RUN_ADDR ?= 127.0.0.1:8000
SEED ?= seed_demo

# make bench: the data's scale (S: 20,000 projects; L: 200,000), generated into BENCH_DATABASE_URL
# (default postgres://postgres@127.0.0.1:5432/promotion_bench, promotion_bench_l for L) when missing.
SCALE ?= S

# make test: extra pytest arguments; e.g. `make test PYTEST_ARGS="-n 0 -k workdays"`.
PYTEST_ARGS ?= -n auto --dist worksteal
# Settings for the tests. SECRET_KEY and DEBUG are only defaults: values from the environment win.
# The tests keep their files (media, exports, the embedded broker's queue) in their own VAR_DIR, so a
# running `make run` never picks up a test's task and the tests never see the demo database.
TEST_SECRET_KEY := test-only-secret-key-not-for-production-6f1c2a9e0b7d4e35a8c1
TEST_VAR_DIR ?= $(CURDIR)/var/test
TEST_ENV = export SECRET_KEY="$${SECRET_KEY:-$(TEST_SECRET_KEY)}" DEBUG="$${DEBUG:-1}" VAR_DIR="$(TEST_VAR_DIR)";
# `check --deploy` is run as production would: DEBUG off, a strong key, real host names.
DEPLOY_SECRET_KEY := lint-only-deploy-check-3b9f0e7a51c84d2e9a6f0c1b7d3e5a8f2c4b6d8e
DEPLOY_ENV = env DEBUG=0 SECRET_KEY="$(DEPLOY_SECRET_KEY)" \
	ALLOWED_HOSTS=promotion.example.org SITE_URL=https://promotion.example.org VAR_DIR="$(TEST_VAR_DIR)"

.PHONY: help venv run test lint bench reliability clean assets

help: ## list the targets
	@echo "招商项目管理系统 — make targets:"
	@grep -E '^[a-z][a-z-]*:.*## ' $(firstword $(MAKEFILE_LIST)) \
		| sed -E 's/^([a-z-]+):.*## (.*)$$/  \1\t\2/' | expand -t 10
	@echo
	@echo "Variables: PYTHON=$(PYTHON) RUN_ADDR=$(RUN_ADDR) SEED=$(SEED) PYTEST_ARGS='$(PYTEST_ARGS)'"
	@echo "Environment: DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG, ALLOWED_HOSTS, EMAIL_URL, SITE_URL"

venv: $(STAMP) ## create .venv and install requirements-dev.txt (again only when requirements change)

# The interpreter: refuse anything older than 3.11, and say what to install when venv is missing.
$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "error: '$(PYTHON)' is missing or older than Python 3.11 (found: $$($(PYTHON) --version 2>&1))." >&2; \
		echo "       Install Python 3.11+ or run e.g. 'make $(MAKECMDGOALS) PYTHON=python3.12'." >&2; \
		exit 1; }
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
		echo "error: '$(PYTHON) -m venv' failed. On Debian/Ubuntu: apt-get install python3-venv" >&2; exit 1; }
	$(PY) -m pip install --disable-pip-version-check --quiet --upgrade pip

$(STAMP): $(REQUIREMENTS) | $(PY)
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(VENV) was made with Python older than 3.11; remove it (rm -rf $(VENV)) and retry." >&2; exit 1; }
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	@touch $@

run: $(STAMP) ## migrate, load the demo data and serve http://127.0.0.1:8000 (web, worker, beat)
	@export DEBUG="$${DEBUG:-1}" PATH="$(CURDIR)/$(BIN):$$PATH" RUN_ADDR="$(RUN_ADDR)"; \
	set -e; \
	python manage.py migrate --noinput; \
	python manage.py collectstatic --noinput --verbosity 0; \
	if [ -n "$(SEED)" ]; then python manage.py $(SEED); fi; \
	echo; \
	echo "  招商项目管理系统: http://$(RUN_ADDR)/   (admin: http://$(RUN_ADDR)/admin/)"; \
	echo "  Demo login: admin / jiading-demo   (also manager, officer, enterprise; same password)"; \
	echo "  Processes: web, Celery worker, Celery beat (Procfile). Ctrl-C stops them all."; \
	echo; \
	: "--env /dev/null: the settings read no .env file, so the processes must not either"; \
	exec honcho start --procfile Procfile --env /dev/null

test: $(STAMP) ## run the test suite (PYTEST_ARGS to add pytest options)
	@$(TEST_ENV) \
	rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit status 5); that counts as a failure." >&2; fi; \
	exit $$rc

lint: $(STAMP) ## ruff, missing migrations, `manage.py check` and `check --deploy` (all run; fails if any fails)
	@$(TEST_ENV) failed=""; \
	step() { echo "+ $$*"; "$$@" || failed="$$failed\n  - $$*"; }; \
	step $(BIN)/ruff check .; \
	step $(PY) manage.py makemigrations --check --dry-run; \
	step $(PY) manage.py check; \
	step $(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING; \
	if [ -n "$$failed" ]; then printf "make lint: failed:%b\n" "$$failed" >&2; exit 1; fi; \
	echo "make lint: all checks passed"

bench: $(STAMP) ## benchmarks on PostgreSQL, each figure beside its limit (SCALE=S or L; BENCH_DATABASE_URL)
	@$(PY) -m bench.run --scale $(SCALE)

reliability: $(STAMP) ## load (50 users, 5 min), faults and hostile input at full size (RELIABILITY_DATABASE_URL)
	@$(TEST_ENV) $(PY) -m reliability.run

assets: ## re-copy the front-end libraries (package.json) from the npm registry into static/vendor/
	npm ci --no-audit --no-fund
	@set -e; d=static/vendor; rm -rf $$d; mkdir -p $$d/bootstrap $$d/htmx $$d/echarts; \
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js \
		node_modules/bootstrap/LICENSE $$d/bootstrap/; \
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/htmx.org/LICENSE $$d/htmx/; \
	cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE $$d/echarts/; \
	: "the source maps are not shipped: drop their references, or collectstatic looks for them"; \
	sed -i '/sourceMappingURL=/d' $$d/*/*.js $$d/*/*.css; \
	echo "static/vendor/: $$(node -p 'Object.entries(require("./package.json").dependencies).map(e=>e.join(" ")).join(", ")')"

clean: ## remove test artifacts, collected static files and caches (keeps .venv and var/db.sqlite3)
	rm -rf var/test var/staticfiles test-artifacts .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
