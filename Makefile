PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test lint check serve messages clean

$(VENV)/.installed: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

# A local .env with a random SECRET_KEY; never overwritten.
.env:
	@key=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))'); \
	sed "s|^SECRET_KEY=.*|SECRET_KEY=$$key|" .env.example > .env
	@echo "wrote .env"

demo: $(VENV)/.installed .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo ""
	@echo "Reform Dashboard: http://$(HOST):$(PORT)/  (log in as shown above; Ctrl-C stops)"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed .env
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: $(VENV)/.installed .env
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Japanese translations live in fragments (locale/ja/parts/*.po, one per area);
# this merges them and compiles the catalogue that the app reads (committed).
messages:
	msgcat --use-first --sort-output locale/ja/parts/*.po -o locale/ja/LC_MESSAGES/django.po
	msgfmt --check-format -o locale/ja/LC_MESSAGES/django.mo locale/ja/LC_MESSAGES/django.po

# Lists interface strings that have no Japanese translation yet.
untranslated: $(VENV)/.installed
	$(PY) scripts/untranslated.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
