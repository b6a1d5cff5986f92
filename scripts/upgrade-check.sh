#!/usr/bin/env bash
# Tries the newest versions pyproject.toml allows, as a maintainer's scheduled check: resolves a
# fresh lock into a temporary folder, lists the packages whose versions differ from
# requirements-lock.txt, installs them into a throwaway virtualenv and runs the whole test
# command there. Exit 0: the newest versions pass (refresh with `make lock`); 1: something broke
# (the output above names it). The project's lock and virtualenv are not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VIRTUAL_ENV:-$PWD/.venv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$venv/bin/uv" pip compile --quiet --upgrade --universal --python-version 3.11 \
  --extra test --extra notebooks pyproject.toml -o "$work/lock.txt"

pins() { grep -E '^[A-Za-z0-9_.-]+==' "$1" | sed -E 's/ *;.*//' | sort -u; }
changed="$(join -t= -j1 <(pins requirements-lock.txt | sed 's/==/=/' | sort -t= -k1,1) \
  <(pins "$work/lock.txt" | sed 's/==/=/' | sort -t= -k1,1) | awk -F= '$2 != $3 {print "  " $1 " " $2 " -> " $3}')"
if [ -z "$changed" ]; then
  echo "upgrade-check: the lock already has the newest versions; nothing to try"
  exit 0
fi
echo "upgrade-check: newer versions available:"
echo "$changed"

python3 -m venv "$work/venv"
if VIRTUAL_ENV="$work/venv" CHAINKG_LOCK="$work/lock.txt" scripts/test.sh -q -x -p no:cacheprovider \
  >"$work/test.log" 2>&1; then
  echo "upgrade-check: PASS: the whole test command passes on the newest versions; run \`make lock\` and commit"
  tail -n 1 "$work/test.log"
else
  echo "upgrade-check: FAIL: the newest versions break the tests; the last lines:"
  tail -n 40 "$work/test.log"
  exit 1
fi
