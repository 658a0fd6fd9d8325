#!/usr/bin/env bash
# Memory per idle Socket.IO connection (issue 17): each server of bench/socketio-lib.sh (the same
# applications as bench/run-socketio.sh) pinned to SERVER_CPU, then:
#   1. warm-up: WARM sockets opened over 5 s, held 3 s and closed (`load --protocol socketio --opt
#      workload=connscale`), so the baseline has the socket.io code loaded and compiled (a cold
#      JVM on a loaded CPU answered too few CONNECTs within the tool's timeout when 10,000 came at
#      once: the tool's reconnections then piled up on it)
#   2. baseline: the idle server's RSS (VmRSS of /proc/PID/status) and, for the JVMs, the heap
#      used after a forced full GC (`jcmd PID GC.run`, then `jstat -gc`: survivors + eden + old)
#   3. CONNECTIONS sockets opened over RAMP_UP seconds by the load tool (pinned to CLIENT_CPU, a
#      process of its own: the server's and the tool's sockets each stay under 20,000 open files)
#      and held, answering the server's pings; once the server has CONNECTIONS established TCP
#      connections on its port (ss) and SETTLE seconds have passed, RSS and heap after GC again
#   4. per connection: (with - baseline) / CONNECTIONS; the load tool's report must show every
#      socket opened and none closed early, else the row says so
# Node's heap cannot be collected from outside: its row has RSS only. One round: these figures
# vary little between runs (the table says what varies).
# Run on its own or by bench/run-socketio.sh (MEMORY=1, which passes WORK_PARENT). About 3 minutes.
#
# Knobs (environment, defaults in brackets):
#   CONNECTIONS [10000]  WARM [1000]  RAMP_UP [20] seconds  SETTLE [3] seconds  SERVERS ["switchboard node netty-socketio"]
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18391]  SERVER_JAR [server/target/switchboard-server.jar]
#   CLIENT_JAR [client/target/switchboard-client.jar]  JAVA [java]  JAVA_OPTS [] for the JVM servers
#   WORK_PARENT [] a directory to work in (its prepared servers reused)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONNECTIONS=${CONNECTIONS:-10000} WARM=${WARM:-1000} RAMP_UP=${RAMP_UP:-20} SETTLE=${SETTLE:-3}
SERVERS=${SERVERS:-switchboard node netty-socketio}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-18391}
SERVER_JAR=${SERVER_JAR:-server/target/switchboard-server.jar}
CLIENT_JAR=${CLIENT_JAR:-client/target/switchboard-client.jar}
JAVA=${JAVA:-java} JAVA_OPTS=${JAVA_OPTS:-}
for tool in python3 taskset ss jcmd jstat; do
    command -v "$tool" >/dev/null || { echo "${0##*/}: $tool is missing" >&2; exit 1; }
done
for jar in "$SERVER_JAR" "$CLIENT_JAR"; do
    [ -f "$jar" ] || { echo "${0##*/}: $jar is missing; build with ./mvnw -B -ntp -pl server,client -am -DskipTests package" >&2; exit 1; }
done
SERVER_JAR=$(realpath "$SERVER_JAR") CLIENT_JAR=$(realpath "$CLIENT_JAR")
if [ -n "${WORK_PARENT:-}" ]; then WORK=$WORK_PARENT; else WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-socketio-memory.XXXXXX"); fi
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/socketio-lib.sh
source "$ROOT/bench/socketio-lib.sh"
# shellcheck disable=SC2086
sio_prepare $SERVERS
started=$SECONDS

connscale() { # LABEL CONNECTIONS RAMP_UP DURATION: the load tool in the background (its pid: load_pid)
    taskset -c "$CLIENT_CPU" "$JAVA" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -c "$2" --ramp-up "$3" -d "$4" --timeout 30s --json "$WORK/$1.json" -q --opt workload=connscale \
        > "$WORK/$1.txt" 2>&1 &
    load_pid=$!
}

established() { ss -Htn state established "( sport = :$PORT )" | wc -l; }

