# The newcomer's two commands: `make run` and `make test`. Both install what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint install browser

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch from the local wheel store; a bare "torch" would pull a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

run: install
	$(BIN)/python manage.py serve_local

# Browser tests drive Debian's Chromium through Playwright (no browser download); the accessibility
# tests inject axe-core from the npm package pinned in package-lock.json.
browser:
	@command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }
	@test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund

# The suite in TEST_PROCESSES parallel processes (pytest-xdist; each has its own test database and
# Redis database); the configuration matrix's cells and the drills spread over them too.
TEST_PROCESSES ?= 2
test: install browser
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --durations=25

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
