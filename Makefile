# Everything runs from the project's own virtualenv; nothing needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The demo office is read as of this moment (its history ends the day before), so the demo shows the
# same deadlines on any date. Keep in step with DEMO_NOW in scripts/demo/__init__.py.
DEMO_NOW := 2026-11-23T09:00:00+08:00

.PHONY: demo test lint schemas bench bench-quick bench-venv demo-data clean

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

## bench: the scale issue's table (timing claims live here, never in unit tests); offices are cached
## in .bench-offices/. Knobs: BENCH_SIZES, BENCH_REPEAT, BENCH_TIMEOUT (s per command), BENCH_ROWS
## (comma-separated subset), BENCH_ARGS (anything else scripts/bench.py takes, e.g. --json out.json --md out.md)
BENCH_SIZES ?= 10000 100000
BENCH_REPEAT ?= 3
BENCH_TIMEOUT ?= 600
BENCH_ROWS ?=
BENCH_ARGS ?=
BENCH_VENV := .venv-bench
BENCH_FLAGS = --repeat $(BENCH_REPEAT) --timeout $(BENCH_TIMEOUT) $(if $(BENCH_ROWS),--rows $(BENCH_ROWS)) $(BENCH_ARGS)
bench: $(STAMP) bench-venv
	$(BIN)/python scripts/bench.py --sizes $(BENCH_SIZES) $(BENCH_FLAGS)

## bench-quick: the same at 2,000 records, for development
bench-quick: $(STAMP) bench-venv
	$(BIN)/python scripts/bench.py --sizes 2000 $(BENCH_FLAGS)

# The peers (check-jsonschema, beancount) in their own virtualenv, never the project's dependencies.
# A failed install is not fatal: the bench prints "peer unavailable" for it.
bench-venv: $(BENCH_VENV)/.installed-stamp
$(BENCH_VENV)/.installed-stamp:
	@$(PYTHON) -m venv $(BENCH_VENV) && \
	  for peer in check-jsonschema beancount; do \
	    $(BENCH_VENV)/bin/python -m pip install --quiet $$peer || echo "bench: $$peer not installed: peer unavailable"; \
	  done; touch $@

clean:
	rm -rf $(VENV) $(BENCH_VENV) .pytest_cache .mypy_cache .ruff_cache
