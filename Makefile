# Two commands: `make run` (regenerate every table and the graph) and `make test`.
# Both create .venv with pip when it is missing and install the pinned dependencies.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-browser lint bench eval-dev large-run clean-venv

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	PATH="$(BIN):$$PATH" dvc repro

test: $(STAMP)
	PATH="$(BIN):$$PATH" python -m pytest

# graph.html in headless Chromium (Debian: apt-get install chromium); skipped without it
test-browser: $(STAMP)
	PATH="$(BIN):$$PATH" python -m pytest -m browser tests/browser

# The development set (real news, ../shared/dev): run the pipeline on it, then score the run.
# Writes outputs/dev/: scores.json (committed, a DVC metric: `dvc metrics diff`), scores.md
# (committed), errors.md and errors.csv (every error with its evidence), cue_coverage.md (missed topics
# with no cue in their article, counts only), run/ (the tables).
DEV ?= ../shared/dev
eval-dev: $(STAMP)
	@test -d $(DEV)/docs || { echo "eval-dev: $(DEV)/docs not found (set DEV=path/to/dev)"; exit 2; }
	PATH="$(BIN):$$PATH" diplograph run --input $(DEV)/docs --output outputs/dev/run --no-progress
	PATH="$(BIN):$$PATH" diplograph evaluate --tables outputs/dev/run --gold $(DEV)/gold.json --docs $(DEV)/docs \
		--output outputs/dev/scores.json --markdown outputs/dev/scores.md --errors outputs/dev/errors.md \
		--title "Development set"
	PATH="$(BIN):$$PATH" diplograph cue-coverage --errors outputs/dev/errors.csv --docs $(DEV)/docs --output outputs/dev/cue_coverage.md

# A real run at corpus size for the browser test of graph.html: the benchmark's English news
# (2,225 articles, no dates) together with the development set (dated, both languages, every
# meeting kind), linked into outputs/large/input (outside git) and run with 2 workers (a few minutes).
LARGE_EN ?= ../shared/data/bench/en-bbc
large-run: $(STAMP)
	@test -d $(LARGE_EN) -a -d $(DEV)/docs || { echo "large-run: $(LARGE_EN) or $(DEV)/docs not found"; exit 2; }
	rm -rf outputs/large/input && mkdir -p outputs/large/input
	ln -s $(abspath $(LARGE_EN))/*.txt $(abspath $(DEV)/docs)/*.txt outputs/large/input/
	PATH="$(BIN):$$PATH" diplograph run --input outputs/large/input --output outputs/large/run --no-progress --workers 2

# A measurement, not a test: needs ../shared/data; writes outputs/bench/ (about 25 minutes: the throughput pairs run 3 rounds).
bench: $(STAMP)
	PATH="$(BIN):$$PATH" diplograph bench --en ../shared/data/bench/en-bbc --zh ../shared/data/zh-ner --output outputs/bench

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

clean-venv:
	rm -rf $(VENV)
