# cs229llm: two commands for learners (make lab, make test), a few more for instructors.
# Every target sets up the virtual environment first when it is missing or out of date.

PYTHON      ?= python3
VENV        ?= .venv
PY          := $(VENV)/bin/python
PIP         := $(PY) -m pip
# On CPU machines this is a small CPU build. GPU users: see README ("GPU users").
TORCH_SPEC  ?= torch==2.13.0
PROFILE     ?= ci
PORT        ?= 8888
STAMP       := $(VENV)/.installed
CHROMIUM    ?= /usr/bin/chromium

.PHONY: help venv lab test test-package test-notebooks test-laptop test-browser browser student notebooks bench clean-venv

help:
	@echo "make lab         set up (if needed) and start JupyterLab on notebooks/"
	@echo "make test        set up (if needed), run package tests and every notebook (ci profile)"
	@echo "make test-browser  run the notebooks in JupyterLab in headless Chromium (part of make test)"
	@echo "make test-laptop run every notebook under the laptop profile, as learners do (~15 min; not in CI)"
	@echo "make student     write the student notebooks' sources (notebooks/*.py) from solutions/*.py"
	@echo "make notebooks   make student, then execute every notebook in place (laptop profile; outputs committed)"
	@echo "make bench       run the benchmarks in benchmarks/"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Re-install when pyproject.toml changes. torch goes first so the package's
# lower bound (torch>=2.2) is already satisfied and pip never pulls another build.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PY) -c "import torch" 2>/dev/null || $(PIP) install --quiet "$(TORCH_SPEC)"
	$(PIP) install --quiet -e ".[course,test]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cs229llm)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	CS229LLM_PROFILE=$${CS229LLM_PROFILE:-laptop} $(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT) \
	    $$([ "$$(id -u)" = 0 ] && echo --allow-root)  # containers often run as root

NBVAL_FLAGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
               --nbval-sanitize-with notebooks/nbval_sanitize.cfg

test: $(STAMP) browser
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest tests notebooks $(NBVAL_FLAGS) \
	    --ignore-glob='*/.ipynb_checkpoints/*' --ignore=tests/browser -ra
	$(MAKE) --no-print-directory test-browser

test-package: $(STAMP)
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest tests --ignore=tests/browser -ra

# The course as a learner sees it: JupyterLab in headless Chromium (tests/browser/README.md).
test-browser: $(STAMP) browser
	CS229LLM_PROFILE=$(PROFILE) CS229LLM_CHROMIUM=$(CHROMIUM) $(PY) -m pytest tests/browser \
	    --timeout=900 -ra

# Debian's Chromium for the browser suite, installed with apt when missing and we may (root or
# passwordless sudo). Elsewhere the suite skips with the reason, except in CI where it fails.
browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	    echo "note: no $(CHROMIUM) and no apt-get: browser tests will be skipped (outside CI)"; \
	else \
	    if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; \
	    else echo "note: no $(CHROMIUM); install it with: sudo apt-get install -y chromium"; exit 0; fi; \
	    echo "installing chromium with apt-get (for tests/browser)"; \
	    { $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; } \
	    || { echo "could not install chromium"; [ "$$CI" != true ] && [ "$$CS229LLM_REQUIRE_BROWSER" != 1 ]; }; \
	fi

test-notebooks: $(STAMP)
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest notebooks $(NBVAL_FLAGS) --ignore-glob='*/.ipynb_checkpoints/*'

# Every notebook under the profile learners use (sizes that take ~15 minutes on 2 cores in all): too long
# for CI, which runs the ci profile; run it before committing notebooks.
test-laptop: $(STAMP)
	CS229LLM_PROFILE=laptop $(PY) -m pytest notebooks $(NBVAL_FLAGS) --ignore-glob='*/.ipynb_checkpoints/*' -ra

# The notebooks' sources are solutions/*.py (py:percent, exercises solved between nbgrader's markers). The
# learner's notebooks/*.py are written from them with each solution replaced by a stub.
student: $(STAMP)
	$(PY) -m cs229llm.exercises.student

# Writes each student .ipynb from its source and executes it, under the profile learners read (laptop).
NOTEBOOK_PROFILE ?= laptop
notebooks: student
	cd notebooks && for src in [0-9][0-9]_*.py; do \
	    CS229LLM_PROFILE=$(NOTEBOOK_PROFILE) ../$(VENV)/bin/jupytext --to ipynb --execute "$$src" || exit 1; \
	done

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) "$$script" || exit 1; done

clean-venv:
	rm -rf $(VENV)
