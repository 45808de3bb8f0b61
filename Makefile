# Chính quyền số — the commands people expect. `make run` and `make test` are the
# two that a fresh clone needs; both set up what they use.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test test-fast setup setup-dev link-source browser lint bench check-migrations messages clean help

help:
	@echo "make run    – set up (first time) and start the platform with its demo data on SQLite"
	@echo "make test   – set up (first time) and run every test, browser tests included"
	@echo "make lint   – ruff and the migrations check"
	@echo "make bench  – benchmarks under bench/, printing their figures"

run: setup var/secret_key
	@SECRET_KEY="$$(cat var/secret_key)" DEMO_MODE=1 $(PY) manage.py serve --demo

test: setup-dev browser
	$(PY) -m pytest

test-fast: setup-dev
	$(PY) -m pytest -m "not browser"

setup: $(VENV)/.installed node_modules/.installed

setup-dev: $(VENV)/.installed-dev node_modules/.installed

$(VENV)/bin/python:
	@echo "==> Tạo môi trường Python ($(VENV))"
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Cần Python 3.11 (Python 3.11 is required); đặt PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(VENV)/bin/python requirements.lock pyproject.toml
	@echo "==> Cài các thư viện đã khoá (requirements.lock)"
	$(PY) -m pip install --progress-bar on --disable-pip-version-check -r requirements.lock
	@$(MAKE) --no-print-directory link-source
	@touch $@

$(VENV)/.installed-dev: $(VENV)/bin/python requirements-dev.lock pyproject.toml
	@echo "==> Cài các thư viện đã khoá cho kiểm thử (requirements-dev.lock)"
	$(PY) -m pip install --progress-bar on --disable-pip-version-check -r requirements-dev.lock
	@$(MAKE) --no-print-directory link-source
	@touch $@ $(VENV)/.installed

# The project's own code is used in place (like an editable install, without a build
# step): a .pth file puts src/ on the environment's path.
link-source:
	@$(PY) -c 'import pathlib, sysconfig; pathlib.Path(sysconfig.get_paths()["purelib"], "chinhquyenso.pth").write_text(str(pathlib.Path("src").resolve()) + "\n")'

node_modules/.installed: package.json package-lock.json
	@echo "==> Cài tài nguyên giao diện (htmx) từ npm"
	@command -v npm >/dev/null || { echo "Cần Node.js và npm để cài tài nguyên giao diện (npm is required)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

browser:
	@bash scripts/ensure-chromium.sh

lint: setup-dev
	$(VENV)/bin/ruff check src tests bench
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

check-migrations: setup-dev
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

messages: setup-dev
	cd src/chinhquyenso && DEBUG=1 ../../$(PY) ../../manage.py makemessages -l vi -l en --no-obsolete
	cd src/chinhquyenso && DEBUG=1 ../../$(PY) ../../manage.py compilemessages

bench: setup-dev
	@for b in bench/*.py; do echo "== $$b"; DEBUG=1 $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules var/static
