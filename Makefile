# Set-up is part of every target: a fresh clone needs only `make serve` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install assets browser graphviz virtuoso w3c-suites build serve test validate bench clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/kg assets

# The browser's assets (the YASGUI editor; axe-core for the accessibility tests) from npm, as
# package-lock.json pins them; never committed. npm itself comes from Debian's packages where it
# is missing and we are root; elsewhere, without npm, the pages keep their plain query form and
# the editor's tests skip.
assets: node_modules/.package-lock.json

node_modules/.package-lock.json: package.json package-lock.json
	@if ! command -v npm >/dev/null && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null; fi
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "make: npm not found: the pages keep their plain query form, the editor tests skip"; fi

# Headless Chromium for the browser tests, from Debian's packages. Only root can install it;
# elsewhere the browser tests skip and say what to install.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else echo "make: chromium not installed and not root: the browser tests will skip"; fi

# Graphviz's dot for the neighbourhood graphs of the entity pages, from Debian's packages, as root
# like Chromium; elsewhere the pages say there is no graph view and the dot tests skip.
graphviz:
	@if command -v dot >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends graphviz >/dev/null; \
	else echo "make: graphviz not installed and not root: no neighbourhood graphs, and their tests will skip"; fi

# Virtuoso Open Source for tests/remote, from Debian's packages, as root like Chromium; elsewhere
# the Virtuoso tests skip and say what to install. Its own service is never started: the tests
# start theirs, on free ports, from a virtuoso.ini of their own.
virtuoso:
	@if command -v virtuoso-t >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends virtuoso-opensource >/dev/null; \
	else echo "make: virtuoso-opensource not installed and not root: the Virtuoso tests will skip"; fi

# The W3C SPARQL 1.0 and 1.1 syntax suites, which tests/test_screening_w3c.py reads the screen
# against: rdflib's sdist carries them. Fetched once, never committed; offline, those tests skip.
W3C := build/w3c
RDFLIB_VERSION := 7.1.4
W3C_SUITES := sparql11/syntax-query sparql11/syntax-fed sparql11/syntax-update-1 \
	sparql11/syntax-update-2 $(addprefix dawg-data-r2/syntax-sparql,1 2 3 4 5)

w3c-suites: $(W3C)/dawg-data-r2/syntax-sparql5/manifest.ttl

$(W3C)/dawg-data-r2/syntax-sparql5/manifest.ttl: | $(BIN)/kg
	@if $(BIN)/pip download --quiet --no-deps --no-binary :all: rdflib==$(RDFLIB_VERSION) -d $(W3C); then \
	  tar -xzf $(W3C)/rdflib-$(RDFLIB_VERSION).tar.gz -C $(W3C) --strip-components=5 \
	    $(addprefix rdflib-$(RDFLIB_VERSION)/test/data/suites/w3c/,$(W3C_SUITES)); \
	else echo "make: cannot download rdflib $(RDFLIB_VERSION): the W3C syntax tests will skip"; fi

build: install
	$(BIN)/kg build

serve: build assets graphviz
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

validate: install
	$(BIN)/kg validate

test: install browser graphviz virtuoso w3c-suites
	$(BIN)/kg validate
	$(BIN)/pytest

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/build_speed.py
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/endpoint.py
	$(BIN)/python benchmarks/growth.py --results build/growth.json
	$(BIN)/python benchmarks/request_path.py

clean:
	rm -rf build .pytest_cache
