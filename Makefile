# Shop support bot: `make run` to use it, `make test` to check it. `make help` lists all.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
RASA   := $(VENV)/bin/rasa
STAMP  := $(VENV)/.installed
MODEL  := models/shop.tar.gz
TRAIN_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml' 2>/dev/null)

.PHONY: help setup webchat lock train run test lint format validate unit eval bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

setup: $(STAMP) webchat ## create .venv (Python 3.10) and install the project and its tools

WEBCHAT := bot/web/static/vendor/rasa-webchat-1.0.1.js
webchat: $(WEBCHAT) ## fetch the chat widget (rasa-webchat, pinned) from npm into bot/web/static/vendor/

$(WEBCHAT): scripts/fetch-webchat
	scripts/fetch-webchat --force

$(STAMP): pyproject.toml requirements.lock scripts/find-python310
	@python310=$$(scripts/find-python310) || exit 1; \
	if [ ! -x $(PY) ]; then echo "creating $(VENV) with $$python310"; "$$python310" -m venv $(VENV); fi
	@echo "installing rasa and the project into $(VENV) at the locked versions (a few minutes the first time) ..."
	$(PY) -m pip install --quiet --progress-bar off -c requirements.lock -e ".[dev]"
	@touch $@

lock: $(STAMP) ## rewrite requirements.lock from .venv (after changing pyproject.toml and testing)
	@{ echo "# Every package of .venv at the version the test suite passed with (constraints for pip)."; \
	   echo "# Made by \`make lock\` (pip freeze) from a venv installed with \`make setup\`; \`make setup\`"; \
	   echo "# installs with \`pip install -c requirements.lock\`, so a fresh machine gets exactly these."; \
	   $(PY) -m pip freeze --exclude-editable | grep -v '^shop-support-bot'; } > requirements.lock
	@echo "requirements.lock: $$(grep -vc '^#' requirements.lock) packages"

train: $(MODEL) ## train the model into models/ when data, config or domain changed

$(MODEL): $(STAMP) $(TRAIN_INPUTS)
	@echo "training $(MODEL) ..."
	@start=$$(date +%s); \
	$(RASA) train --fixed-model-name shop --out models && touch $(MODEL) && \
	echo "trained $(MODEL) in $$(( $$(date +%s) - start )) s"

run: $(MODEL) webchat ## train if needed, load demo orders, start Rasa, actions, web and fake tracking (Ctrl-C stops all)
	$(PY) -m bot run

lint: $(STAMP) ## ruff lint and format check
	$(VENV)/bin/ruff check bot actions tests
	$(VENV)/bin/ruff format --check bot actions tests

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(VENV)/bin/ruff check --fix bot actions tests
	$(VENV)/bin/ruff format bot actions tests

validate: $(STAMP) ## rasa data validate (domain, NLU data, rules and stories agree)
	$(RASA) data validate --fail-on-warnings

unit: $(STAMP) ## the fast tests only (no model training)
	$(PY) -m pytest -m "not slow"

test: lint validate webchat ## lint, validate the data, run the whole test suite (trains an NLU model)
	$(PY) -m pytest

eval: $(STAMP) ## NLU evaluation: 3 held-out sets + 5-fold CV of ours, vs stock Rasa and the ginza peer (~40 min)
	$(PY) -m bot eval nlu --stock-folds 0

bench: $(STAMP) $(MODEL) ## NLU train/parse times, order store at 100k orders, WISMO conversations at 1 and 50 clients, operator relay
	$(PY) -m bot bench nlu
	$(PY) -m bot bench store
	$(PY) -m bot bench wismo
	$(PY) -m bot bench handoff

clean: ## remove trained models and run-time files (keeps .venv)
	rm -rf models/*.tar.gz var/ results/ .pytest_cache .ruff_cache
