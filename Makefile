# Shopsite: everything from a fresh clone with two commands, `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test test-fast e2e bench bench-search lighthouse translations package runtime-check java chromium postgresql clean-data help

help:
	@echo "make run    - install what is missing, start DynamoDB Local and serve http://127.0.0.1:8000"
	@echo "make test   - install what is missing and run the whole test suite"
	@echo "make test-fast - the quick loop: unit and service tests (no browser, deploy or slow tests)"

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# Translations: the .po files are the source; Babel (a runtime requirement) compiles them.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(VENV)/.runtime
	$(VENV)/bin/pybabel compile --statistics -d locale -D django -l $*

translations: $(MO_FILES)

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
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless; }

# Browser tests drive Debian's Chromium; install it only when it is missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Chromium not found: installing Debian's chromium"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The benchmark's comparator serves the listing from Django's ORM on Debian's PostgreSQL
# (its server tools live outside PATH, so the check looks for pg_ctl where Debian puts it).
PG_CTL ?= $(firstword $(wildcard /usr/lib/postgresql/*/bin/pg_ctl))
postgresql:
	@[ -n "$(PG_CTL)" ] || { \
	  echo "PostgreSQL not found: installing Debian's postgresql"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; }

# Django's own session tests (SessionTestsMixin) run against our DynamoDB engine: Django's wheel ships no
# tests, so the test module comes from the sdist of the pinned version, fetched from PyPI like any package.
DJANGO_VERSION := $(shell sed -n 's/^Django==//p' requirements.txt)
DJANGO_SESSION_TESTS := .cache/django-$(DJANGO_VERSION)-sessions_tests.py
$(DJANGO_SESSION_TESTS): requirements.txt | $(VENV)/.runtime
	mkdir -p .cache/sdist
	$(PIP) download --quiet --disable-pip-version-check --no-deps --no-binary :all: Django==$(DJANGO_VERSION) -d .cache/sdist
	tar -xzOf .cache/sdist/django-$(DJANGO_VERSION).tar.gz django-$(DJANGO_VERSION)/tests/sessions_tests/tests.py > $@.tmp
	mv $@.tmp $@

run: $(VENV)/.runtime node_modules/.installed java $(MO_FILES)
	$(PY) manage.py runlocal

# Coverage is collected for the apps; the gate then fails the run if any services
# module is under 90 % (it prints nothing when all pass, so pytest's summary stays last).
test: $(VENV)/.dev node_modules/.installed java chromium $(DJANGO_SESSION_TESTS) $(MO_FILES)
	$(PY) -m pytest --cov=customers --cov=catalog --cov=accounts --cov=orders --cov=webhooks --cov-report=
	@$(PY) tests/coverage_gate.py

# The quick loop while you work: unit and service tests, without the browser, deploy and slow (rush, scale,
# Schemathesis, outage) ones. Not a substitute for `make test`, which CI runs.
test-fast: $(VENV)/.dev node_modules/.installed java $(MO_FILES)
	$(PY) -m pytest -m "not slow" --ignore=tests/e2e --ignore=tests/deploy

e2e: $(VENV)/.dev node_modules/.installed java chromium $(MO_FILES)
	$(PY) -m pytest tests/e2e

bench: $(VENV)/.dev node_modules/.installed java postgresql
	$(PY) bench/run.py

# Lighthouse 12.2.3 from npm (its own folder: not needed by the tests) with Debian's Chromium, on six pages,
# mobile and desktop; prints the four scores of each.
tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && npm ci --no-audit --no-fund --loglevel=error
	touch $@

lighthouse: $(VENV)/.dev node_modules/.installed tools/lighthouse/node_modules/.installed java chromium $(MO_FILES)
	$(PY) bench/lighthouse.py

# What a search results page reads at 200 and 10,000 products (a few minutes: most of it is loading 10,000).
bench-search: $(VENV)/.dev node_modules/.installed java
	$(PY) bench/search.py

clean-data:
	rm -rf .data

# The Lambda package for one stage (STAGE=dev by default): a virtual environment with
# requirements.txt only (plus Zappa itself, which packs it; its command-line
# dependencies are excluded from the zip), then bytecode for the runtime's Python.
STAGE ?= dev
PKG_VENV := .venv-package
ZAPPA_VERSION := 0.63.0
RUNTIME := $(shell $(PYTHON) -c "import json; print(json.load(open('zappa_settings.json'))['base']['runtime'])")

# Compiled wheels must load on Lambda's Amazon Linux 2 (glibc 2.26): pip on this
# machine picks manylinux_2_28 builds, so those are replaced by manylinux2014 ones.
LAMBDA_WHEELS := pillow
# The runtime is one setting, zappa_settings.json's base "runtime": the package is built by an interpreter of
# exactly that version (wheels and bytecode are per version), or not at all. For python3.13:
# set "runtime": "python3.13" and run `make package PYTHON=python3.13` where that interpreter exists.
runtime-check:
	@$(PYTHON) -c "import sys; want = '$(RUNTIME)'; have = f'python{sys.version_info.major}.{sys.version_info.minor}'; \
	  sys.exit(0 if have == want else f'$(PYTHON) is {have}, but zappa_settings.json says the Lambda runtime is {want}: '\
	  f'build with an interpreter of that version (make package PYTHON=...)')"

$(PKG_VENV)/.installed: requirements.txt | runtime-check
	rm -rf $(PKG_VENV)
	$(PYTHON) -m venv $(PKG_VENV)
	$(PKG_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt zappa==$(ZAPPA_VERSION)
	for name in $(LAMBDA_WHEELS); do \
	  spec=$$(grep -i "^$$name==" requirements.txt); \
	  $(PKG_VENV)/bin/pip uninstall --quiet --yes $$name && \
	  $(PKG_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	    --platform manylinux2014_x86_64 --python-version $(subst python,,$(RUNTIME)) --implementation cp \
	    --target $$($(PKG_VENV)/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") $$spec || exit 1; \
	done
	touch $@

package: runtime-check $(VENV)/.runtime $(PKG_VENV)/.installed $(MO_FILES)
	$(PY) manage.py build_static_manifest
	mkdir -p dist
	rm -f dist/shopsite-$(STAGE).zip
	cd $(CURDIR) && VIRTUAL_ENV=$(CURDIR)/$(PKG_VENV) PATH=$(CURDIR)/$(PKG_VENV)/bin:$$PATH \
	  AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1} $(PKG_VENV)/bin/zappa package $(STAGE) -o dist/shopsite-$(STAGE).zip
	$(PKG_VENV)/bin/python deploy/compile_bytecode.py dist/shopsite-$(STAGE).zip $(RUNTIME)
	@$(PY) -c "import os; print(f'Package dist/shopsite-$(STAGE).zip: {os.path.getsize(\"dist/shopsite-$(STAGE).zip\")/1048576:.1f} MB zipped (Lambda limit 50 MB)')"
