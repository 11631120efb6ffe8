# Two commands do everything, each setting up its own virtual environment the first time:
#   make book   renders the site (chapters executed in full, cached) into _build/full/_build/html
#   make test   runs every test: labhelpers unit tests, the book's invariants, and every
#               notebook in quick mode
# More:
#   make book-quick  the same site in quick mode (LAB_QUICK=1), in minutes: _build/quick/_build/html
#   make site-test   book-quick, then the browser test of that site (tests/test_site.py)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pip extras to install: `make test EXTRAS=test,backends` adds JAX and PyTorch (chapter 13
# then trains on all three Keras backends instead of saying which it skipped).
EXTRAS ?= test

.PHONY: setup test book book-quick site-test lab lint clean

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

setup: $(VENV)/.installed-$(EXTRAS)

test: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests book

# tools/build_site.py runs `jupyter-book build` with LAB_QUICK set, one build folder (and so
# one execution cache) per mode, strict flags (-W -n --keep-going: a failed chapter or a
# broken link fails the build), and empties a mode's cache when labhelpers/ changes.
book: setup
	$(BIN)/python tools/build_site.py full

book-quick: setup
	$(BIN)/python tools/build_site.py quick

site-test: book-quick
	LAB_SITE_PREBUILT=1 $(BIN)/python -m pytest -p no:cacheprovider -v tests/test_site.py

lab: setup
	$(BIN)/jupyter lab book/

lint: setup
	$(BIN)/ruff check labhelpers tests tools book/*.py conftest.py

clean:
	rm -rf _build test-artifacts
