#!/usr/bin/env bash
# Reproduces the benchmark figures: builds everything in release, then for every workload starts
# each server afresh pinned to CPU 0, runs the load generator pinned to CPU 1 against it, stops the
# server, and prints the generator's Markdown. Only ever talks to 127.0.0.1.
#
#   bench/run.sh                                  # every workload against every server
#   WORKLOADS="small medium" DURATION=10 bench/run.sh
#   TARGETS="discock ref" bench/run.sh            # a subset of the servers
#   WORKLOADS=medium TARGETS="discock discock-pg discock-pg2" BENCH_ARGS="--rate 1,2,3" bench/run.sh
#
# Environment: WORKLOADS (ingest idle small medium big step),
# TARGETS (discock discock-pg discock-pg2 ref node; default discock ref node),
# DURATION (seconds, passed to the generator as --duration; unset = its default),
# BENCH_ARGS (more generator flags, word-split), KEEP_TMP=1 (keep databases and server logs).
# LIMITS=off (default) runs discock with every rate limit off: the generator registers thousands
# of users from one address and sends far faster than a person. LIMITS=on sets every limit high
# enough never to be hit, to measure what checking them costs.
# Servers: discock = target/release/discock on SQLite (BCRYPT_COST=4), ref = discock-ref (no storage,
# the ceiling), node = bench/node-peer/server.js (ws + better-sqlite3; `npm ci` runs if needed).
# discock-pg = one discock on PostgreSQL, no Redis; discock-pg2 = two discocks on the same
# PostgreSQL joined through Redis, on ports 8082 and 8083: the generator puts every other
# connection of each room on the second, so half of every room's deliveries cross Redis.
# They use the PostgreSQL at PG_URL (default postgres://postgres@127.0.0.1:5432, a role that may
# create databases) and the Redis at REDIS_URL (default redis://127.0.0.1:6379), both already
# running: each run drops and creates the database PG_DB (default bench_pg) and uses Redis keys
# under a prefix of its own (REDIS_PREFIX), deleted afterwards.
# CPU layout of the PostgreSQL targets: the instance(s), PostgreSQL (postmaster, its helpers and
# every backend) and Redis all share CPU 0, the generator has CPU 1. For the run, PostgreSQL's and
# Redis's running processes are re-pinned to CPU 0 (`taskset -a -p`; new backends inherit it from
# the postmaster) and given back their previous affinity when the run's servers stop (which
# takes root, or the services' user). Their CPU is read too: the table's CPU columns give it
# beside the instances' ("+ N db/Redis": PostgreSQL's postmaster and every process it has at
# the start of each measurement — helpers and the backends of any database, so run nothing else
# against it meanwhile — and redis-server). Where PostgreSQL runs with autovacuum off, the
# script runs ANALYZE on PG_DB every 5 s (ANALYZE_EVERY seconds) during the run in its stead.
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
declare -A PORTS=([discock]=8080 [discock-pg]=8081 [discock-pg2]="8082 8083" [ref]=8090 [node]=8091)
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-bench_pg}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
SECRET=discock-bench-secret-key-0123456789abcdef

die() {
    echo "run.sh: $*" >&2
    exit 1
}

for w in $WORKLOADS; do
    case $w in idle | small | medium | big | step | ingest) ;; *) die "unknown workload '$w' (idle small medium big step ingest)" ;; esac
done
for t in $TARGETS; do
    case $t in discock | discock-pg | discock-pg2 | ref | node) ;; *) die "unknown target '$t' (discock discock-pg discock-pg2 ref node)" ;; esac
done
if [[ " $TARGETS " == *" discock-pg"* ]]; then
    command -v psql >/dev/null || die "psql not found (needed for the PostgreSQL targets)"
    psql "$PG_URL/postgres" -qAtc 'SELECT 1' >/dev/null || die "cannot reach PostgreSQL at $PG_URL"
    PG_PID=$(psql "$PG_URL/postgres" -qAtc "SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")
    PG_MAIN=$(ps -o ppid= -p "$PG_PID" | tr -d ' ')
    [ -n "$PG_MAIN" ] || die "cannot find the PostgreSQL postmaster"
fi
if [[ " $TARGETS " == *" discock-pg2 "* ]]; then
    command -v redis-cli >/dev/null || die "redis-cli not found (needed for TARGETS=discock-pg2)"
    REDIS_PID=$(redis-cli -u "$REDIS_URL" INFO server | sed -n 's/^process_id:\([0-9]*\).*/\1/p')
    [ -n "$REDIS_PID" ] || die "cannot reach Redis at $REDIS_URL"
fi
[ "$(nproc)" -ge 2 ] || die "needs at least 2 CPUs (server on CPU 0, generator on CPU 1)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"

