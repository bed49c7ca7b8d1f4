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

.PHONY: help venv lab test test-package test-notebooks notebooks bench clean-venv

help:
	@echo "make lab         set up (if needed) and start JupyterLab on notebooks/"
	@echo "make test        set up (if needed), run package tests and every notebook (ci profile)"
	@echo "make notebooks   re-execute every notebook in place (outputs committed)"
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
	CS229LLM_PROFILE=$${CS229LLM_PROFILE:-laptop} $(VENV)/bin/jupyter lab --notebook-dir=notebooks --port=$(PORT)

NBVAL_FLAGS := --nbval-lax --nbval-current-env --nbval-cell-timeout=900 \
               --nbval-sanitize-with notebooks/nbval_sanitize.cfg

test: $(STAMP)
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest tests notebooks $(NBVAL_FLAGS) \
	    --ignore-glob='*/.ipynb_checkpoints/*' -ra

test-package: $(STAMP)
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest tests -ra

test-notebooks: $(STAMP)
	CS229LLM_PROFILE=$(PROFILE) $(PY) -m pytest notebooks $(NBVAL_FLAGS) --ignore-glob='*/.ipynb_checkpoints/*'

# Notebook sources are the paired py:percent files (notebooks/*.py); this writes the .ipynb and runs it.
notebooks: $(STAMP)
	cd notebooks && for src in [0-9][0-9]_*.py; do \
	    CS229LLM_PROFILE=$(PROFILE) ../$(VENV)/bin/jupytext --to ipynb --execute "$$src" || exit 1; \
	done

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) "$$script" || exit 1; done

clean-venv:
	rm -rf $(VENV)
