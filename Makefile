# Two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck run serve clean-data help wheelhouse compile

help:
	@echo "make demo   - run the whole pipeline once, offline, on recorded sources"
	@echo "make test   - lint, then run the test suite"
	@echo "make run    - run the pipeline once against the live sources"
	@echo "make serve  - keep every deployment of prefect.yaml running (starts a Prefect server)"
	@echo "make compile - compile the classifier with mypyc (demo, test, run and serve do it first)"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# The classifier's hot modules compiled by mypyc (same matches, less time); rebuilt when one
# changes. Without a C compiler the sources run, slower, and make goes on.
NATIVE := classify/compiled-sources.sha256
$(NATIVE): $(STAMP) classify/text.py classify/reading.py classify/matcher.py
	$(BIN)/python scripts/compile_classifier.py || echo "make: going on with the classifier's sources"

compile: $(NATIVE)

demo: $(STAMP) $(NATIVE)
	$(BIN)/vigia demo

# The tests run on as many workers as there are cores, up to four (pytest-xdist): most of
# their time is spent waiting on the servers and processes they start.
test: $(STAMP) $(NATIVE) lint typecheck
	$(BIN)/python -m pytest -n auto --maxprocesses 4

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/python scripts/typecheck.py

run: $(STAMP) $(NATIVE)
	$(BIN)/vigia run

serve: $(STAMP) $(NATIVE)
	$(BIN)/vigia serve

clean-data:
	rm -rf data/

# Every wheel of the lock in deploy/wheelhouse/, for a `docker build` without network (this
# machine's platform and Python must match the image's: Linux x86_64, CPython 3.11).
wheelhouse: $(STAMP)
	$(BIN)/python -m pip download --quiet --only-binary=:all: -d deploy/wheelhouse -r requirements.lock
