# Vigie: `make run` and `make test` do all set-up on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
UV      := $(BIN)/uv
# uv itself, pinned with its hashes (pip --require-hashes): the one unlocked step before.
BOOTSTRAP := tools/bootstrap-requirements.txt
APT_GET := $(shell command -v apt-get 2>/dev/null)
# Every Python file we own: linted, formatted and type-checked (mypy --strict).
PY_SRC  := intake_lambda/app.py vigie tests hooks bench tools setup.py

.PHONY: run test lint typecheck bench lock system-deps site clean bundle audit vendor

# Virtualenv with the exact locked versions, then Vigie itself (editable).
$(STAMP): requirements.lock pyproject.toml $(BOOTSTRAP)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r $(BOOTSTRAP)
	$(UV) pip install -q --python $(BIN)/python --require-hashes -r requirements.lock
	$(UV) pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

venv: $(STAMP)

# Debian packages the tests use for real: the age CLI, Chromium, poppler, and
# tesseract with the condensed font of the plate scenes (tests/support/scenes.py).
PLATE_FONT := /usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf
system-deps:
	@missing=""; \
	command -v age >/dev/null 2>&1 || missing="$$missing age"; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	command -v pdftoppm >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v tesseract >/dev/null 2>&1 || missing="$$missing tesseract-ocr"; \
	test -f $(PLATE_FONT) || missing="$$missing fonts-dejavu-extra"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

run: $(STAMP)
	$(BIN)/vigie serve --demo

site: $(STAMP)
	$(BIN)/vigie site build

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PY_SRC)

typecheck: $(STAMP)
	$(BIN)/mypy $(PY_SRC)

# axe-core for the accessibility tests (tests/js, locked, git-ignored node_modules).
AXE := tests/js/node_modules/axe-core/axe.min.js
$(AXE): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --silent
	touch $@

# The form's age bundle: locked esbuild + age-encryption (git-ignored node_modules).
# `make bundle` rebuilds site/assets/form/age.js; tests check it is byte-identical.
BUNDLE_DEPS := tools/bundle/node_modules/.package-lock.json
# Lighthouse for bench/site.py (bench only, locked, git-ignored node_modules).
LIGHTHOUSE := bench/js/node_modules/.bin/lighthouse
$(LIGHTHOUSE): bench/js/package.json bench/js/package-lock.json
	npm ci --prefix bench/js --ignore-scripts --no-audit --no-fund --silent
	touch $@

$(BUNDLE_DEPS): tools/bundle/package.json tools/bundle/package-lock.json
	npm ci --prefix tools/bundle --ignore-scripts --no-audit --no-fund --silent
	touch $@

bundle: system-deps
	tools/bundle/build.sh

# Lockfiles pinned and hashed; pip-audit and npm audit against audit-allowlist.toml
# (says NOT AUDITED when the vulnerability services are unreachable; add
# --require-online where the network allows it).
audit: $(STAMP) system-deps
	$(BIN)/python tools/audit.py

test: $(STAMP) system-deps $(AXE) $(BUNDLE_DEPS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check $(PY_SRC)
	$(BIN)/mypy $(PY_SRC)
	$(BIN)/python tools/audit.py
	$(BIN)/pytest -n 2 --dist loadgroup

bench: $(STAMP) system-deps $(AXE) $(BUNDLE_DEPS) $(LIGHTHOUSE)
	$(BIN)/python bench/report.py

# Re-resolve the lock from pyproject.toml (needs the package index).
# The Lambda's requirements.txt is then cut from the lock (same pins, same hashes).
lock:
	$(PY) -m pip install -q --require-hashes -r $(BOOTSTRAP)
	$(PY) -m uv pip compile --quiet --generate-hashes --extra dev --extra bench --python-version 3.11 \
	  -o requirements.lock pyproject.toml
	$(PY) tools/lambda_requirements.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

# The core, under its real name, where Chalice ships shared code (git-ignored).
vendor: $(STAMP)
	$(BIN)/python -m vigie.lambdapkg
