#!/usr/bin/env bash
# The one command that runs every test (README, .ci/run): installs what the tests need (Python
# packages from the lock, Debian's Chromium and CJK fonts when missing), starts a real Neo4j when
# Java and Maven are present, lints, runs the whole suite, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install.sh test
venv="${VIRTUAL_ENV:-$PWD/.venv}"
export PATH="$venv/bin:$PATH"
scripts/install-system-deps.sh

# The reference data beside the project (../shared/data), as CI uses it, when it is there.
if [ -z "${CHAINKG_REFERENCE_DATA:-}" ] && [ -d ../shared/data ]; then
  export CHAINKG_REFERENCE_DATA="$(cd ../shared/data && pwd)"
fi

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

python -m ruff check graph ingest analysis workflow api tests scripts notebooks
python -m ruff format --check graph ingest analysis workflow api tests scripts notebooks
python -m mypy
lint-imports
python -m pytest "$@"
