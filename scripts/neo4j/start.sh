#!/usr/bin/env bash
# Start a throwaway Neo4j Community 5.26 for chainkg's tests, without Docker.
#
#   eval "$(scripts/neo4j/start.sh)"   # sets CHAINKG_TEST_NEO4J_URI=bolt://127.0.0.1:PORT
#   scripts/neo4j/stop.sh
#
# Resolves Neo4j from Maven Central (pom.xml beside this file) into the cache folder, compiles
# StartNeo4j.java, starts it on 127.0.0.1 ($NEO4J_PORT or a free port) with auth off and a fresh
# database, and waits until it answers. Idempotent: a server it already started is reused.
# stdout carries only the export line; logs go to $CACHE/neo4j.log and $CACHE/mvn.log.
# Exit codes: 0 ready, 1 failed to start, 3 java/javac/mvn missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${CHAINKG_NEO4J_CACHE:-$HERE/.cache}"
PID_FILE="$CACHE/neo4j.pid"
PORT_FILE="$CACHE/neo4j.port"
LOG="$CACHE/neo4j.log"
TIMEOUT_S="${NEO4J_START_TIMEOUT:-180}"

for tool in java javac mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "start.sh: '$tool' is not installed; Neo4j for tests needs a JDK 17 and Maven" >&2
        exit 3
    fi
done

running_pid() {  # the PID in $PID_FILE if that process is our launcher, else nothing
    [[ -f "$PID_FILE" ]] || return 0
    local pid
    pid="$(cat "$PID_FILE")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q StartNeo4j; then
        echo "$pid"
    fi
}

port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

mkdir -p "$CACHE"

pid="$(running_pid)"
if [[ -n "$pid" && -f "$PORT_FILE" ]] && port_answers "$(cat "$PORT_FILE")"; then
    echo "export CHAINKG_TEST_NEO4J_URI=bolt://127.0.0.1:$(cat "$PORT_FILE")"
    exit 0
fi
if [[ -n "$pid" ]]; then  # alive but not answering: a half-started server of ours
    "$HERE/stop.sh"
fi
rm -f "$PID_FILE" "$PORT_FILE"

# Resolve the jars once per pom.xml (Maven keeps its own download cache in ~/.m2).
stamp="$(sha256sum "$HERE/pom.xml" | cut -d' ' -f1)"
if [[ ! -f "$CACHE/lib.stamp" || "$(cat "$CACHE/lib.stamp")" != "$stamp" ]]; then
    rm -rf "$CACHE/lib" "$CACHE/classes"
    if ! mvn -q -B -f "$HERE/pom.xml" \
        org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$CACHE/lib" >"$CACHE/mvn.log" 2>&1; then
        echo "start.sh: resolving Neo4j with Maven failed; see $CACHE/mvn.log" >&2
        tail -n 20 "$CACHE/mvn.log" >&2
        exit 1
    fi
    echo "$stamp" >"$CACHE/lib.stamp"
fi
if [[ ! -f "$CACHE/classes/StartNeo4j.class" || "$HERE/StartNeo4j.java" -nt "$CACHE/classes/StartNeo4j.class" ]]; then
    mkdir -p "$CACHE/classes"
    javac -nowarn -cp "$CACHE/lib/*" -d "$CACHE/classes" "$HERE/StartNeo4j.java" >"$CACHE/javac.log" 2>&1 || {
        echo "start.sh: compiling StartNeo4j.java failed; see $CACHE/javac.log" >&2
        exit 1
    }
fi

port="${NEO4J_PORT:-}"
if [[ -z "$port" ]]; then
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
elif port_answers "$port"; then
    echo "start.sh: port $port (NEO4J_PORT) is already in use" >&2
    exit 1
fi

# Flags from Neo4j 5.x's own neo4j.conf for Java 17; heap capped (an unbounded heap can get the
# process killed on a loaded host) and taken whole at start ($NEO4J_HEAP, default 3g: a write
# transaction's state lives on the heap, and on 1 GB a 10k-firm register's write took 7-12 s, a
# fifth of it in young collections copying that state, against 4.1-4.6 s on 2 GB). A fixed young
# generation ($NEO4J_YOUNG, default 1g; G1 alone kept it near 150 MB) lets most of a batch's
# state die before a collection copies it: a 10k-firm register's write 7.7 s -> 6.1 s, its young
# collections 1.8 s -> 0.8 s (docs/scale.md, fourth round); the old generation keeps the 2 GB
# the former 2 GB heap gave a large transaction. The page cache and transaction limits are in
# neo4j.conf beside this file.
heap="${NEO4J_HEAP:-3g}"
young="${NEO4J_YOUNG:-1g}"
JAVA_OPTS=("-Xms$heap" "-Xmx$heap" "-Xmn$young" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-OmitStackTraceInFastThrow
    -XX:+UnlockExperimentalVMOptions -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC
    "-Dchainkg.neo4j.conf=$HERE/neo4j.conf"
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
    -Dio.netty.tryReflectionSetAccessible=true -Dlog4j2.disable.jmx=true -Dfile.encoding=UTF-8)
# shellcheck disable=SC2206  # extra options are meant to split on spaces
[[ -n "${NEO4J_JAVA_OPTS:-}" ]] && JAVA_OPTS+=($NEO4J_JAVA_OPTS)

rm -rf "$CACHE/home"  # a fresh database every start
started="$(date +%s)"
java "${JAVA_OPTS[@]}" -cp "$CACHE/classes:$CACHE/lib/*" StartNeo4j "$CACHE/home" "$port" \
    </dev/null >"$LOG" 2>&1 &
pid=$!
echo "$pid" >"$PID_FILE"
echo "$port" >"$PORT_FILE"

while true; do
    if grep -q '^NEO4J_READY' "$LOG" && port_answers "$port"; then
        break
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "start.sh: Neo4j exited during start-up; last lines of $LOG:" >&2
        tail -n 20 "$LOG" >&2
        rm -f "$PID_FILE" "$PORT_FILE"
        exit 1
    fi
    if (($(date +%s) - started >= TIMEOUT_S)); then
        echo "start.sh: Neo4j was not ready after ${TIMEOUT_S}s; see $LOG" >&2
        "$HERE/stop.sh"
        exit 1
    fi
    sleep 0.5
done
echo "ready after $(($(date +%s) - started))s on port $port (pid $pid)" >>"$CACHE/start.log"
echo "export CHAINKG_TEST_NEO4J_URI=bolt://127.0.0.1:$port"
