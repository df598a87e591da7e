# Set-up is part of every target: a fresh machine needs only `make demo` or `make test`.
# `make demo` installs what the demo needs (NumPy, Graphviz's Python package, Matplotlib,
# tqdm); `make test` adds the test tools, PyTorch (as an oracle), Jupyter and Chromium.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: demo test bench docs docs-serve graphviz browser clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# One stamp per extra: each target installs its own extra into the one .venv.
$(VENV)/.installed-%: pyproject.toml | $(PY)
	$(PIP) install --quiet -e ".[$*]"
	touch $@

# Debian packages a target needs, installed when missing (as root, with apt-get):
# graphviz's `dot` renders the drawings; chromium lets the tests click through the
# backprop stepper's page in a real browser.
define debian
	@missing=""; for pair in $(1); do cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing:$$missing; install them (Debian: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi
endef

graphviz:
	$(call debian,dot:graphviz)

browser:
	$(call debian,dot:graphviz chromium:chromium)

demo: graphviz $(VENV)/.installed-demo
	$(PY) -m autograd demo

test: browser $(VENV)/.installed-test
	$(PY) -m pytest -p no:cacheprovider

bench: graphviz $(VENV)/.installed-bench
	$(PY) benchmarks/run.py

# The course site: the notebooks are executed during the build, which fails on any warning.
# (NO_MKDOCS_2_WARNING quiets the banner Material prints on every build about its successor.)
DOCS_PORT ?= 8000
docs: graphviz $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict

docs-serve: docs
	@echo "serving site/ on http://127.0.0.1:$(DOCS_PORT)/ (Ctrl-C stops)"
	$(PY) -m http.server $(DOCS_PORT) --bind 127.0.0.1 --directory site

clean:
	rm -rf $(VENV) out site .pytest_cache .hypothesis build *.egg-info
