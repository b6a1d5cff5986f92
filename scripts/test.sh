#!/usr/bin/env bash
# The one command that runs every test (README, .ci/run): installs what the tests need, starts a
# real Neo4j when Java and Maven are present, runs the whole suite, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m pip install --quiet --disable-pip-version-check -e '.[test]'
scripts/install-system-deps.sh

neo4j_started=""
cleanup() { if [ -n "$neo4j_started" ]; then scripts/neo4j/stop.sh || true; fi; }
trap cleanup EXIT
if [ -z "${CHAINKG_TEST_NEO4J_URI:-}" ] && [ -x scripts/neo4j/start.sh ]; then
  if neo4j_env="$(scripts/neo4j/start.sh)"; then
    eval "$neo4j_env"
    neo4j_started=1
    echo "Neo4j for tests: $CHAINKG_TEST_NEO4J_URI" >&2
  else
    echo "no Neo4j for tests (see above): its tests will skip" >&2
  fi
fi

python3 -m ruff check graph ingest analysis workflow api tests scripts notebooks
python3 -m mypy
lint-imports
python3 -m pytest "$@"
