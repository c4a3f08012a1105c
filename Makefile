# Two environments: .venv (Python >= 3.11: core, actions, console, importers, tests) and
# .venv-rasa (Python 3.10: Rasa 3.6 server and its NLU components). `make run` and
# `make test` create both as needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_APP ?= $(shell for p in python3.12 python3.11 $(HOME)/.pyenv/versions/3.11*/bin/python3.11 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && { echo $$p; break; }; done)
PY_RASA ?= $(shell for p in python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10 /usr/bin/python3.10; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo $$p; break; }; done)

APP := .venv/bin
RASA := .venv-rasa/bin
# The Rasa environment imports our NLU components and dichvucong.text from the work tree.
WITH_RASA_PATH := PYTHONPATH=$(CURDIR):$(CURDIR)/rasa_project
export PIP_DISABLE_PIP_VERSION_CHECK := 1

RASA_INPUTS := $(shell find rasa_project/config.yml rasa_project/domain.yml rasa_project/data rasa_project/components dichvucong/text -type f -not -name '*.pyc' 2>/dev/null)
MODEL := rasa_project/models/current.tar.gz

.PHONY: help setup run test nlu-eval bench profile soak eval train-selection lint train seed clean

help:
	@echo "make run    - set up everything and start the assistant (Rasa :5005, actions :5055, console :8000)"
	@echo "make test   - set up everything and run the whole test suite"
	@echo "make eval   - right answer in the chat reply on the frozen and twelve dev question sets, with 1,936 national procedures as distractors"
	@echo "make train-selection - retrain the learned second opinion on the answer-selection rules (dev sets only)"
	@echo "make bench  - this assistant against a bare rasa init bot, 20 concurrent citizens (embedded, PostgreSQL + Redis with 1 and 2 Rasa servers); review pages at 100k events"
	@echo "make profile - milliseconds per message in each stage of Rasa and the action server (docs/performance.md)"
	@echo "make soak   - 10,000 messages from 50 citizens on two Rasa servers, then every tracker checked"

.venv/.installed: pyproject.toml
	@test -n "$(PY_APP)" || { echo "Cần Python >= 3.11 (python3.11)"; exit 1; }
	$(PY_APP) -m venv .venv
	$(APP)/pip install -q --upgrade pip
	$(APP)/pip install -q -e '.[dev]'
	touch $@

.venv-rasa/.installed: requirements/rasa.txt
	@test -n "$(PY_RASA)" || { echo "Cần Python 3.10 cho Rasa 3.6 (python3.10)"; exit 1; }
	$(PY_RASA) -m venv .venv-rasa
	$(RASA)/pip install -q --upgrade 'pip<25' wheel 'setuptools==70.3.0'
	$(RASA)/pip install -q -r requirements/rasa.txt
	touch $@

setup: .venv/.installed .venv-rasa/.installed

# Migrate on every start; import the demo data only into an empty database, so officials'
# edits made in the console survive restarts (importers are idempotent anyway).
seed: .venv/.installed
	mkdir -p var
	$(APP)/dvc seed --if-empty

$(MODEL): .venv-rasa/.installed $(RASA_INPUTS)
	cd rasa_project && $(WITH_RASA_PATH) ../$(RASA)/rasa train --fixed-model-name current --out models
	@touch $@

train: $(MODEL)

run: setup seed train
	$(APP)/python scripts/run_all.py

# Debian's Chromium for the browser tests (console, widget, review), then the Rasa-side
# tests (tokenizer, channels, lock store) in the Rasa environment, then everything else
# (importers, search, actions, `rasa data validate`, test stories, end-to-end
# conversations, channels, console, production topology).
test: setup
	bash scripts/install_browser.sh
	$(WITH_RASA_PATH) $(RASA)/python -m pytest tests/rasa -q -p no:cacheprovider --confcutdir=tests/rasa
	$(APP)/python -m pytest tests -q --ignore=tests/rasa

# Intent accuracy by 3-fold cross-validation (slow: trains three models).
nlu-eval: setup
	cd rasa_project && $(WITH_RASA_PATH) ../$(RASA)/rasa test nlu --cross-validation --folds 3 --out ../var/nlu-eval
	@cat var/nlu-eval/intent_report.json | $(APP)/python -c 'import json,sys; r=json.load(sys.stdin); print("accuracy", r["accuracy"], "macro F1", r["macro avg"]["f1-score"])'
	$(APP)/python bench/nlu_accent_report.py var/nlu-eval

# this assistant beside a bare `rasa init` bot (made once with our Rasa environment, cached
# under var/bench/), the same 200 questions from 20 concurrent citizens (docs/performance.md).
bench: setup seed train
	$(APP)/python bench/rest_bench.py --users 20
	$(APP)/python bench/review_bench.py

# Where each millisecond of one answered message goes (docs/performance.md).
profile: setup seed train
	$(APP)/python bench/profile_message.py

# 10,000 messages from 50 citizens through two Rasa servers; every tracker checked afterwards.
soak: setup seed train
	$(APP)/python bench/soak.py --messages 10000 --citizens 50

# Answer quality at national scale (docs/answers.md): the frozen and twelve dev sets through the chat.
eval: setup train
	$(APP)/python bench/eval_answers.py

# Retrain the learned second opinion on the selection rules (after changing those rules).
train-selection: setup
	$(APP)/python bench/train_selection.py

lint:
	$(APP)/ruff check dichvucong actions connectors tests scripts bench

clean:
	rm -rf var rasa_project/models .cache

# Telegram long polling, for an office without a public HTTPS address: forwards updates to
# the running Rasa server's Telegram route (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET,
# RASA_URL; see docs/channels.md). Ctrl-C stops it.
.PHONY: telegram-poller
telegram-poller: .venv-rasa/.installed
	$(WITH_RASA_PATH) $(RASA)/python -m connectors.telegram_polling