# Sockets: every connection costs the generator and the server a descriptor each.
if ! ulimit -n 65536 2>/dev/null; then
    ulimit -n "$(ulimit -Hn)"
    echo "run.sh: could not raise the open-file limit to 65536; using the hard limit $(ulimit -n)" >&2
fi

echo "building…" >&2
# Only what runs: the other bins (screenshots, search, cities, the crash test) take long to link.
cargo build --release --bin discock >&2
cargo build --release -p discock-bench --bin discock-bench --bin discock-ref >&2
if [[ " $TARGETS " == *" node "* ]]; then
    command -v node >/dev/null || die "node not found (needed for TARGETS=node)"
    if [ ! -d bench/node-peer/node_modules ]; then
        (cd bench/node-peer && npm ci --no-audit --no-fund) >&2
    fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/discock-bench.XXXXXX")
SERVER_PIDS=()
REDIS_PREFIX=
# "pid mask" lines: the affinity PostgreSQL's and Redis's processes had before pin_services.
PINNED=()

# pin_services: PostgreSQL's processes (and Redis's, with redis) onto CPU 0, remembering their
# affinity for unpin_services.
pin_services() {
    local pids=("$PG_MAIN") pid mask
    mapfile -t -O 1 pids < <(pgrep -P "$PG_MAIN")
    [ "${1:-}" = redis ] && pids+=("$REDIS_PID")
    for pid in "${pids[@]}"; do
        mask=$(taskset -p "$pid" 2>/dev/null | sed 's/.*: //') || continue
        taskset -a -p 1 "$pid" >/dev/null || die "cannot pin process $pid to CPU 0 (run as root or as the services' user)"
        PINNED+=("$pid $mask")
    done
}

# unpin_services: gives the pinned processes their affinity back; backends started meanwhile
# get the postmaster's.
unpin_services() {
    [ ${#PINNED[@]} -gt 0 ] || return 0
    local line pid mask main_mask=
    for line in "${PINNED[@]}"; do
        read -r pid mask <<<"$line"
        [ "$pid" = "$PG_MAIN" ] && main_mask=$mask
        taskset -a -p "$mask" "$pid" >/dev/null 2>&1 || true
    done
    if [ -n "$main_mask" ]; then
        for pid in $(pgrep -P "$PG_MAIN"); do
            taskset -p "$main_mask" "$pid" >/dev/null 2>&1 || true
        done
    fi
    PINNED=()
}

# backing_pids: PostgreSQL's postmaster, writers and PG_DB's backends (and redis-server, with
# redis), comma-separated. The generator adds the postmaster's children at the start of each
# measurement: the backends the instances' pools open after this point count too.
backing_pids() {
    local pids
    pids=$(psql "$PG_URL/postgres" -qAtc "SELECT string_agg(pid::text, ',') FROM pg_stat_activity
        WHERE datname = '$PG_DB' OR backend_type IN ('walwriter', 'checkpointer', 'background writer')")
    pids+=",$PG_MAIN"
    [ "${1:-}" = redis ] && pids+=",$REDIS_PID"
    echo "$pids"
}

# analyze_loop: ANALYZE PG_DB every ANALYZE_EVERY (default 5) s while a run lasts, standing in for autovacuum's
# autoanalyze where the server runs without it. Without fresh statistics the plans a connection
# prepared on the empty tables (sequential scans) stay in use while the tables grow.
ANALYZE_PID=
analyze_loop() {
    [ "$(psql "$PG_URL/postgres" -qAtc 'SHOW autovacuum')" = off ] || return 0
    (while sleep ${ANALYZE_EVERY:-5}; do psql "$PG_URL/$PG_DB" -qAtc ANALYZE >/dev/null 2>&1 || true; done) &
    ANALYZE_PID=$!
}

stop_server() {
    local pid
    if [ -n "$ANALYZE_PID" ]; then
        kill "$ANALYZE_PID" 2>/dev/null || true
        wait "$ANALYZE_PID" 2>/dev/null || true
        ANALYZE_PID=
    fi
    for pid in "${SERVER_PIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${SERVER_PIDS[@]}"; do
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PIDS=()
    unpin_services
    if [ -n "$REDIS_PREFIX" ]; then
        redis-cli -u "$REDIS_URL" --scan --pattern "$REDIS_PREFIX:*" | xargs -r redis-cli -u "$REDIS_URL" DEL >/dev/null || true
        REDIS_PREFIX=
    fi
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

# wait_listening PORT PID LOG NAME: waits until PID listens on PORT, or dies with its log.
wait_listening() {
    local port=$1 pid=$2 log=$3 name=$4
    for _ in $(seq 300); do
        listening "$port" && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$log" >&2
    die "$name did not start listening on $HOST:$port"
}

# start_discock PORT LOG DATABASE_URL [VAR=value…]: one discock pinned to CPU 0.
start_discock() {
    local port=$1 log=$2 url=$3
    shift 3
    env "${LIMIT_ENV[@]}" HOST=$HOST PORT="$port" BCRYPT_COST=4 DATABASE_URL="$url" SECRET_KEY=$SECRET "$@" \
        taskset -c 0 "$ROOT/target/release/discock" >"$log" 2>&1 &
    SERVER_PIDS+=($!)
    wait_listening "$port" $! "$log" "discock on port $port"
}

# fresh_pg: drops and creates PG_DB.
fresh_pg() {
    psql "$PG_URL/postgres" -qAt -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" \
        -c "CREATE DATABASE $PG_DB" >/dev/null || die "cannot recreate database $PG_DB at $PG_URL"
}

# start_server TARGET LOG: starts it on its port(s), pinned to CPU 0, and waits until it listens.
# Sets SERVER_PIDS, and BACKING (the database's and Redis's pids) for the PostgreSQL targets.
start_server() {
    local target=$1 log=$2 port
    for port in ${PORTS[$1]}; do
        ! listening "$port" || die "something already listens on $HOST:$port; stop it first"
    done
    port=${PORTS[$1]%% *}
    BACKING=
    case $target in
        discock)
            rm -f "$TMP"/bench.db*
            start_discock "$port" "$log" "sqlite://$TMP/bench.db"
            ;;
        discock-pg)
            fresh_pg
            pin_services
            start_discock "$port" "$log" "$PG_URL/$PG_DB"
            BACKING=$(backing_pids)
            analyze_loop
            ;;
        discock-pg2)
            fresh_pg
            pin_services redis
            REDIS_PREFIX=discock-bench-$$-$RANDOM
            local second=${PORTS[$1]##* }
            # One after the other: the first creates the schema.
            start_discock "$port" "$log" "$PG_URL/$PG_DB" REDIS_URL="$REDIS_URL" REDIS_PREFIX="$REDIS_PREFIX"
            start_discock "$second" "${log%.log}-second.log" "$PG_URL/$PG_DB" REDIS_URL="$REDIS_URL" REDIS_PREFIX="$REDIS_PREFIX"
            BACKING=$(backing_pids redis)
            analyze_loop
            ;;
        ref)
            taskset -c 0 "$ROOT/target/release/discock-ref" --addr "$HOST:$port" >"$log" 2>&1 &
            SERVER_PIDS+=($!)
            wait_listening "$port" $! "$log" "$target"
            ;;
        node)
            rm -f "$TMP"/node.db*
            PORT=$port DB_PATH="$TMP/node.db" taskset -c 0 node "$ROOT/bench/node-peer/server.js" >"$log" 2>&1 &
            SERVER_PIDS+=($!)
            wait_listening "$port" $! "$log" "$target"
            ;;
    esac
}

