# Everything runs from the project's own virtualenv; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The demo office is read as of this moment (its history ends the day before), so the demo shows the
# same deadlines on any date. Keep in step with DEMO_NOW in scripts/demo/__init__.py.
DEMO_NOW := 2026-11-23T09:00:00+08:00

.PHONY: demo test lint schemas bench demo-data clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## demo: set up, validate the demo office in records/ and show its status
demo: $(STAMP)
	$(BIN)/csops --root . --now $(DEMO_NOW) validate
	$(BIN)/csops --root . --now $(DEMO_NOW) status

## test: set up and run the whole test suite
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

## lint: ruff and mypy
lint: $(STAMP)
	$(BIN)/ruff check csops tests scripts
	$(BIN)/mypy csops

## schemas: regenerate JSON Schema for every record kind into schemas/
schemas: $(STAMP)
	$(BIN)/csops schemas --out schemas

## demo-data: regenerate the demo records by driving the real commands
demo-data: $(STAMP)
	$(BIN)/python scripts/make_demo.py

## bench: timing claims live here, never in unit tests
bench: $(STAMP)
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
