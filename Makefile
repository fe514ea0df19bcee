# Baton — the two commands a newcomer runs: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BASE_PACKAGES := libsqlite3-dev libxlsxwriter-dev pkg-config sqlite3
TEST_PACKAGES := chromium prometheus python3-pip zsh fish libreoffice-calc-nogui poppler-utils
DEMO_DIR ?= demo
BATON_RELEASE := .build/release/baton
# `make install`: PREFIX/bin/baton, PREFIX/share/baton/{queries,reports,samples}, the man page and completions, under
# DESTDIR when given (packaging). BATON_BIN installs another build (the tests install the debug one); by default the
# release build, built first.
PREFIX ?= /usr/local
DESTDIR ?=
BATON_BIN ?= $(BATON_RELEASE)

# Installs the Debian packages in $(1) that are missing, with one `apt-get update` first.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

.PHONY: deps test-deps build release test demo bench bench-pip fuzz install uninstall clean

deps:
	$(call apt_install,$(BASE_PACKAGES))

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))
	@python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install -q openpyxl || python3 -m pip install -q --break-system-packages openpyxl
	@python3 -c 'import pm4py' 2>/dev/null || python3 -m pip install -q pm4py || python3 -m pip install -q --break-system-packages pm4py

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# The real logs in ../shared/data are read by tests that are skipped when the data or a tool they compare with
# (Python, PM4Py, Chromium, promtool, LibreOffice) is missing; where the data is present, such a skip fails the run.
test: test-deps
	$(SWIFT) build --build-tests
	@set -o pipefail; $(SWIFT) test --skip-build 2>&1 | tee .build/test-output.log
	@if [ -d ../shared/data ] && grep -E '\) skipped' .build/test-output.log; then \
		echo "Error: ../shared/data is present, but the tests above were skipped (a missing tool?)"; exit 1; fi

demo: release
	@bash samples/demo.sh "$(BATON_RELEASE)" "$(DEMO_DIR)"

# Generated malformed inputs against the debug binary (not part of `make test`): exit code, message, unchanged store.
fuzz: build
	@python3 samples/fuzz/fuzz.py .build/debug/baton $(FUZZ_ARGS)

# The report benchmark's DuckDB anchor (samples/bench/duckdb_weekly.py) needs Python's duckdb module: installed here,
# for `make bench` only (never by `make test`); without it, that one comparison is skipped with a message.
bench: release
	@python3 -c 'import duckdb' 2>/dev/null || python3 -m pip --version >/dev/null 2>&1 || $(MAKE) --no-print-directory bench-pip
	@python3 -c 'import duckdb' 2>/dev/null || python3 -m pip install -q duckdb || python3 -m pip install -q --break-system-packages duckdb \
		|| echo "Could not install duckdb with pip: the report benchmark skips its DuckDB anchor"
	@bash samples/bench.sh "$(BATON_RELEASE)"

bench-pip:
	$(call apt_install,python3-pip)

install: $(if $(filter $(BATON_RELEASE),$(BATON_BIN)),release)
	@bash tools/install.sh install "$(BATON_BIN)" "$(DESTDIR)" "$(PREFIX)"

# Removes exactly what `make install` wrote with the same PREFIX and DESTDIR (its install-manifest lists it).
uninstall:
	@bash tools/install.sh uninstall "$(DESTDIR)" "$(PREFIX)"

clean:
	rm -rf .build "$(DEMO_DIR)"
