#!/usr/bin/env bash
# Installs chainkg into its virtualenv from the lock, only when something changed.
#
#   scripts/install.sh app    # the app: chainkg and its runtime packages
#   scripts/install.sh test   # also the test tools (pytest, ruff, mypy, schemathesis, ...)
#
# The virtualenv is $VIRTUAL_ENV when one is active, else .venv in the project (created here).
# Versions come from requirements-lock.txt (or $CHAINKG_LOCK), made by `make lock`; pyproject.toml
# keeps the lower bounds. A stamp in the virtualenv records what was installed (lock, pyproject,
# extras): when it matches, nothing is installed and no package index is asked, so a second
# `make serve` works with the index unreachable (PIP_NO_INDEX=1).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-app}"
case "$mode" in
app) spec="." ;;
test) spec=".[test]" ;;
*)
  echo "install.sh: unknown mode '$mode' (app or test)" >&2
  exit 2
  ;;
esac
lock="${CHAINKG_LOCK:-requirements-lock.txt}"
venv="${VIRTUAL_ENV:-$PWD/.venv}"

if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "install.sh: chainkg needs Python >= 3.11; python3 is $(python3 --version 2>&1)" >&2
    exit 1
  fi
  echo "creating the virtualenv $venv ..." >&2
  python3 -m venv "$venv"
fi

stamp_file="$venv/.chainkg-install"
want="$(cat "$lock" pyproject.toml | sha256sum | cut -d' ' -f1) $mode"
have="$(cat "$stamp_file" 2>/dev/null || true)"
# An installed `test` covers `app`; anything else that differs means install again.
if [ "$have" = "$want" ] || { [ "$mode" = app ] && [ "$have" = "${want% *} test" ]; }; then
  exit 0
fi
echo "installing chainkg ($mode) into $venv from $lock ..." >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -c "$lock" -e "$spec"
echo "$want" >"$stamp_file"
