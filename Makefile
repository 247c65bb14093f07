# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

# Development mode for both commands: DEBUG on, a fixed development secret key, local hosts.
export DJANGO_DEBUG ?= 1

.PHONY: run test install lint check check-deploy clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The project is an application, not a library: install its dependencies, not an editable copy.
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The test suite's Node packages (axe-core, which the browser tests run in Chromium), installed
# exactly as package-lock.json pins them. Only `make test` needs them, so only it needs npm.
NODE_STAMP := node_modules/.installed-stamp

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "The test suite needs Node.js and npm (for axe-core); install them (Debian/Ubuntu: apt-get install nodejs npm)." >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

.PHONY: install-test
install-test: install $(NODE_STAMP)

# The task worker (it sends the e-mail) runs beside the web server, is started again if it ever
# dies (bin/keep-running), and stops with the web server. Ctrl-C or a SIGTERM to the process group
# reaches the worker directly, so then the trap only tells keep-running to stop (TERM) and waits
# for the worker to finish the task in hand (a second signal would abort it); if runserver ends on
# its own, the trap has keep-running stop the worker (USR1).
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py send_attestation_reminders
	bin/keep-running $(BIN)/python manage.py task_worker --no-reload & worker=$$!; trap 'stopped=1; exit 130' INT; trap 'stopped=1; exit 143' TERM; trap 'if [ -n "$$stopped" ]; then kill -TERM $$worker; else kill -USR1 $$worker; fi 2>/dev/null; wait $$worker' EXIT; $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# The arrows between apps and inside usecases (contracts in pyproject.toml).
	$(BIN)/lint-imports
	@# A merge conflict left in any file (a stylesheet or template included) fails the lint.
	@! git grep -nE '^(<{7}|>{7})( |$$)|^={7}$$' -- . ':!*.min.js' || { echo "merge conflict markers left in the files above"; exit 1; }

# Django's system checks, and migrations in step with the models.
check: install
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run

# The production settings must pass Django's deployment checklist.
check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=registry.example.org DATABASE_URL=$${DATABASE_URL:-postgres://localhost/registry} \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache node_modules
