PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint check serve messages clean

$(VENV)/.installed: requirements/dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.txt
	touch $@

# Recompiles the pinned requirements from pyproject.toml with pip-tools: requirements/runtime.txt
# ([project].dependencies; the Docker image installs it) and requirements/dev.txt (runtime + the dev
# extra, constrained to runtime.txt so the versions agree). Current pins are kept unless asked:
# make lock LOCK_ARGS=--upgrade, or LOCK_ARGS="--upgrade-package NAME".
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
.PHONY: lock
lock: $(VENV)/.installed
	$(PIP_COMPILE) $(LOCK_ARGS) --output-file=requirements/runtime.txt pyproject.toml
	$(PIP_COMPILE) $(LOCK_ARGS) --extra=dev --constraint=requirements/runtime.txt --output-file=requirements/dev.txt pyproject.toml

# A local .env with a random SECRET_KEY, served over plain http (no HTTPS redirect, HSTS or
# secure-only cookies); never overwritten.
.env:
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$$key|" -e "s|^SECURE_COOKIES=.*|SECURE_COOKIES=false|" \
	  -e "s|^SECURE_SSL_REDIRECT=.*|SECURE_SSL_REDIRECT=false|" -e "s|^SECURE_HSTS_SECONDS=.*|SECURE_HSTS_SECONDS=0|" \
	  .env.example > .env
	@echo "wrote .env"

demo: $(VENV)/.installed .env
	$(PY) manage.py createcachetable
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Reform Dashboard: http://$(HOST):$(PORT)/  (log in as shown above; Ctrl-C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Bytecode on, whatever the shell says: otherwise pytest rewrites and recompiles every test module
# and plugin on each run (about 10 s of CPU). Two processes (pytest-xdist), one per core here, each
# with its own test database; TEST_WORKERS=0 runs in one process, TEST_ARGS adds pytest options.
TEST_WORKERS ?= 2
test: $(VENV)/.installed .env
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(TEST_WORKERS) $(TEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(VENV)/.installed .env
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Japanese translations: one catalogue, locale/ja/LC_MESSAGES/django.po, kept by Django's
# makemessages (new strings of the code and templates are added with an empty msgstr, references
# as file names) and compiled to django.mo; both are committed. Needs GNU gettext.
MESSAGES_IGNORE := .venv staticfiles media static/vendor node_modules bench tests
MAKEMESSAGES_ARGS := -l ja --add-location=file $(addprefix --ignore=,$(MESSAGES_IGNORE))
.PHONY: check-messages
messages: $(VENV)/.installed .env
	$(PY) manage.py makemessages $(MAKEMESSAGES_ARGS)
	msgfmt --check -o locale/ja/LC_MESSAGES/django.mo locale/ja/LC_MESSAGES/django.po

# Fails (naming the msgids) if a string has no Japanese, an entry is fuzzy or obsolete, or
# django.po/.mo are not what `make messages` writes (references and order aside). Changes no file.
check-messages: $(VENV)/.installed
	PY=$(PY) scripts/check_messages.sh $(MAKEMESSAGES_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# The production stack (docker-compose.yml) started for real with Podman and checked, then removed:
# stack/test.sh (README "Production stack"). Needs root, podman, podman-compose, runc, debootstrap.
.PHONY: stack-test
stack-test:
	stack/test.sh
