# avgust: two commands on a fresh machine with Python 3.11.
#   make site   builds the site into build/site (read → parse → themes → index → pages → mkdocs)
#   make test   runs ruff, mypy, import-linter, the Node test of rank.js and the whole test suite
#               (pytest-xdist: one worker per core, each test file on one worker)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# torch is only needed for sentence-transformers models; its CPU build keeps the set-up lean.
# Here a local wheel is found via pip's find-links; elsewhere the PyTorch CPU index serves it.
TORCH_VERSION ?= 2.13.0
TORCH_CPU_INDEX ?= https://download.pytorch.org/whl/cpu
# Debian packages: LibreOffice (.doc/.odt/.rtf), Tesseract (scans), poppler, chromium (browser tests)
SYSTEM_COMMANDS := soffice:libreoffice-writer-nogui tesseract:tesseract-ocr-rus pdftoppm:poppler-utils
BROWSER_COMMANDS := chromium:chromium

.PHONY: site test lint install system browser clean

site: $(STAMP)
	$(call apt_install,$(SYSTEM_COMMANDS),lenient)
	$(BIN)/avgust build

test: $(STAMP) system browser
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	node --test tests/js/
	$(BIN)/pytest -n auto --dist loadfile

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --no-index --no-deps "torch==$(TORCH_VERSION)+cpu" \
	  || $(BIN)/pip install --quiet "torch==$(TORCH_VERSION)" --index-url $(TORCH_CPU_INDEX)
	$(BIN)/pip install --quiet -e ".[dev,convert]"
	touch $@

# Installs the Debian packages whose commands are missing (as root; otherwise says what to run
# and, with $(2) = strict, fails).
define apt_install
	@missing=""; for pair in $(1); do cmd=$${pair%%:*}; pkg=$${pair#*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "install the Debian packages:$$missing (sudo apt-get install$$missing)"; \
	    [ "$(2)" != strict ] || exit 1; fi; fi
endef

system:
	$(call apt_install,$(SYSTEM_COMMANDS),strict)

# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser).
browser:
	$(call apt_install,$(BROWSER_COMMANDS),strict)

clean:
	rm -rf build index/* docs/* .cache $(VENV)
