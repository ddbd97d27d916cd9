# OV Workbench — `make run` starts the app, `make test` runs every test. Both set up what is missing.
# Every install is held to constraints.txt (the whole dependency tree, pinned): two installs a month
# apart get the same packages. `make lock` regenerates it after a change to requirements*.txt.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install -q -c constraints.txt
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
HOST ?= 127.0.0.1
PORT ?= 8501
OVWB_MAX_UPLOAD_MB ?= 2048
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup test-setup system-deps browser-deps postgres-deps lock clean-venv

$(PY):
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (or run: make PYTHON=python3 ...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

# What running needs, and nothing else (TensorFlow, Paddle, Playwright and pytest are test-only).
$(RUN_STAMP): $(PY) requirements.txt requirements-sample.txt constraints.txt
	$(PY) -m pip install -q --upgrade "pip==$$(sed -n 's/^# pip==//p' constraints.txt)"
	$(PIP) -r requirements.txt
	$(PIP) --no-deps -r requirements-sample.txt
	$(VENV)/bin/opt_in_out --opt_out >/dev/null 2>&1 || true
	touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP) requirements-test.txt constraints.txt
	$(PIP) -r requirements-test.txt
	touch $(TEST_STAMP)

setup: $(RUN_STAMP) system-deps

test-setup: setup $(TEST_STAMP) browser-deps postgres-deps

# Graphviz lays out big graphs in ~1 s (the graph page falls back to pure Python without it).
system-deps:
	@command -v dot >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz; }

browser-deps:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# The store and job tests also run on a real PostgreSQL server that tests/postgres.py starts in a
# temporary folder (initdb + pg_ctl, on PATH or in /usr/lib/postgresql/*/bin): only the binaries are
# needed. Debian's package may also make and start a "main" cluster; the tests never use it.
postgres-deps:
	@command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; }

# pages/ui/server_guard.py = `streamlit run app.py` with the origin check narrowed to the app's own origin and,
# off loopback (e.g. HOST=0.0.0.0), an access token it prints in the URL (OVWB_TOKEN sets it).
run: setup
	$(PY) -m pages.ui.server_guard --server.address=$(HOST) --server.port=$(PORT) \
		--server.maxUploadSize=$(OVWB_MAX_UPLOAD_MB) --browser.gatherUsageStats=false

test: test-setup
	$(PY) -m pytest

# Resolve requirements*.txt afresh in a throw-away venv and pin every package it installed.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install -q --upgrade pip
	.lock-venv/bin/python -m pip install -q -r requirements.txt -r requirements-test.txt
	.lock-venv/bin/python -m pip install -q --no-deps -r requirements-sample.txt
	{ echo "# Every package of requirements*.txt and their dependencies, pinned. Made by \`make lock\`; do not edit."; \
	  echo "# pip==$$(.lock-venv/bin/python -m pip --version | cut -d' ' -f2)"; \
	  .lock-venv/bin/python -m pip freeze --all --exclude pip | LC_ALL=C sort -f; } > constraints.txt
	rm -rf .lock-venv

clean-venv:
	rm -rf $(VENV)
