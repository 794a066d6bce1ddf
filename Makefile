# CSP analyst workbench — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HUB ?= data/restricted/hub.duckdb
PYTEST_ARGS ?=

.PHONY: run test lab bench demo serve browser-deps clean-demo help screenshots

help:
	@echo "make run    - install, build the demo hub, serve dashboards (:5006) and portal (:5007)"
	@echo "make test   - install and run the whole test suite (CI calls this)"
	@echo "make lab    - JupyterLab on notebooks/ against the demo hub"
	@echo "make bench  - benchmarks -> bench/results.json"
	@echo "make screenshots - refresh docs/screenshots/ from the demo hub (the only way they change)"

$(BIN)/python:
	$(PY) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

# Debian's Chromium drives the browser tests and renders PDFs (STACK.md: no `playwright install`).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "Installing Debian chromium (browser tests, PDF rendering)…"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null) \
	      || echo "!! could not install chromium; browser tests will be skipped"; \
	  else echo "!! /usr/bin/chromium missing and not root: install the 'chromium' package"; fi; \
	fi

$(HUB): $(VENV)/.installed
	$(BIN)/workbench demo build --hub $(HUB) --with-products

demo: $(HUB)

run: $(VENV)/.installed browser-deps demo
	$(BIN)/workbench serve all --hub $(HUB)

test: $(VENV)/.installed browser-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# lab/ holds the offline lab config: no news feed, no update check (lab/README.md)
# JupyterLab refuses to start as root unless told; containers and CI machines often are root
LAB_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(VENV)/.installed demo
	WORKBENCH_HUB=$(abspath $(HUB)) JUPYTER_CONFIG_PATH=$(abspath lab) $(BIN)/jupyter lab --no-browser --ip 127.0.0.1 $(LAB_ROOT) notebooks/

# docs/screenshots/ change only through this explicit command (tests write to test-artifacts/)
SHOT_PORT ?= 5016
screenshots: $(VENV)/.installed browser-deps demo
	@$(BIN)/workbench serve dashboards --hub $(HUB) --port $(SHOT_PORT) & pid=$$!; \
	  trap "kill $$pid" EXIT; \
	  $(BIN)/python -c "import sys, time, urllib.request as u; exec('for _ in range(180):\n try:\n  u.urlopen(sys.argv[1], timeout=2); break\n except OSError: time.sleep(1)')" \
	    http://127.0.0.1:$(SHOT_PORT)/login; \
	  $(BIN)/python -m dashboards.screenshots --url http://127.0.0.1:$(SHOT_PORT) --user analyst \
	    --password demo-analyst-pass --out docs/screenshots
	WORKBENCH_CONSOLE_SHOTS=docs/screenshots/console $(BIN)/python -m pytest -q -p no:cacheprovider -n 0 \
	  tests/test_portal_console_browser.py tests/test_portal_console_governance_browser.py

bench: $(VENV)/.installed
	$(BIN)/python -m bench.run

clean-demo:
	rm -f data/restricted/*.duckdb data/restricted/*.duckdb.wal data/restricted/*.key data/restricted/*.sqlite*
