# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed-test

.PHONY: demo test bench graphviz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test]"
	touch $@

$(VENV)/.installed-bench: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[test,bench]"
	touch $@

# Debian's graphviz provides `dot`, which renders the graphs to SVG.
graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) ; \
	  else \
	    echo "graphviz's 'dot' is missing: install it (Debian: sudo apt-get install graphviz)"; exit 1; \
	  fi; \
	fi

demo: graphviz $(STAMP)
	$(PY) -m autograd.cli demo

test: graphviz $(STAMP)
	$(PY) -m pytest -p no:cacheprovider

bench: graphviz $(VENV)/.installed-bench
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis
