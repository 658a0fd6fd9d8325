#!/usr/bin/env bash
# Room fan-out cost by room size: Switchboard against the C floor (bench/c/fanout_server.c, one
# write() per member per event, and its batched mode -b, one write() per member per epoll batch),
# at each room size, interleaved, ROUNDS times, then medians. Prints deliveries/s, p50 and p99
# delivery latency and the server's CPU time (user + kernel, /proc/PID/stat) per delivery over the
# measured window only (set-up and warm-up excluded).
#
#   bench/run-fanout-sizes.sh [JAR]        (JAR default server/target/switchboard-server.jar)
#
# With BASE_JAR=OLD.jar and "baseline" in SERVERS, an older build runs the same loads in the same
# rounds, for before/after tables.
#
# Knobs (environment): SIZES ["100 1000 5000 15000"]  SERVERS ["switchboard c c-batched"]
#   WINDOW [8] publishes in flight (closed loop) or RATE publishes/s (open loop, 0 = closed)
#   PAYLOAD [64] bytes  DURATION [8] measured seconds  WARMUP [2]  ROUNDS [3]
#   IO_THREADS [1]  SERVER_CPUS [0]  CLIENT_CPU [1]  PORT [17310]  JAVA_OPTS []
# Every run is bounded: fanout_load stops by itself after WARMUP + DURATION (+ set-up, at most
# 10 s + 1 ms per connection, + 2 s for stragglers) and the server is stopped after it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

JAR=${1:-server/target/switchboard-server.jar}
SIZES=${SIZES:-100 1000 5000 15000} SERVERS=${SERVERS:-switchboard c c-batched}
WINDOW=${WINDOW:-8} RATE=${RATE:-0} PAYLOAD=${PAYLOAD:-64} DURATION=${DURATION:-8} WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3} IO_THREADS=${IO_THREADS:-1} SERVER_CPUS=${SERVER_CPUS:-0} CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-17310} JAVA_OPTS=${JAVA_OPTS:-} BASE_JAR=${BASE_JAR:-}
make -C bench >/dev/null
[ -f "$JAR" ] || { echo "${0##*/}: no server jar at $JAR (./mvnw -q package -DskipTests -pl server -am)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'stop_all; rm -rf "$WORK"' EXIT
ulimit -n 20000

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_server() { # server
    case $1 in
        switchboard | baseline)
            local jar=$JAR
            if [ "$1" = baseline ]; then
                jar=${BASE_JAR:?"baseline" in SERVERS needs BASE_JAR}
            fi
            # shellcheck disable=SC2086 # JAVA_OPTS is a list of options
            taskset -c "$SERVER_CPUS" java $JAVA_OPTS -jar "$jar" --bind 127.0.0.1 --framed-port "$PORT" \
                --echo-port off --udp-port off --http-port off --io-threads "$IO_THREADS" --idle-timeout 0 \
                --max-connections 20000 > "$WORK/server.log" 2>&1 & ;;
        c) taskset -c "$SERVER_CPUS" bench/bin/fanout_server "$PORT" > "$WORK/server.log" 2>&1 & ;;
        c-batched) taskset -c "$SERVER_CPUS" bench/bin/fanout_server -b "$PORT" > "$WORK/server.log" 2>&1 & ;;
        *) echo "${0##*/}: unknown server $1" >&2; exit 2 ;;
    esac
    pids+=($!)
    wait_port "$PORT"
}

run_one() { # server size round
    local server=$1 size=$2 round=$3 pid load before after line
    start_server "$server"
    pid=${pids[-1]}
    local rate_args=(-W "$WINDOW")
    [ "$RATE" != 0 ] && rate_args=(-r "$RATE")
    taskset -c "$CLIENT_CPU" bench/bin/fanout_load -p "$PORT" -S "$size" "${rate_args[@]}" -s "$PAYLOAD" \
        -d "$DURATION" -w "$WARMUP" > "$WORK/load.out" 2> "$WORK/load.err" &
    load=$!
    # The measured window starts WARMUP seconds after the load tool's set-up line.
    until grep -q 'set-up done' "$WORK/load.err" 2>/dev/null || ! kill -0 "$load" 2>/dev/null; do sleep 0.05; done
    sleep "$WARMUP"
    before=$(cpu_ticks "$pid")
    sleep "$DURATION"
    after=$(cpu_ticks "$pid")
    wait "$load" || true
    stop_all
    line=$(grep '^RESULT' "$WORK/load.out" || echo "RESULT failed")
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$line"; }
    local d rate p50 p99 cpu
    d=$(field deliveries) rate=$(field deliveries_per_s) p50=$(field p50_us) p99=$(field p99_us)
    cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="${d:-0}" \
        'BEGIN { if (d > 0) printf "%.3f", t / hz * 1e6 / d; else print "n/a" }')
    local bad
    bad=$(sed -n 's/.*\(missing=[0-9]* duplicates=[0-9]* reordered=[0-9]* errors=[0-9]*\).*/\1/p' <<< "$line")
    echo "$server S=$size round $round: ${rate:-n/a} deliveries/s  p50 ${p50:-n/a} us  p99 ${p99:-n/a} us  CPU ${cpu} us/delivery  ${bad:-$line}"
    echo "${rate:-0} ${p50:-0} ${p99:-0} $cpu" >> "$WORK/$server-$size"
}

for round in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do
        for server in $SERVERS; do
            run_one "$server" "$size" "$round"
        done
    done
done

median() { # column file
    awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
echo
if [ "$RATE" = 0 ]; then load_desc="closed loop, $WINDOW in flight"; else load_desc="open loop, $RATE publishes/s"; fi
echo "medians of $ROUNDS rounds ($load_desc, $PAYLOAD B, $DURATION s measured, server on CPU $SERVER_CPUS, $IO_THREADS I/O thread(s) for Switchboard)"
printf '%-12s %8s %14s %10s %10s %12s\n' server members deliveries/s p50_us p99_us cpu_us/deliv
for size in $SIZES; do
    for server in $SERVERS; do
        f="$WORK/$server-$size"
        printf '%-12s %8s %14s %10s %10s %12s\n' "$server" "$size" "$(median 1 "$f")" "$(median 2 "$f")" \
            "$(median 3 "$f")" "$(median 4 "$f")"
    done
done
