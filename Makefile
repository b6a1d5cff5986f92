# Shortcuts; each target is one line of the README. Everything runs in the project's virtualenv
# ($VIRTUAL_ENV when one is active, else .venv here), installed from requirements-lock.txt.
.PHONY: install build serve test lint check-data lock upgrade-check

VENV := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV),$(CURDIR)/.venv)
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK_ARGS := --universal --python-version 3.11 --extra test --extra notebooks pyproject.toml

install:
	scripts/install.sh app

build: install
	$(BIN)/chainkg build && $(BIN)/chainkg stats

serve: install
	$(BIN)/chainkg serve --host $(HOST) --port $(PORT)

test:
	scripts/test.sh

lint:
	scripts/install.sh test
	$(BIN)/python -m ruff check graph ingest analysis workflow api tests scripts notebooks && $(BIN)/python -m mypy && $(BIN)/lint-imports

check-data: install
	$(BIN)/python -m ingest.curated

# Refresh the lock to the newest versions pyproject.toml allows (then run `make test` and commit both).
lock:
	scripts/install.sh test
	$(BIN)/uv pip compile --quiet --upgrade $(LOCK_ARGS) -o requirements-lock.txt

# Try the newest versions in a throwaway virtualenv and report what changed and what breaks;
# the lock and the project's virtualenv are left as they are.
upgrade-check:
	scripts/install.sh test
	scripts/upgrade-check.sh
