# Shortcuts; each target is one line of the README.
.PHONY: install build serve test lint check-data

install:
	python3 -m pip install --quiet -e .

build: install
	chainkg build && chainkg stats

serve: install
	chainkg serve

test:
	scripts/test.sh

lint:
	python3 -m ruff check graph ingest analysis workflow api tests && python3 -m mypy && lint-imports

check-data:
	python3 -m ingest.curated
