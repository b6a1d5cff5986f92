#!/usr/bin/env bash
# Stop the Neo4j that scripts/neo4j/start.sh started: by the PID it recorded, and only if that
# PID is still our launcher. Idempotent and quiet; a clean shutdown takes about ten seconds.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CHAINKG_NEO4J_CACHE:-$HERE/.cache}"
PID_FILE="$CACHE/neo4j.pid"
PORT_FILE="$CACHE/neo4j.port"

[[ -f "$PID_FILE" ]] || exit 0
pid="$(cat "$PID_FILE")"
is_ours() { [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q StartNeo4j; }

if is_ours; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do  # up to 60 s for the shutdown hook to close the store
        is_ours || break
        sleep 0.5
    done
    if is_ours; then
        echo "stop.sh: Neo4j (pid $pid) ignored SIGTERM for 60s; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
fi
rm -f "$PID_FILE" "$PORT_FILE"