echo "# Discock benchmark"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ·" \
    "$(nproc) CPUs · $(uname -sr) · $(rustc --version | cut -d' ' -f1-2)$(command -v node >/dev/null && echo " · node $(node --version)")" \
    "· server on CPU 0, generator on CPU 1 · open files $(ulimit -n)"
if [[ " $TARGETS " == *" discock-pg"* ]]; then
    echo
    echo "PostgreSQL targets: $(psql "$PG_URL/postgres" -qAtc 'SHOW server_version') (synchronous_commit" \
        "$(psql "$PG_URL/postgres" -qAtc 'SHOW synchronous_commit'), fsync $(psql "$PG_URL/postgres" -qAtc 'SHOW fsync'))" \
        "$([ -n "${REDIS_PID:-}" ] && echo "· Redis $(redis-cli -u "$REDIS_URL" INFO server | sed -n 's/^redis_version:\([^[:space:]]*\).*/\1/p')")" \
        "· the instances, PostgreSQL and Redis all on CPU 0."
fi
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
        [[ $target == discock* ]] && kind=discock
        addrs=
        for port in ${PORTS[$target]}; do
            addrs+=${addrs:+,}$HOST:$port
        done
        pids=$(IFS=,; echo "${SERVER_PIDS[*]}")
        args=(--addr "$addrs" --target "$kind" --label "$target" --workload "$workload" --server-pid "$pids")
        [ -n "$BACKING" ] && args+=(--backing-pid "$BACKING")
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
        for pid in "${SERVER_PIDS[@]}"; do
            if ! kill -0 "$pid" 2>/dev/null; then
                echo "run.sh: $target (pid $pid) exited during the run; log tail:" >&2
                tail -n 20 "$log" >&2
                failed=1
            fi
        done
        stop_server
    done
done
exit "$failed"
