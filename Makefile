# OV Workbench — `make run` starts the app, `make test` runs every test. Both set up what is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8501
OVWB_MAX_UPLOAD_MB ?= 2048
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test setup system-deps browser-deps clean-venv

$(STAMP): requirements.txt requirements-test.txt requirements-sample.txt
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (or run: make PYTHON=python3 ...)"; exit 1; }
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install -q --no-deps -r requirements-sample.txt
	$(VENV)/bin/opt_in_out --opt_out >/dev/null 2>&1 || true
	touch $(STAMP)

setup: $(STAMP) system-deps

# Graphviz lays out big graphs in ~1 s (the graph page falls back to pure Python without it).
system-deps:
	@command -v dot >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq graphviz; }

browser-deps:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

# serve.py = `streamlit run app.py` with the origin check narrowed to the app's own origin and,
# off loopback (e.g. HOST=0.0.0.0), an access token it prints in the URL (OVWB_TOKEN sets it).
run: setup
	$(PY) serve.py --server.address=$(HOST) --server.port=$(PORT) \
		--server.maxUploadSize=$(OVWB_MAX_UPLOAD_MB) --browser.gatherUsageStats=false

test: setup browser-deps
	$(PY) -m pytest

clean-venv:
	rm -rf $(VENV)
