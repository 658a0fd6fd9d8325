#!/usr/bin/env bash
# HTTP benchmark (issue 15): wrk against Switchboard's HTTP listener and against nginx serving the
# same bytes, each server pinned to one CPU and wrk to another, ROUNDS interleaved rounds, medians.
# Rows: a 16-byte dynamic response (Switchboard /healthz; nginx `return 200` of the same body),
# static files of 1 KiB, 64 KiB and 1 MiB, and the 1 KiB file again with HTTP pipelining depth 16.
# With JAR_BEFORE (a jar built from an earlier commit) it measures that build too, in the same
# rounds, so that before and after meet the same machine state. The servers' order within a round
# turns each round. Besides the ratio of medians it prints the paired ratio: the median over rounds
# of each round's req/s over nginx's in that round.
# Besides req/s it prints each server's CPU time per request, in all and split into user and system
# time (of all its processes and threads, nginx's master and worker, from /proc/PID/task/*/stat
# over each wrk run; softirq work done while the server runs counts as its system time). The user
# part is the server's own code; the system part is mostly the loopback's TCP work for both ends.
# Needs wrk, nginx and curl (Debian: apt-get install -y wrk nginx-light curl).
#
# Environment knobs (defaults in brackets):
#   DURATION [10]  seconds per wrk run      WARMUP [5]  seconds of warm-up per server and row
#   ROUNDS [3]     interleaved rounds       CONNS [50]  wrk connections (one wrk thread)
#   DEPTH [16]     requests per pipelined batch
#   SERVER_CPU [0] CPU for the servers      CLIENT_CPU [1]  CPU for wrk
#   BASE_PORT [18080]  ports BASE_PORT..BASE_PORT+2
#   JAR [server/target/switchboard-server.jar]   JAR_BEFORE [unset]
#   SB_FLAGS [unset]  extra flags for the Switchboard servers (e.g. --http-open-file-cache 0)
#   SB_FLAGS_BEFORE [SB_FLAGS]  the before server's, in its place: with JAR_BEFORE=JAR it compares
#                  two settings of one build (e.g. SB_FLAGS_BEFORE="--epoll-mode level")
#   ROWS ["small 1k 64k 1m pipelined"]  which rows to run
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
DEPTH=${DEPTH:-16}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18080}
JAR=${JAR:-server/target/switchboard-server.jar}
JAR_BEFORE=${JAR_BEFORE:-}
ROWS=${ROWS:-small 1k 64k 1m pipelined}
read -r -a SB_EXTRA <<< "${SB_FLAGS:-}"
read -r -a SB_EXTRA_BEFORE <<< "${SB_FLAGS_BEFORE-${SB_FLAGS:-}}"
for tool in wrk nginx curl taskset; do
    command -v "$tool" >/dev/null || { echo "run-http.sh: $tool is missing (apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done
for jar in "$JAR" ${JAR_BEFORE:+"$JAR_BEFORE"}; do
    [ -f "$jar" ] || { echo "run-http.sh: $jar is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-http-bench.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

SB=$BASE_PORT
NGINX=$((BASE_PORT + 1))
SB_BEFORE=$((BASE_PORT + 2))
mkdir -p "$WORK/root"
head -c 1024 /dev/urandom > "$WORK/root/1k.bin"
head -c $((64 * 1024)) /dev/urandom > "$WORK/root/64k.bin"
head -c $((1024 * 1024)) /dev/urandom > "$WORK/root/1m.bin"
# nginx's worker runs as an unprivileged user: let it read the files.
chmod -R a+rX "$WORK"

declare -A server_pid
start_switchboard() { # name port jar log flags...
    local name=$1 port=$2 jar=$3 log=$4
    shift 4
    taskset -c "$SERVER_CPU" java -jar "$jar" --bind 127.0.0.1 --framed-port off --echo-port off --udp-port off \
        --http-port "$port" --static-root "$WORK/root" --io-threads 1 "$@" > "$log" 2>&1 &
    pids+=($!)
    server_pid[$name]=$!
}
start_switchboard switchboard "$SB" "$JAR" "$WORK/sb.log" "${SB_EXTRA[@]}"
[ -z "$JAR_BEFORE" ] || start_switchboard before "$SB_BEFORE" "$JAR_BEFORE" "$WORK/sb-before.log" "${SB_EXTRA_BEFORE[@]}"
body=$(printf '{"status":"up"}')
start_nginx "$WORK" "$NGINX" "$SERVER_CPU" "    sendfile on;
    tcp_nopush on;
    open_file_cache max=1000 inactive=20s;
    open_file_cache_valid 1s;
    open_file_cache_errors on;
    types { application/octet-stream bin; }" "        root $WORK/root;
        location = /healthz {
            default_type application/json;
            return 200 '$body\n';
        }"
server_pid[nginx]=$nginx_pid
wait_port "$NGINX"
wait_port "$SB"
[ -z "$JAR_BEFORE" ] || wait_port "$SB_BEFORE"

servers=(nginx switchboard)
declare -A port=([nginx]=$NGINX [switchboard]=$SB)
if [ -n "$JAR_BEFORE" ]; then
    servers+=(before)
    port[before]=$SB_BEFORE
fi
# Same bytes from every server, or the comparison means nothing.
for s in "${servers[@]}"; do
    for path in /1k.bin /64k.bin /1m.bin; do
        cmp -s <(curl -sf "http://127.0.0.1:${port[$s]}$path") "$WORK/root$path" \
            || { echo "run-http.sh: $s does not serve $path correctly" >&2; exit 1; }
    done
    [ "$(curl -sf "http://127.0.0.1:${port[$s]}/healthz")" = "$body" ] \
        || { echo "run-http.sh: $s does not answer /healthz with $body" >&2; exit 1; }
done

# wrk pipelining: DEPTH requests per write; wrk counts every response.
cat > "$WORK/pipeline.lua" <<LUA
init = function(args)
    local r = {}
    for i = 1, $DEPTH do r[i] = wrk.format(nil, "/1k.bin") end
    req = table.concat(r)
end
request = function() return req end
LUA

# CPU ticks of a process, its threads and its child processes (nginx's worker): "user system".
process_ticks() {
    local p files=()
    for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null); do files+=(/proc/"$p"/task/*/stat); done
    # Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
    awk '{sub(/.*\) /, ""); u += $12; s += $13} END {print u + 0, s + 0}' "${files[@]}" 2>/dev/null || true
}
tick_us=$((1000000 / $(getconf CLK_TCK)))

declare -A path=([small]=/healthz [1k]=/1k.bin [64k]=/64k.bin [1m]=/1m.bin [pipelined]=/1k.bin)
wrk_run() { # label server row seconds
    local url="http://127.0.0.1:${port[$2]}${path[$3]}" script=() u0 s0 u1 s1
    [ "$3" != pipelined ] || script=(-s "$WORK/pipeline.lua")
    read -r u0 s0 < <(process_ticks "${server_pid[$2]}")
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${4}s" --latency "${script[@]}" "$url" > "$WORK/$1.wrk"
    read -r u1 s1 < <(process_ticks "${server_pid[$2]}")
    # The server's CPU time per request in microseconds, from its ticks over wrk's requests:
    # user + system, user, system.
    awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v us="$tick_us" \
        '/requests in/ {printf "%.2f %.2f %.2f\n", (u + s) * us / $1, u * us / $1, s * us / $1}' "$WORK/$1.wrk" > "$WORK/$1.cpu"
    if grep -q "Non-2xx\|Socket errors" "$WORK/$1.wrk"; then
        echo "run-http.sh: errors in $1 (see $WORK/$1.wrk)" >&2
        grep "Non-2xx\|Socket errors" "$WORK/$1.wrk" >&2
    fi
}
# wrk's "Transfer/sec" with its unit, in bytes per second.
bytes_per_s() {
    awk '/Transfer\/sec/ {v=$2; u=substr(v, length(v)-1); n=v+0;
        if (u=="GB") n*=1073741824; else if (u=="MB") n*=1048576; else if (u=="KB") n*=1024; printf "%.0f", n}' "$1"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

for s in "${servers[@]}"; do
    for row in $ROWS; do wrk_run "warmup-$s-$row" "$s" "$row" "$WARMUP"; done
done
# The servers' order turns by one each round, so that none always runs right after the same one
# (a run leaves the loopback, the caches and the other CPU in a state that the next one meets).
for ((round = 1; round <= ROUNDS; round++)); do
    for row in $ROWS; do
        for ((i = 0; i < ${#servers[@]}; i++)); do
            s=${servers[$(((i + round - 1) % ${#servers[@]}))]}
            wrk_run "$row-$s-$round" "$s" "$row" "$DURATION"
        done
    done
done

printf '\n%-10s %-12s %14s %12s %10s %10s %8s %8s %12s %8s %8s\n' row server req/s MB/s p50 p99 ratio paired cpu-us/req user sys
for row in $ROWS; do
    nginx_rps=""
    for s in "${servers[@]}"; do
        rps=$(for ((r = 1; r <= ROUNDS; r++)); do awk '/Requests\/sec/ {print $2}' "$WORK/$row-$s-$r.wrk"; done | median)
        mbs=$(for ((r = 1; r <= ROUNDS; r++)); do bytes_per_s "$WORK/$row-$s-$r.wrk"; echo; done | median)
        cpu=$(for ((r = 1; r <= ROUNDS; r++)); do awk '{print $1}' "$WORK/$row-$s-$r.cpu"; done | median)
        usr=$(for ((r = 1; r <= ROUNDS; r++)); do awk '{print $2}' "$WORK/$row-$s-$r.cpu"; done | median)
        sys=$(for ((r = 1; r <= ROUNDS; r++)); do awk '{print $3}' "$WORK/$row-$s-$r.cpu"; done | median)
        p50=$(awk '$1 == "50%" {print $2}' "$WORK/$row-$s-$ROUNDS.wrk")
        p99=$(awk '$1 == "99%" {print $2}' "$WORK/$row-$s-$ROUNDS.wrk")
        # Each round's req/s over nginx's in the same round, median: what the machine's slow
        # drift from round to round moves least.
        paired=$(for ((r = 1; r <= ROUNDS; r++)); do
            paste <(awk '/Requests\/sec/ {print $2}' "$WORK/$row-$s-$r.wrk") <(awk '/Requests\/sec/ {print $2}' "$WORK/$row-nginx-$r.wrk") \
                | awk '{printf "%.4f\n", $1 / $2}'
        done | median)
        [ -n "$nginx_rps" ] || nginx_rps=$rps
        printf '%-10s %-12s %14.0f %12.1f %10s %10s %8.2f %8.2f %12.2f %8.2f %8.2f\n' "$row" "$s" "$rps" "$(awk -v b="$mbs" 'BEGIN {print b/1048576}')" \
            "$p50" "$p99" "$(awk -v a="$rps" -v n="$nginx_rps" 'BEGIN {print a/n}')" "$paired" "$cpu" "$usr" "$sys"
    done
done
echo "(median of $ROUNDS rounds of ${DURATION}s, $CONNS connections, servers on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU;" \
    "p50/p99 from the last round; ratio = req/s over nginx's; paired = the median of each round's ratio; cpu-us/req = the server's CPU time per request, median, and its user and system parts;" \
    "per round:"
for row in $ROWS; do
    for s in "${servers[@]}"; do
        printf '  %-10s %-12s req/s' "$row" "$s"
        for ((r = 1; r <= ROUNDS; r++)); do printf ' %s' "$(awk '/Requests\/sec/ {print $2}' "$WORK/$row-$s-$r.wrk")"; done
        printf '  cpu-us/req'
        for ((r = 1; r <= ROUNDS; r++)); do printf ' %s' "$(awk '{print $1 " (" $2 "+" $3 ")"}' "$WORK/$row-$s-$r.cpu")"; done
        echo
    done
done
echo "(wrk reports in $WORK)"
