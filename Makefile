# Set-up is part of every target: a fresh clone needs only `make serve` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser build serve test validate bench clean

$(BIN)/kg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/kg

# Headless Chromium for the browser tests, from Debian's packages. Only root can install it;
# elsewhere the browser tests skip and say what to install.
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else echo "make: chromium not installed and not root: the browser tests will skip"; fi

build: install
	$(BIN)/kg build

serve: build
	$(BIN)/kg serve --host $(HOST) --port $(PORT)

validate: install
	$(BIN)/kg validate

test: install browser
	$(BIN)/kg validate
	$(BIN)/pytest

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/build_speed.py
	$(BIN)/python benchmarks/validation.py
	$(BIN)/python benchmarks/endpoint.py

clean:
	rm -rf build .pytest_cache
