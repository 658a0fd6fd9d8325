#!/usr/bin/env bash
# Room fan-out speed of two server jars side by side: the same fanout_load run against each in
# turn, ROUNDS times, alternating, then the median deliveries/s of each. For "is it slower than
# before?" questions: build the old jar from a worktree of the old commit and pass both.
#
#   bench/run-fanout-compare.sh OLD_JAR NEW_JAR
#
# Knobs (environment): SUBSCRIBERS [1000]  WINDOW [8] publishes in flight  SIZE [64]
#   DURATION [10] measured seconds  WARMUP [2]  ROUNDS [3]  SERVER_CPU [0]  CLIENT_CPU [1]  PORT [17300]
# The server runs with one I/O thread pinned to SERVER_CPU, the load generator on CLIENT_CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

OLD_JAR=${1:?usage: $0 OLD_JAR NEW_JAR}
NEW_JAR=${2:?usage: $0 OLD_JAR NEW_JAR}
SUBSCRIBERS=${SUBSCRIBERS:-1000} WINDOW=${WINDOW:-8} SIZE=${SIZE:-64}
DURATION=${DURATION:-10} WARMUP=${WARMUP:-2} ROUNDS=${ROUNDS:-3}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-17300}
LOAD=bench/bin/fanout_load
[ -x "$LOAD" ] || make -C bench >/dev/null
WORK=$(mktemp -d)
trap 'stop_all; rm -rf "$WORK"' EXIT

run_one() { # label jar round
    local label=$1 jar=$2 round=$3
    taskset -c "$SERVER_CPU" java -jar "$jar" --bind 127.0.0.1 --framed-port "$PORT" --echo-port off --udp-port off \
        --http-port off --io-threads 1 --idle-timeout 0 > "$WORK/$label-$round.log" 2>&1 &
    pids+=($!)
    wait_port "$PORT"
    local pid=${pids[-1]} before after
    before=$(cpu_ticks "$pid")
    taskset -c "$CLIENT_CPU" "$LOAD" -p "$PORT" -S "$SUBSCRIBERS" -W "$WINDOW" -s "$SIZE" -d "$DURATION" -w "$WARMUP" \
        > "$WORK/$label-$round.out" 2>&1 || true
    after=$(cpu_ticks "$pid")
    stop_all
    local line deliveries cpu_us_per
    line=$(grep '^RESULT' "$WORK/$label-$round.out" || echo "RESULT failed")
    deliveries=$(sed -n 's/.* deliveries=\([0-9]*\).*/\1/p' <<< "$line")
    # Server CPU (user + system) over the whole run, set-up and warm-up included, per delivery of
    # the measured window scaled to the whole run: robust against other load on the machine.
    cpu_us_per=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="${deliveries:-0}" \
        -v all="$((DURATION + WARMUP))" -v m="$DURATION" 'BEGIN { if (d > 0) printf "%.3f", t / hz * 1e6 / (d * all / m); else print "n/a" }')
    echo "$label round $round: server CPU ${cpu_us_per} us/delivery; $line"
    sed -n 's/.*deliveries_per_s=\([0-9.]*\).*/\1/p' <<< "$line" >> "$WORK/$label.rates"
    echo "$cpu_us_per" >> "$WORK/$label.cpu"
}

cpu_ticks() { # utime + stime of a process, in clock ticks
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

for round in $(seq 1 "$ROUNDS"); do
    run_one old "$OLD_JAR" "$round"
    run_one new "$NEW_JAR" "$round"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "median deliveries/s over $ROUNDS rounds ($SUBSCRIBERS subscribers, $WINDOW in flight, $SIZE B):"
echo "  old $(median "$WORK/old.rates")   server CPU $(median "$WORK/old.cpu") us/delivery   ($OLD_JAR)"
echo "  new $(median "$WORK/new.rates")   server CPU $(median "$WORK/new.cpu") us/delivery   ($NEW_JAR)"
