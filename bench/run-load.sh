#!/usr/bin/env bash
# Speed of `switchboard-client load` against native load generators on the same servers, each
# server pinned to one CPU and each load generator to the other (issue 5's bar: >= 90%):
#   http: wrk -t1 -c$CONNS            vs  load --protocol http   against nginx serving a 13-byte body
#   raw:  bench/bin/echo_load -c$CONNS vs  load --protocol raw    against bench/bin/echo_server ($SIZE bytes)
# Both tools run closed loop with one request in flight per connection. The JVM tool is pinned to
# one core, where its JIT compilers share the core with the event loop: the warm-up covers them. Needs wrk, nginx, curl
# (Debian: apt-get install -y wrk nginx-light curl), a C compiler, and the client jar.
#
# Environment knobs (defaults in brackets):
#   DURATION [10]   measured seconds per run      WARMUP [10]  warm-up seconds (JIT) per run
#   ROUNDS [3]      runs per tool, alternating; the table compares medians
#   CONNS [50]      connections                   SIZE [64]    raw echo payload bytes
#   SERVER_CPU [0]  CPU for the servers           CLIENT_CPU [1]  CPU for the load generators
#   BASE_PORT [18280]  ports BASE_PORT, BASE_PORT+1
#   JAR [client/target/switchboard-client.jar]    JAVA [java]  JAVA_OPTS []  extra JVM options
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-10}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
SIZE=${SIZE:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18280}
JAR=${JAR:-client/target/switchboard-client.jar}
JAVA=${JAVA:-java}
read -r -a JAVA_OPTS_ARR <<< "${JAVA_OPTS:-}"
for tool in wrk nginx curl taskset make; do
    command -v "$tool" >/dev/null || { echo "run-load.sh: $tool is missing (apt-get install -y wrk nginx-light curl util-linux make gcc)" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "run-load.sh: $JAR is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }
make -s -C bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-load-bench.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

NGINX=$BASE_PORT
ECHO=$((BASE_PORT + 1))
mkdir -p "$WORK/root"
printf 'Hello, world\n' > "$WORK/root/index.html"   # 13 bytes
chmod -R a+rX "$WORK"
start_nginx "$WORK" "$NGINX" "$SERVER_CPU" "    types { text/html html; }" "        root $WORK/root;"
taskset -c "$SERVER_CPU" bench/bin/echo_server "$ECHO" > "$WORK/echo_server.log" 2>&1 &
pids+=($!)
wait_port "$NGINX"
wait_port "$ECHO"
[ "$(curl -sf "http://127.0.0.1:$NGINX/" | wc -c)" -eq 13 ] || { echo "run-load.sh: nginx does not serve the 13-byte body" >&2; exit 1; }

# load RUN_LABEL ARGS...: one switchboard-client load run on CLIENT_CPU; prints its req/s.
load() {
    local label=$1
    shift
    taskset -c "$CLIENT_CPU" "$JAVA" "${JAVA_OPTS_ARR[@]}" -jar "$JAR" load "$@" -c "$CONNS" --threads 1 \
        -d "${DURATION}s" --warmup "${WARMUP}s" --json "$WORK/$label.json" > "$WORK/$label.txt" 2> "$WORK/$label.err"
    # totals.rate of the first (only) stage
    awk '/"totals"/ {t = 1} t && /"rate"/ {gsub(/,/, "", $3); print $3; exit}' "$WORK/$label.json"
}

# Runs alternate (native, load, native, load, ...) so that a slow phase of a shared machine hits
# both tools alike; the table compares the medians and lists every run.
wrk_all=() http_all=() echo_all=() raw_all=()
for ((round = 1; round <= ROUNDS; round++)); do
    echo "==> round $round/$ROUNDS: wrk -t1 -c$CONNS vs load --protocol http (nginx, 13-byte body); ${WARMUP}s warm-up, ${DURATION}s measured" >&2
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "http://127.0.0.1:$NGINX/" > /dev/null
    wrk_out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "http://127.0.0.1:$NGINX/")
    printf '%s\n' "$wrk_out" > "$WORK/wrk-$round.txt"
    wrk_all+=("$(awk '/Requests\/sec/ {print $2}' <<< "$wrk_out")")
    http_all+=("$(load "http-$round" --protocol http --target "http://127.0.0.1:$NGINX/")")

    echo "==> round $round/$ROUNDS: echo_load vs load --protocol raw (C echo server, $SIZE bytes)" >&2
    echo_out=$(taskset -c "$CLIENT_CPU" bench/bin/echo_load -p "$ECHO" -c "$CONNS" -s "$SIZE" -d "$DURATION" -w "$WARMUP")
    printf '%s\n' "$echo_out" > "$WORK/echo_load-$round.txt"
    echo_all+=("$(sed -n 's/^RESULT.* rps=\([0-9.]*\).*/\1/p' <<< "$echo_out")")
    raw_all+=("$(load "raw-$round" --protocol raw --target "127.0.0.1:$ECHO" --payload "$SIZE")")
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
runs() { printf '%.0f ' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f%%", 100 * a / b; else print "n/a" }'; }
wrk_rps=$(median "${wrk_all[@]}") http_rps=$(median "${http_all[@]}")
echo_rps=$(median "${echo_all[@]}") raw_rps=$(median "${raw_all[@]}")
printf '\n%-34s %14s %14s %8s\n' "workload (median of $ROUNDS)" native_req/s load_req/s ratio
printf '%-34s %14.0f %14.0f %8s\n' "http: wrk -t1 -c$CONNS, nginx 13 B" "$wrk_rps" "$http_rps" "$(ratio "$http_rps" "$wrk_rps")"
printf '%-34s %14.0f %14.0f %8s\n' "raw: echo_load -c$CONNS, $SIZE B" "$echo_rps" "$raw_rps" "$(ratio "$raw_rps" "$echo_rps")"
echo "every run, in order: wrk $(runs "${wrk_all[@]}")| load http $(runs "${http_all[@]}")"
echo "                     echo_load $(runs "${echo_all[@]}")| load raw $(runs "${raw_all[@]}")"
echo "(server CPU $SERVER_CPU, load generators CPU $CLIENT_CPU; outputs in $WORK)"
