# Shopsite: everything from a fresh clone with two commands, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test e2e bench package java clean-data help

help:
	@echo "make run    - install what is missing, start DynamoDB Local and serve http://127.0.0.1:8000"
	@echo "make test   - install what is missing and run the whole test suite"

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Java runs DynamoDB Local; install Debian's headless JRE only when java is missing.
java:
	@command -v java >/dev/null 2>&1 || { \
	  echo "Java not found: installing default-jre-headless"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

run: $(VENV)/.runtime node_modules/.installed java
	$(PY) manage.py runlocal

test: $(VENV)/.dev node_modules/.installed java
	$(PY) -m pytest

clean-data:
	rm -rf .data
