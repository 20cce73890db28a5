# avgust: two commands on a fresh machine with Python 3.11.
#   make site   builds the site into build/site (parse → embed → index → pages → mkdocs)
#   make test   runs ruff, mypy and the whole test suite (browser tests included)
# Both install LibreOffice (reads .doc/.odt/.rtf) and Tesseract with Russian (scanned PDFs)
# from Debian when they are missing and make runs as root.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch is only needed for sentence-transformers models; its CPU build keeps the set-up lean.
# Here a local wheel is found via pip's find-links; elsewhere the PyTorch CPU index serves it.
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu

.PHONY: site test lint install browser system-deps clean

# Debian packages the readers need: soffice (LibreOffice without a desktop) and tesseract.
SYSTEM_PACKAGES ?= libreoffice-writer-nogui tesseract-ocr tesseract-ocr-rus

site: $(STAMP) system-deps
	$(BIN)/avgust build

test: $(STAMP) system-deps browser
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/pytest

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-index --no-deps "torch==$(TORCH_VERSION)+cpu" \
	  || $(BIN)/pip install --quiet "torch==$(TORCH_VERSION)" --index-url $(TORCH_CPU_INDEX)
	$(BIN)/pip install --quiet -e ".[dev,convert]"
	touch $@

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "install Debian's chromium (sudo apt-get install chromium) for the browser tests"; exit 1; fi; }

system-deps:
	@if ! command -v soffice >/dev/null 2>&1 || ! command -v tesseract >/dev/null 2>&1 \
	    || ! tesseract --list-langs 2>/dev/null | grep -qx rus; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(SYSTEM_PACKAGES); \
	  else echo "install $(SYSTEM_PACKAGES) (sudo apt-get install $(SYSTEM_PACKAGES)) to read .doc/.odt/.rtf and scanned PDFs"; fi; \
	fi

clean:
	rm -rf build index/* docs/* .cache $(VENV)