kib() { # PID SERVER: "RSS_KiB HEAP_KiB" (heap after a full GC; "n/a" for node, which is no JVM:
    # jcmd's attach would send it a SIGQUIT, which ends it)
    local pid=$1 rss heap=n/a
    if ! rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null); then
        echo "n/a n/a" # the server is gone (its log says why)
        return
    fi
    if [ "$2" != node ] && jcmd "$pid" GC.run > /dev/null 2>&1; then
        sleep 0.5
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
        heap=$(jstat -gc "$pid" | awk 'NR == 1 {for (i = 1; i <= NF; i++) c[$i] = i}
            NR == 2 {printf "%.0f", $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]}')
        [ -n "$heap" ] || heap=n/a
    fi
    echo "$rss $heap"
}

: > "$WORK/memory.tsv"
for server in $SERVERS; do
    echo "==> memory: $server, $CONNECTIONS idle sockets" >&2
    sio_start "$server" "$PORT"
    connscale "mem-warmup-$server" "$WARM" 5s 8s
    wait "$load_pid" || true
    for ((i = 0; i < 50 && $(established) > 0; i++)); do sleep 0.2; done
    read -r base_rss base_heap <<< "$(kib "$server_pid" "$server")"
    # Held until RAMP_UP + SETTLE + 25 s: time to measure, then the tool ends by itself with its report.
    connscale "mem-$server" "$CONNECTIONS" "${RAMP_UP}s" "$((RAMP_UP + SETTLE + 25))s"
    # Until the server holds them all, or (after the ramp) 5 s without one more, or RAMP_UP + 12 s.
    held=0 last=0 still=0
    for ((i = 0; i < (RAMP_UP + 12) * 5; i++)); do
        held=$(established)
        [ "$held" -ge "$CONNECTIONS" ] && break
        if [ "$held" -gt "$last" ]; then last=$held still=0; else still=$((still + 1)); fi
        [ "$i" -gt $((RAMP_UP * 5)) ] && [ "$still" -ge 25 ] && break
        sleep 0.2
    done
    sleep "$SETTLE"
    held=$(established)
    read -r rss heap <<< "$(kib "$server_pid" "$server")"
    wait "$load_pid" || true
    opened=$(python3 -c 'import json, sys; c = json.load(open(sys.argv[1]))["stages"][0]["counters"]
print(c.get("opened", 0), c.get("closed_early", 0))' "$WORK/mem-$server.json" 2>/dev/null || echo "n/a n/a")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$held" "$base_rss" "$rss" "$base_heap" "$heap" "$opened" \
        >> "$WORK/memory.tsv"
    stop_all
done

python3 - "$WORK/memory.tsv" "$CONNECTIONS" <<'PY'
import sys
rows, n = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])], int(sys.argv[2])
print()
print(f"memory per idle Socket.IO connection at {n:,} WebSocket connections (one round; idle baseline subtracted)")
print(f"  {'server':<16} {'held':>7} {'rss_base_MiB':>13} {'rss_MiB':>8} {'rss_B/conn':>11} {'heap_base_MiB':>14} {'heap_MiB':>9} {'heap_B/conn':>12}")
for server, held, brss, rss, bheap, heap, tool in rows:
    held = int(held or 0)
    num = lambda k: k not in ("", "n/a")
    mib = lambda k: f"{int(k) / 1024:,.1f}" if num(k) else "n/a"
    per = lambda a, b: f"{(int(b) - int(a)) * 1024 / held:,.0f}" if held and num(a) and num(b) else "n/a"
    opened, early = tool.split()
    note = "" if held >= n and opened == str(n) and early == "0" else \
        f"   (server held {held:,}; the tool opened {opened}, {early} closed early: see mem-{server}.txt)"
    jvm = server != "node"
    if not num(rss):
        note = "   (the server was gone when measured: see its log)"
    print(f"  {server:<16} {held:>7,} {mib(brss):>13} {mib(rss):>8} {per(brss, rss):>11}"
          f" {mib(bheap) if jvm else 'n/a':>14} {mib(heap) if jvm else 'n/a':>9} {per(bheap, heap) if jvm else 'n/a':>12}{note}")
PY
echo "(servers on CPU $SERVER_CPU, the load tool on CPU $CLIENT_CPU; heap: jstat -gc after jcmd GC.run; took $((SECONDS - started))s; files in $WORK)"
