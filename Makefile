# piri-qual: every target creates and uses a local virtual environment (.venv), so each works
# on a fresh machine with only python3 (>= 3.11) and access to PyPI.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install demo test fuzz bench eval lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## demo: import the bundled example study (this folder) and run the main job on it
demo: $(STAMP)
	$(BIN)/piri-qual import transcripts/*.docx
	$(BIN)/piri-qual summary
	$(BIN)/piri-qual codebook
	$(BIN)/piri-qual suggest --coder demo --transcript P07
	$(BIN)/piri-qual suggestions --coder demo --transcript P07 --limit 5
	$(BIN)/piri-qual agreement --table examples/agreement/krippendorff_2011.csv --level nominal
	$(BIN)/piri-qual outcomes examples/outcomes/piri_outcomes.csv --spec examples/outcomes/outcomes.yaml --joint-display --coder gold
	$(BIN)/piri-qual export all --coder gold
	@echo "Exports are in $(CURDIR)/exports/"

## test: install, lint, check the layers (import-linter), type-check the package, run the tests
test: $(STAMP)
	$(BIN)/ruff check piri_qual tests benchmarks examples tools docs
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

## fuzz: the readers' property-based fuzzers with a long budget (make test runs 25 fixed examples
## each; this runs FUZZ_EXAMPLES random ones, about 5 minutes at 2,000). A failure prints the input.
FUZZ_EXAMPLES ?= 2000
fuzz: $(STAMP)
	PIRI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -p no:cacheprovider tests/test_fuzz_readers.py --hypothesis-show-statistics

## bench: performance targets, each a ratio against a floor measured in the same run, on generated
## studies of 100 and 1,000 interviews built once per run (benchmarks/run_all.py); fails when any
## target is missed. BENCH=export runs one script (several: BENCH="export codings").
BENCH ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py $(BENCH)

## eval: suggestion quality, the engine beside both textbook baselines measured in the same run, on
## the example study and each ../shared/eval development set (those are skipped when ../shared is
## absent); minutes, not part of `make test`
eval: $(STAMP)
	$(BIN)/python tools/eval_suggestions.py

lint: $(STAMP)
	$(BIN)/ruff check piri_qual tests benchmarks examples tools docs
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .piri-cache exports .pytest_cache .mypy_cache
