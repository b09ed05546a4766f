# Xiuhao — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed

.PHONY: run test install system-packages assets messages migrate demo serve lint e2e test-fast bench

run: install migrate demo
	@bash scripts/serve.sh

test: install
	@bash scripts/system_packages.sh chromium
	@bash scripts/system_packages.sh gettext
	$(PY) -m pytest -q -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest -q -n 2 --dist loadfile -m "not e2e" $(PYTEST_ARGS)

install: $(STAMP) assets messages
	@bash scripts/system_packages.sh fonts

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e ".[dev]"
	@touch $(STAMP)

assets: xiuhao/static/vendor/.built

xiuhao/static/vendor/.built: package.json package-lock.json scripts/build_assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	node scripts/build_assets.mjs
	@touch $@

messages: $(STAMP)
	@$(PY) scripts/compile_messages.py

migrate: install
	$(PY) manage.py migrate --noinput
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput -v 0

demo: migrate
	$(PY) manage.py load_demo --if-empty

lint: install
	.venv/bin/ruff check .

e2e: install
	@bash scripts/system_packages.sh chromium
	$(PY) -m pytest -q -m e2e e2e
