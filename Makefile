# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
# `make demo` installs what the demo needs (NumPy, Graphviz's Python package, Matplotlib,
# tqdm); `make test` adds the test tools, PyTorch (as an oracle) and Jupyter.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: demo test bench graphviz clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# One stamp per extra: each target installs its own extra into the one .venv.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[$*]"
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

demo: graphviz $(VENV)/.installed-demo
	$(PY) -m autograd demo

test: graphviz $(VENV)/.installed-test
	$(PY) -m pytest -p no:cacheprovider

bench: graphviz $(VENV)/.installed-bench
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) out .pytest_cache .hypothesis build *.egg-info
