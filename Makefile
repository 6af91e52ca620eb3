# Two commands for a fresh machine with Python 3.10+, a C compiler and CMake:
#   make run   set up .venv, fetch the bundled model, open the app
#   make test  the same with the test and convert extras, then ruff and the whole test suite
#   make package  the one-folder app for this machine in dist/ (PyInstaller), with an archive
# CMAKE_ARGS="-DGGML_CUDA=on" (or -DGGML_METAL=on) builds llama.cpp for a GPU: see README.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
PYTEST_ARGS ?=

.PHONY: run test setup setup-test model lint bench clean translations translations-update \
	package package-test setup-package

run: setup model translations
	$(BIN)/desktop-llm

test: setup-test model lint translations
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check desktop_llm tests bench packaging

# The app as users get it: dist/desktop-llm/ (a .app on macOS) and an archive, with the default
# model, the translations and every resource inside; the last lines say where and how big.
package: setup-package model translations
	$(BIN)/python packaging/build.py

# The same, then the built app's own --self-test with no display (CI runs this after the tests).
package-test: setup-package model translations
	$(BIN)/python packaging/build.py --self-test

bench: setup-test model
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/throughput.py --safe-mode
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/gui_latency.py
	$(BIN)/python bench/crash_recovery.py
	$(BIN)/python bench/resume.py
	$(BIN)/python bench/export.py
	QT_QPA_PLATFORM=offscreen $(BIN)/python bench/ui.py
	$(BIN)/python bench/convert.py
	$(BIN)/python bench/first_start.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/remote.py

setup: $(VENV)/.installed-run
setup-test: $(VENV)/.installed-test
setup-package: $(VENV)/.installed-package

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "desktop-llm needs Python 3.10 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

# The convert extra (llama.cpp's converter, torch, transformers) is installed for the tests so
# CI runs the conversion tests; `make run` stays light. torch is pinned and installed first:
# left to the resolver, it picks the newest release, whose Linux wheel pulls GBs of CUDA.
# Where no CPU wheel is at hand (PyPI's Linux torch bundles CUDA), TORCH_PIP_ARGS can point pip
# at a CPU-only torch index.
TORCH_VERSION ?= 2.13.0
TORCH_PIP_ARGS ?=

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet $(TORCH_PIP_ARGS) "torch==$(TORCH_VERSION)"
	$(BIN)/python -m pip install --quiet -e ".[test,convert]"
	@touch $@ $(VENV)/.installed-run

# The interface's translations: resources/translations/*.ts are kept in the repository (edit
# them with pyside6-linguist); the .qm files the app loads are built from them here, into the
# package (not committed). After changing texts in the code, `make translations-update`
# re-reads every tr()/translate() call into the .ts files (translatable() marks texts that
# the core translates later).
TS_FILES := $(wildcard resources/translations/desktop_llm_*.ts)
QM_FILES := $(patsubst resources/translations/%.ts,desktop_llm/resources/translations/%.qm,$(TS_FILES))

translations: $(QM_FILES)

desktop_llm/resources/translations/%.qm: resources/translations/%.ts | $(VENV)/.installed-run
	@mkdir -p $(@D)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

translations-update: setup
	$(BIN)/pyside6-lupdate -extensions py -tr-function-alias QT_TRANSLATE_NOOP+=translatable \
		-locations none -no-obsolete desktop_llm -ts $(TS_FILES)

$(VENV)/.installed-package: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[package]"
	@touch $@

# Checked every time (a sha256 of 98 MB takes a fraction of a second), so a damaged copy
# is replaced rather than trusted.
model: | $(BIN)/python
	$(BIN)/python -m desktop_llm.bundled_model

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(QM_FILES) build dist
