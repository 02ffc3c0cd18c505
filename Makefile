# Each target creates .venv on first use and installs what it needs into it.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# setuptools prints a notice on every editable install (folders named like the package
# may shadow it on import); nothing to act on here, so the build backend is told to
# keep it to itself
PIP    := PYTHONWARNINGS="ignore:Editable installation" $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test bench lint docs clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.test: $(PY) pyproject.toml
	$(PIP) install -e '.[test,demo,digits,notebooks]'
	@touch $@

$(VENV)/.demo: $(PY) pyproject.toml
	$(PIP) install -e '.[demo]'
	@touch $@

demo: $(VENV)/.demo
	$(PY) -m micrograd demo

test: $(VENV)/.test
	$(PY) -m pytest

# micrograd 0.1.0 goes into its own folder so that its import name does not clash.
.bench/micrograd-0.1.0:
	$(PIP) install --target $@ micrograd==0.1.0

bench: $(VENV)/.test .bench/micrograd-0.1.0
	$(PY) benchmarks/run.py --micrograd .bench/micrograd-0.1.0
	$(PY) benchmarks/compiled_step.py
	$(PY) benchmarks/microgpt_step.py
	$(PY) benchmarks/digits_epoch.py
	$(PY) benchmarks/digits_epoch.py --micrograd .bench/micrograd-0.1.0
	$(PY) benchmarks/replay_cost.py

$(VENV)/.lint: $(PY) pyproject.toml
	$(PIP) install -e '.[lint]'
	@touch $@

lint: $(VENV)/.test $(VENV)/.lint
	$(VENV)/bin/ruff check micrograd tests benchmarks notebooks
	$(VENV)/bin/ruff format --check micrograd tests benchmarks notebooks
	$(VENV)/bin/mypy --strict micrograd

$(VENV)/.docs: $(PY) pyproject.toml
	$(PIP) install -e '.[docs]'
	@touch $@

# The site goes to site/; warnings are errors (strict: true in mkdocs.yml).
docs: $(VENV)/.docs
	$(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .bench demo-output site .cache
