#!/usr/bin/env bash
# System calls per round trip of run-socketio.sh's echo workload (CONNS sockets, one emit with ack in
# flight each), for each of SERVERS (the servers of bench/socketio-lib.sh): the server pinned to
# SERVER_CPU, the load tool to CLIENT_CPU, WARMUP + DURATION seconds of echo; `perf stat` counts the
# server's syscalls:sys_enter_* tracepoints over WINDOW seconds inside the measured window. Prints
# the counts and their ratio to the round trips of that window (the run's round trips/s x WINDOW, so
# the ratio is an estimate: equal counts of two calls are the exact comparison). Needs perf with
# syscall tracepoints and the jars; run it under bench/rt.sh. About 20 s a server.
#
#   bench/rt.sh env SERVERS="switchboard node" bench/sio-syscalls.sh
#
# Knobs: SERVERS ["switchboard node"]  CONNS [50]  WARMUP [2]  DURATION [6]  WINDOW [4]  TOP [12]
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18490]  SERVER_JAR  CLIENT_JAR  BEFORE_JAR  JAVA  JAVA_OPTS
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SERVERS=${SERVERS:-switchboard node} CONNS=${CONNS:-50} WARMUP=${WARMUP:-2} DURATION=${DURATION:-6}
WINDOW=${WINDOW:-4} TOP=${TOP:-12} PORT=${PORT:-18490}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1}
SERVER_JAR=$(realpath "${SERVER_JAR:-server/target/switchboard-server.jar}")
CLIENT_JAR=$(realpath "${CLIENT_JAR:-client/target/switchboard-client.jar}")
JAVA=${JAVA:-java} JAVA_OPTS=${JAVA_OPTS:-} BEFORE_JAR=${BEFORE_JAR:-}
command -v perf > /dev/null || { echo "${0##*/}: perf is missing" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-sio-syscalls.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/socketio-lib.sh
source "$ROOT/bench/socketio-lib.sh"
# shellcheck disable=SC2086
sio_prepare $SERVERS
for server in $SERVERS; do
    sio_start "$server" "$PORT"
    sio_echo_opts "$server"
    taskset -c "$CLIENT_CPU" "$JAVA" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -d "${DURATION}s" --warmup "${WARMUP}s" --timeout 30s -c "$CONNS" -q \
        --json "$WORK/$server.json" "${echo_opts[@]}" > "$WORK/$server.txt" 2>&1 &
    load_pid=$!
    # Into the measured window: connections (about a second), the warm-up, then half a second.
    sleep "$(python3 -c "print($WARMUP + 1.5 + max(0, ($DURATION - $WINDOW) / 2 - 1))")"
    perf stat -x, -e 'syscalls:sys_enter_*' -p "$server_pid" -- sleep "$WINDOW" 2> "$WORK/perf-$server.csv" || true
    wait "$load_pid" || true
    python3 - "$server" "$WORK/$server.json" "$WORK/perf-$server.csv" "$WINDOW" "$TOP" <<'PY'
import json, sys
server, report, counts, window, top = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
try:
    rate = json.load(open(report))["stages"][0]["totals"]["rate"]
except Exception:
    print(f"== {server}: the load run failed (see {report[:-5]}.txt)"); sys.exit()
rows = []
for line in open(counts):
    f = line.split(",")
    if len(f) > 2 and f[0].strip().isdigit() and int(f[0]) > 0:
        rows.append((int(f[0]), f[2].replace("syscalls:sys_enter_", "")))
rows.sort(reverse=True)
print(f"== {server}: {rate:,.0f} round trips/s; over {window:g} s of it, per round trip:")
for n, name in rows[:top]:
    print(f"  {name:<24} {n:>10,} {n / (rate * window):8.3f}")
PY
    stop_all
done
echo "(files in $WORK)"
