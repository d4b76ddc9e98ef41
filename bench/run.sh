#!/usr/bin/env bash
# Reproduces the benchmark figures: builds everything in release, then for every workload starts
# each server afresh pinned to CPU 0, runs the load generator pinned to CPU 1 against it, stops the
# server, and prints the generator's Markdown. Only ever talks to 127.0.0.1.
#
#   bench/run.sh                                  # every workload against every server
#   WORKLOADS="small medium" DURATION=10 bench/run.sh
#   TARGETS="discock ref" bench/run.sh            # a subset of the servers
#
# Environment: WORKLOADS (ingest idle small medium big step), TARGETS (discock ref node),
# DURATION (seconds, passed to the generator as --duration; unset = its default),
# BENCH_ARGS (more generator flags, word-split), KEEP_TMP=1 (keep databases and server logs).
# LIMITS=off (default) runs discock with every rate limit off: the generator registers thousands
# of users from one address and sends far faster than a person. LIMITS=on sets every limit high
# enough never to be hit, to measure what checking them costs.
# Servers: discock = target/release/discock on SQLite (BCRYPT_COST=4), ref = discock-ref (no storage,
# the ceiling), node = bench/node-peer/server.js (ws + better-sqlite3; `npm ci` runs if needed).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
HOST=127.0.0.1
WORKLOADS=${WORKLOADS:-ingest idle small medium big step}
TARGETS=${TARGETS:-discock ref node}
DURATION=${DURATION:-}
LIMITS=${LIMITS:-off}
case $LIMITS in
    # Every load-generator connection comes from one address, hence no per-address cap when off.
    off) LIMIT_ENV=(RATE_LIMIT_MESSAGES=off RATE_LIMIT_ROOMS=off RATE_LIMIT_LOGIN=off RATE_LIMIT_REGISTER=off MAX_CONNECTIONS_PER_USER=off MAX_CONNECTIONS_PER_ADDRESS=0) ;;
    on) LIMIT_ENV=(RATE_LIMIT_MESSAGES=1000000/1 RATE_LIMIT_ROOMS=1000000/1 RATE_LIMIT_LOGIN=1000000/1 RATE_LIMIT_REGISTER=1000000/1 MAX_CONNECTIONS_PER_USER=10000 MAX_CONNECTIONS_PER_ADDRESS=100000) ;;
    *) echo "run.sh: LIMITS must be off or on, got '$LIMITS'" >&2; exit 1 ;;
esac
BENCH_ARGS=${BENCH_ARGS:-}
declare -A PORTS=([discock]=8080 [ref]=8090 [node]=8091)

die() {
    echo "run.sh: $*" >&2
    exit 1
}

for w in $WORKLOADS; do
    case $w in idle | small | medium | big | step | ingest) ;; *) die "unknown workload '$w' (idle small medium big step ingest)" ;; esac
done
for t in $TARGETS; do
    case $t in discock | ref | node) ;; *) die "unknown target '$t' (discock ref node)" ;; esac
done
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (server on CPU 0, generator on CPU 1)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"

# Sockets: every connection costs the generator and the server a descriptor each.
if ! ulimit -n 65536 2>/dev/null; then
    ulimit -n "$(ulimit -Hn)"
    echo "run.sh: could not raise the open-file limit to 65536; using the hard limit $(ulimit -n)" >&2
fi

echo "building…" >&2
cargo build --release --bins >&2
cargo build --release -p discock-bench --bins >&2
if [[ " $TARGETS " == *" node "* ]]; then
    command -v node >/dev/null || die "node not found (needed for TARGETS=node)"
    if [ ! -d bench/node-peer/node_modules ]; then
        (cd bench/node-peer && npm ci --no-audit --no-fund) >&2
    fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/discock-bench.XXXXXX")
SERVER_PID=
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    if kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 100); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
}
cleanup() {
    stop_server
    if [ -n "${KEEP_TMP:-}" ]; then
        echo "run.sh: databases and server logs kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

listening() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

# start_server TARGET LOG: starts it on its port, pinned to CPU 0, and waits until it listens.
start_server() {
    local target=$1 log=$2 port=${PORTS[$1]}
    ! listening "$port" || die "something already listens on $HOST:$port; stop it first"
    case $target in
        discock)
            rm -f "$TMP"/bench.db*
            env "${LIMIT_ENV[@]}" HOST=$HOST PORT=$port BCRYPT_COST=4 DATABASE_URL="sqlite://$TMP/bench.db" \
                SECRET_KEY=discock-bench-secret-key-0123456789abcdef \
                taskset -c 0 "$ROOT/target/release/discock" >"$log" 2>&1 &
            ;;
        ref)
            taskset -c 0 "$ROOT/target/release/discock-ref" --addr "$HOST:$port" >"$log" 2>&1 &
            ;;
        node)
            rm -f "$TMP"/node.db*
            PORT=$port DB_PATH="$TMP/node.db" taskset -c 0 node "$ROOT/bench/node-peer/server.js" >"$log" 2>&1 &
            ;;
    esac
    SERVER_PID=$!
    for _ in $(seq 300); do
        listening "$port" && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$log" >&2
    die "$target did not start listening on $HOST:$port"
}

echo "# Discock benchmark"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ·" \
    "$(nproc) CPUs · $(uname -sr) · $(rustc --version | cut -d' ' -f1-2)$(command -v node >/dev/null && echo " · node $(node --version)")" \
    "· server on CPU 0, generator on CPU 1 · open files $(ulimit -n)"
echo
if [ "$LIMITS" = off ]; then
    echo "Discock runs with its rate limits off (LIMITS=off): the generator registers thousands of users from one address and sends faster than the defaults allow."
else
    echo "Discock runs with its rate limits on but set too high to be hit (LIMITS=on), to measure what checking them costs."
fi

failed=0
for workload in $WORKLOADS; do
    for target in $TARGETS; do
        if [ "$workload" = ingest ] && [ "$target" = ref ]; then
            echo "run.sh: skipping ingest against ref: it stores nothing" >&2
            continue
        fi
        echo >&2
        echo "== $workload against $target ==" >&2
        log="$TMP/$target-$workload.log"
        start_server "$target" "$log"
        kind=plain
        [ "$target" = discock ] && kind=discock
        args=(--addr "$HOST:${PORTS[$target]}" --target "$kind" --label "$target" --workload "$workload" --server-pid "$SERVER_PID")
        [ -n "$DURATION" ] && args+=(--duration "$DURATION")
        # shellcheck disable=SC2206 # BENCH_ARGS is meant to be word-split into flags
        args+=($BENCH_ARGS)
        echo
        echo "## $workload · $target"
        if ! taskset -c 1 "$ROOT/target/release/discock-bench" "${args[@]}"; then
            echo "run.sh: the generator failed for $workload against $target; server log tail:" >&2
            tail -n 20 "$log" >&2
            failed=1
        fi
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "run.sh: $target exited during the run; log tail:" >&2
            tail -n 20 "$log" >&2
            failed=1
        fi
        stop_server
    done
done
exit "$failed"
