# Two commands: `make run` (regenerate every table and the graph) and `make test`.
# Both create .venv with pip when it is missing and install the pinned dependencies.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test test-browser lint bench clean-venv

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

# A measurement, not a test: needs ../shared/data; writes outputs/bench/ (about 25 minutes: the throughput pairs run 3 rounds).
bench: $(STAMP)
	PATH="$(BIN):$$PATH" diplograph bench --en ../shared/data/bench/en-bbc --zh ../shared/data/zh-ner --output outputs/bench

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/ruff format --check pipeline tests

clean-venv:
	rm -rf $(VENV)
