# Two commands do everything, each setting up its own virtual environment the first time:
#   make book   renders the site (chapters executed in full, cached) into _build/full/_build/html
#   make test   runs every test: labhelpers unit tests, the book's invariants, every
#               notebook in quick mode, then the quick site (rendered from the notebooks the
#               tests executed) and its browser test; -rs lists each skip and its reason
# More:
#   make book-quick  the same site in quick mode (LAB_QUICK=1), in minutes: _build/quick/_build/html
#   make site-test   book-quick, then the browser test of that site (tests/test_site.py)
#   make lock        regenerates requirements/lock-*.txt, what setup installs, from pyproject.toml
#   make test-latest unit tests and two quick chapters on the newest releases, against the lock
#   make student-copy the notebooks without their solutions, for a teacher: _build/student (OUT=)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pip extras to install: `make test EXTRAS=test,backends` adds JAX and PyTorch (chapter 13
# then trains on all three Keras backends instead of saying which it skipped).
EXTRAS ?= test

# setup installs the lock of these extras (requirements/lock-test.txt: every package pinned,
# with hashes; `make lock` writes it), then labhelpers itself. LOCK=none installs
# pyproject.toml's ranges instead, so the newest releases.
comma := ,
LOCK ?= requirements/lock-$(subst $(comma),-,$(EXTRAS)).txt

.PHONY: setup test book book-quick site-test lab lint clean lock test-latest student-copy

$(VENV)/.installed-$(EXTRAS): pyproject.toml $(filter-out none,$(LOCK))
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
ifeq ($(LOCK),none)
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
else
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
endif
	touch $@

requirements/lock-%.txt:
	@echo "No lock for EXTRAS=$(EXTRAS): add it to \`make lock\`, or run with LOCK=none." >&2
	@exit 1

setup: $(VENV)/.installed-$(EXTRAS)

# `make lock` resolves both locks for Linux x86_64 and Python 3.11 with uv (installed into
# $(UV_VENV)), keeping the locked versions that still fit pyproject.toml; UV_FLAGS=--upgrade
# moves every package to its newest release. torch's CPU wheel comes from TORCH_FIND_LINKS.
UV_VENV ?= /tmp/uvenv
UV_FLAGS ?=
TORCH_FIND_LINKS ?= /opt/wheels
LOCK_COMPILE = $(UV_VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 \
	--python-platform x86_64-manylinux_2_28 --generate-hashes \
	--find-links $(TORCH_FIND_LINKS) $(UV_FLAGS)
define LOCK_NOTE
# The lock `make setup` installs: every package pinned, with hashes, for Linux x86_64 and
# Python 3.11. pyproject.toml keeps its ranges for other installs; tests/test_lock.py checks
# that the two agree. Regenerate with `make lock`: the uv command below, with
# `--find-links /opt/wheels` added (uv leaves it out), where torch's CPU wheel lies.
# torch (test,backends only) is the CPU build 2.13.0+cpu: its hash is that of the wheel in
# /opt/wheels. Without that folder pip looks for the same file on PyTorch's CPU index
# (PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu); a hash mismatch there means
# another build of the wheel: regenerate with TORCH_FIND_LINKS set to where yours lies.
endef
export LOCK_NOTE

lock: $(UV_VENV)/bin/uv
	$(LOCK_COMPILE) --extra test -o requirements/lock-test.txt
	$(LOCK_COMPILE) --extra test --extra backends -o requirements/lock-test-backends.txt
	for lock in requirements/lock-test.txt requirements/lock-test-backends.txt; do \
	  { echo "$$LOCK_NOTE"; cat $$lock; } > $$lock.tmp && mv $$lock.tmp $$lock; done

$(UV_VENV)/bin/uv:
	$(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet uv==0.13.9

test: setup
	$(BIN)/python -m pytest -rs --nbval-lax --nbval-current-env tests book

# A fresh second environment from pyproject.toml's ranges, every package at its newest release;
# tools/latest_check.py runs the unit tests and two quick chapters there, then prints what
# differs from the lock and whether the book still passes. The lock still decides (.ci/run).
LATEST_VENV ?= .venv-latest
test-latest:
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LATEST_VENV)/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager \
	  -e ".[$(EXTRAS)]"
	$(LATEST_VENV)/bin/python tools/latest_check.py $(LOCK)

# tools/build_site.py runs `jupyter-book build` with LAB_QUICK set, one build folder (and so
# one execution cache) per mode, strict flags (-W -n --keep-going: a failed chapter or a
# broken link fails the build), and empties a mode's cache when labhelpers/ changes.
book: setup
	$(BIN)/python tools/build_site.py full

book-quick: setup
	$(BIN)/python tools/build_site.py quick

site-test: book-quick
	LAB_SITE_PREBUILT=1 $(BIN)/python -m pytest -p no:cacheprovider -v tests/test_site.py

OUT ?= _build/student
student-copy: setup
	$(BIN)/python tools/student_copy.py $(OUT)

lab: setup
	$(BIN)/jupyter lab book/

lint: setup
	$(BIN)/ruff check labhelpers tests tools book/*.py conftest.py

clean:
	rm -rf _build test-artifacts
