# Two commands do everything, each setting up its own virtual environment the first time:
#   make book   renders the site (chapters executed in full, cached) into _build/full/html
#   make test   runs every test: labhelpers unit tests, the book's invariants, and every
#               notebook in quick mode
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup test book book-quick lab lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed

test: setup
	$(BIN)/python -m pytest --nbval-lax --nbval-current-env tests book

book: setup
	$(BIN)/jupyter-book build . --path-output _build/full

book-quick: setup
	LAB_QUICK=1 $(BIN)/jupyter-book build . --path-output _build/quick

lab: setup
	$(BIN)/jupyter lab book/

lint: setup
	$(BIN)/ruff check labhelpers tests book/*.py conftest.py

clean:
	rm -rf _build
