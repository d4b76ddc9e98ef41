#!/usr/bin/env bash
# The failover drill, as one command: builds in release, creates a fresh PostgreSQL database,
# starts two Discock instances on it joined through Redis, puts HAProxy in front of them
# (WebSockets, leastconn, a health check on GET /health), and runs the `failover` clients: they
# join rooms through the balancer and send at a steady rate; instance a is killed with SIGKILL
# mid-run; every client that loses its socket reconnects through the balancer, resumes its rooms
# with `since` and resends what was not acknowledged with the same client_id. Prints Markdown and
# exits non-zero if anything acknowledged was lost, stored twice, or not delivered to every member
# of its room exactly once and in order. Only ever talks to 127.0.0.1; pins nothing.
#
#   bench/failover.sh
#   CLIENTS=100 DURATION=10 KILL_AT=4 bench/failover.sh
#
# Environment: CLIENTS (240), ROOMS (24), RATE (messages/s per client, 1), DURATION (seconds of
# load, 20), KILL_AT (seconds into the load, 8), FAILOVER_ARGS (more flags of the `failover` bin,
# word-split), POSTGRES (server URL without a database, postgres://postgres@127.0.0.1:5432),
# DRILL_DB (failover_drill: dropped and created afresh), REDIS_URL (redis://127.0.0.1:6379),
# LB_PORT / PORT_A / PORT_B (18180 / 18181 / 18182), KEEP_TMP=1 (keep the logs and configs).
# HAProxy comes from Debian's package: installed with apt-get when missing, run in the
# foreground with a config of its own, never as the system service.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
HOST=127.0.0.1
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
POSTGRES=${POSTGRES:-postgres://postgres@127.0.0.1:5432}
DRILL_DB=${DRILL_DB:-failover_drill}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
LB_PORT=${LB_PORT:-18180}
PORT_A=${PORT_A:-18181}
PORT_B=${PORT_B:-18182}
ARGS=(--clients "${CLIENTS:-240}" --rooms "${ROOMS:-24}" --rate "${RATE:-1}" --duration "${DURATION:-20}" --kill-at "${KILL_AT:-8}")
# shellcheck disable=SC2206 # FAILOVER_ARGS is meant to be word-split into flags
ARGS+=(${FAILOVER_ARGS:-})

die() {
    echo "failover.sh: $*" >&2
    exit 1
}

listening() {
    (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null
}

command -v psql >/dev/null || die "psql not found (postgresql-client)"
for port in "$LB_PORT" "$PORT_A" "$PORT_B"; do
    ! listening "$port" || die "something already listens on $HOST:$port; stop it or set LB_PORT/PORT_A/PORT_B"
done
if ! command -v haproxy >/dev/null; then
    echo "failover.sh: installing haproxy from Debian's packages…" >&2
    # Keep the package's service from starting: only the drill's own haproxy runs.
    no_start=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && no_start=1
    fi
    apt-get update -qq >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >&2 || install_failed=1
    [ -z "$no_start" ] || rm -f /usr/sbin/policy-rc.d
    [ -z "${install_failed:-}" ] || die "could not install haproxy"
fi
if ! ulimit -n 65536 2>/dev/null; then
    ulimit -n "$(ulimit -Hn)"
fi

echo "building…" >&2
cargo build --release --bin discock >&2
cargo build --release -p discock-bench --bin failover >&2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/discock-failover.XXXXXX")
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ -n "${KEEP_TMP:-}" ]; then
        echo "failover.sh: logs and configs kept in $TMP" >&2
    else
        rm -rf "$TMP"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "fresh database $DRILL_DB…" >&2
psql "$POSTGRES/postgres" -q -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $DRILL_DB WITH (FORCE)" -c "CREATE DATABASE $DRILL_DB" >&2
DATABASE_URL="$POSTGRES/$DRILL_DB"

# Both instances share the database, Redis (under a prefix of this run) and the key; every
# connection reaches them from the balancer's address, hence no per-address cap, and the clients
# send faster than one person may, hence no rate limits.
start_instance() {
    local name=$1 port=$2
    env HOST=$HOST PORT="$port" DATABASE_URL="$DATABASE_URL" REDIS_URL="$REDIS_URL" REDIS_PREFIX="failover-$$" \
        SECRET_KEY=discock-failover-drill-secret-0123456789abcdef BCRYPT_COST=4 RUST_LOG=info \
        RATE_LIMIT_MESSAGES=off RATE_LIMIT_ROOMS=off RATE_LIMIT_LOGIN=off RATE_LIMIT_REGISTER=off \
        MAX_CONNECTIONS_PER_USER=off MAX_CONNECTIONS_PER_ADDRESS=0 \
        "$TARGET/release/discock" >"$TMP/$name.log" 2>&1 &
    PIDS+=($!)
    LAST_PID=$!
    for _ in $(seq 300); do
        listening "$port" && return 0
        kill -0 "$LAST_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$TMP/$name.log" >&2
    die "instance $name did not start listening on $HOST:$port"
}
# One after the other: the first creates the schema.
start_instance a "$PORT_A"
PID_A=$LAST_PID
start_instance b "$PORT_B"
PID_B=$LAST_PID

# A dead instance leaves the pool on the first refused connection (observe layer4) or after two
# failed checks 200 ms apart, whichever comes first; a refused connection is retried on the other
# instance (redispatch) after HAProxy's turn-around of min(timeout connect, 1 s), hence a short
# connect timeout (everything is on loopback). WebSockets stay open up to `timeout tunnel`.
cat >"$TMP/haproxy.cfg" <<EOF
global
    maxconn 8192
    log stdout format iso local0 info

defaults
    mode http
    log global
    option dontlognull
    option dontlog-normal
    timeout connect 250ms
    timeout client 90s
    timeout server 90s
    timeout tunnel 1h
    timeout http-request 10s
    retries 3
    option redispatch 1

frontend drill
    bind $HOST:$LB_PORT
    default_backend discock

backend discock
    balance leastconn
    option httpchk
    http-check send meth GET uri /health
    http-check expect status 200
    http-response set-header X-Discock-Backend %[srv_name]
    default-server check inter 500ms fastinter 200ms downinter 1s fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
    server a $HOST:$PORT_A
    server b $HOST:$PORT_B
EOF
haproxy -c -q -f "$TMP/haproxy.cfg" >&2 || die "haproxy refused the config"
haproxy -db -f "$TMP/haproxy.cfg" >"$TMP/haproxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
    listening "$LB_PORT" && break
    sleep 0.1
done
listening "$LB_PORT" || die "haproxy did not listen on $HOST:$LB_PORT: $(tail -n 5 "$TMP/haproxy.log")"

echo "# Failover drill"
echo
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') ·" \
    "$(nproc) CPUs · $(uname -sr) · $(rustc --version | cut -d' ' -f1-2) · $(haproxy -v | head -n1 | cut -d' ' -f1-3) ·" \
    "PostgreSQL $(psql "$DATABASE_URL" -Atc 'SHOW server_version' | cut -d' ' -f1) · nothing pinned ·" \
    "load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Two instances (a on :$PORT_A, b on :$PORT_B) on one PostgreSQL database, joined through Redis," \
    "behind HAProxy on :$LB_PORT (leastconn, GET /health every 500 ms, a refused connection marks" \
    "an instance down and is retried on the other). Instance a is killed with SIGKILL."
echo
status=0
"$TARGET/release/failover" --lb "$HOST:$LB_PORT" --victim-pid "$PID_A" --victim a "${ARGS[@]}" || status=$?

# A second look, straight at the database: one row per (user, client_id), seqs without a gap.
echo
psql "$DATABASE_URL" -At -F ' ' -c "SELECT count(*), count(*) - count(DISTINCT (user_id, client_id)),
    (SELECT coalesce(sum(last_seq), 0) FROM rooms) - (SELECT count(*) FROM room_events) FROM messages" |
    while read -r rows twice gaps; do
        echo "PostgreSQL: $rows messages, $twice stored twice, $gaps seqs without an event."
        [ "$twice" = 0 ] && [ "$gaps" = 0 ] || exit 1
    done || status=1
down=$(grep -E 'Server discock/a is DOWN' "$TMP/haproxy.log" | head -n1 || true)
[ -z "$down" ] || echo "HAProxy: $down"
kill -0 "$PID_B" 2>/dev/null || {
    echo "failover.sh: the surviving instance b exited; log tail:" >&2
    tail -n 20 "$TMP/b.log" >&2
    status=1
}
[ "$status" = 0 ] || echo "failover.sh: the drill FAILED (status $status); logs: $TMP (kept)" >&2
[ "$status" = 0 ] || KEEP_TMP=1
exit "$status"
