#!/usr/bin/env bash
# How the two event loops of run-http.sh's 16-byte row meet: nginx and Switchboard (set up as in
# bench/run-http.sh, each pinned to SERVER_CPU, wrk -t1 -c50 on CLIENT_CPU) take turns for ROUNDS
# rounds, and for each wrk run it prints the rate and, per request, wrk's own CPU time (user and
# system, from /usr/bin/time) and the system calls of the server and of wrk that shape the
# row (epoll waits, reads, writes; perf stat on the syscalls:sys_enter_* tracepoints over
# WINDOW seconds inside the run). The fewer epoll waits wrk makes per request, the more responses
# each of its wake-ups finds, and the faster the row.
#
#   bench/http-loops.sh        (under bench/rt.sh on a shared machine)
#
# Needs wrk, nginx, curl, perf and /usr/bin/time (Debian: wrk nginx-light curl linux-perf time).
# Knobs: ROUNDS [3], DURATION [6] s per wrk run (WINDOW [4] s of it counted), CONNS [50],
# SERVER_CPU [0], CLIENT_CPU [1], BASE_PORT [18180], JAR [server/target/switchboard-server.jar].
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-6}
WINDOW=${WINDOW:-4}
CONNS=${CONNS:-50}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18180}
JAR=${JAR:-server/target/switchboard-server.jar}
for tool in wrk nginx curl perf taskset /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "http-loops.sh: $tool is missing (apt-get install -y wrk nginx-light curl linux-perf time)" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "http-loops.sh: $JAR is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }
[ "$WINDOW" -lt "$DURATION" ] || { echo "http-loops.sh: WINDOW must be shorter than DURATION" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-http-loops.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
SB=$BASE_PORT
NGINX=$((BASE_PORT + 1))
mkdir -p "$WORK/root"
chmod -R a+rX "$WORK"
body=$(printf '{"status":"up"}')

taskset -c "$SERVER_CPU" java -jar "$JAR" --bind 127.0.0.1 --framed-port off --echo-port off --udp-port off \
    --http-port "$SB" --static-root "$WORK/root" --io-threads 1 > "$WORK/sb.log" 2>&1 &
pids+=($!)
sb_pid=$!
start_nginx "$WORK" "$NGINX" "$SERVER_CPU" "" "        location = /healthz {
            default_type application/json;
            return 200 '$body\n';
        }"
wait_port "$NGINX"
wait_port "$SB"
for port in "$NGINX" "$SB"; do
    [ "$(curl -sf "http://127.0.0.1:$port/healthz")" = "$body" ] \
        || { echo "http-loops.sh: the server on $port does not answer /healthz with $body" >&2; exit 1; }
done
# nginx's worker does the work; its master only watches it.
worker=$(pgrep -P "$nginx_pid" | head -1)
[ -n "$worker" ] || { echo "http-loops.sh: no nginx worker" >&2; exit 1; }

events=syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_pwait2
events+=,syscalls:sys_enter_recvfrom,syscalls:sys_enter_read,syscalls:sys_enter_sendto,syscalls:sys_enter_write
events+=,syscalls:sys_enter_writev
# perf stat's CSV lines as "name=count per request" for counts above 0.005 per request.
per_request() { # file requests
    awk -F, -v n="$2" '/^[0-9]/ {name = $3; sub(/.*sys_enter_/, "", name);
        if ($1 / n > 0.005) printf " %s=%.3f", name, $1 / n}' "$1"
}
run() { # name port server-pid
    local url="http://127.0.0.1:$2/healthz" wrk_pid perf_pid rate
    taskset -c "$CLIENT_CPU" /usr/bin/time -f "%U %S" -o "$WORK/$1.time" \
        wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url" > "$WORK/$1.wrk" &
    local time_pid=$!
    sleep 1
    wrk_pid=$(pgrep -P "$time_pid" wrk | head -1)
    perf stat -x, -e "$events" -p "$3" -o "$WORK/$1.server" sleep "$WINDOW" &
    perf_pid=$!
    perf stat -x, -e "$events" -p "$wrk_pid" -o "$WORK/$1.client" sleep "$WINDOW"
    wait "$perf_pid" "$time_pid"
    rate=$(awk '/Requests\/sec/ {print $2}' "$WORK/$1.wrk")
    local total window
    total=$(awk '/requests in/ {print $1}' "$WORK/$1.wrk")
    window=$(awk -v r="$rate" -v w="$WINDOW" 'BEGIN {printf "%d", r * w}')
    read -r user sys < "$WORK/$1.time"
    printf '%-12s %9.0f req/s  wrk CPU/req: user %.2f us, sys %.2f us\n' "$1" "$rate" \
        "$(awk -v u="$user" -v n="$total" 'BEGIN {print u * 1e6 / n}')" "$(awk -v s="$sys" -v n="$total" 'BEGIN {print s * 1e6 / n}')"
    printf '%12s server:%s\n' "" "$(per_request "$WORK/$1.server" "$window")"
    printf '%12s wrk:   %s\n' "" "$(per_request "$WORK/$1.client" "$window")"
}

# Warm-up: the JIT, and both servers' connections.
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d8s "http://127.0.0.1:$SB/healthz" > /dev/null
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d4s "http://127.0.0.1:$NGINX/healthz" > /dev/null
echo "(per request: counts over ${WINDOW}s inside each ${DURATION}s run, over the run's rate times ${WINDOW}s)"
for ((round = 1; round <= ROUNDS; round++)); do
    if ((round % 2)); then order=(nginx switchboard); else order=(switchboard nginx); fi
    for s in "${order[@]}"; do
        if [ "$s" = nginx ]; then run "nginx-$round" "$NGINX" "$worker"; else run "switchboard-$round" "$SB" "$sb_pid"; fi
    done
done
echo "(reports in $WORK)"
