# ler-node: `make demo` and `make test` set everything up on a fresh machine, then do their job.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
NPM_DIR := ledger_config
PY_STAMP := $(VENV)/.installed
NPM_STAMP := $(NPM_DIR)/node_modules/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: deps demo test test-fast lint contracts bench clean browser screenshots

deps: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.13 (pyenv install 3.13.0)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

$(NPM_STAMP): $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	npm ci --prefix $(NPM_DIR) --no-audit --no-fund
	@touch $@

demo: deps
	$(BIN)/ler-node demo

# three workers (TEST_WORKERS), each with its own session network (tests/conftest.py), each given
# whole test modules (so a module's fixtures are made once); on two cores the third fills the time
# the others wait on agents and timeouts (notes on issue #9: 222 s against 235 s with two)
TEST_WORKERS ?= 3

test: deps $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# the unit layer: no anvil, no agents (markers: tests/conftest.py), in under a minute; anvil is
# hidden, so a test that starts one without its marker fails here
test-fast: deps
	LER_ANVIL=/nonexistent/anvil-hidden-by-test-fast $(BIN)/pytest -m "not ledger and not e2e"

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

contracts: $(NPM_STAMP)
	node $(NPM_DIR)/compile.mjs

# Debian's chromium, driven by Playwright in the browser tests (tests/web); installed once
browser: $(CHROMIUM)

$(CHROMIUM):
	@echo "installing Debian's chromium for the browser tests"
	@if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	else sudo apt-get update -qq && sudo apt-get install -y -qq chromium; fi

# phone (390x844) and desktop pictures of every web page, in screenshots/ (not committed)
screenshots: deps $(CHROMIUM)
	LER_SCREENSHOTS=$(CURDIR)/screenshots $(BIN)/pytest -q -p no:cacheprovider tests/web/test_every_page.py
	@echo "screenshots written to screenshots/"

bench: deps
	$(BIN)/python -m bench.ledger

clean:
	rm -rf $(VENV) $(NPM_DIR)/node_modules .ler .pytest_cache
