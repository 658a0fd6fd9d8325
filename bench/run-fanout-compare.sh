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
    taskset -c "$CLIENT_CPU" "$LOAD" -p "$PORT" -S "$SUBSCRIBERS" -W "$WINDOW" -s "$SIZE" -d "$DURATION" -w "$WARMUP" \
        > "$WORK/$label-$round.out" 2>&1 || true
    stop_all
    local line
    line=$(grep '^RESULT' "$WORK/$label-$round.out" || echo "RESULT failed")
    echo "$label round $round: $line"
    sed -n 's/.*deliveries_per_s=\([0-9.]*\).*/\1/p' <<< "$line" >> "$WORK/$label.rates"
}

for round in $(seq 1 "$ROUNDS"); do
    run_one old "$OLD_JAR" "$round"
    run_one new "$NEW_JAR" "$round"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "median deliveries/s over $ROUNDS rounds ($SUBSCRIBERS subscribers, $WINDOW in flight, $SIZE B):"
echo "  old $(median "$WORK/old.rates")   ($OLD_JAR)"
echo "  new $(median "$WORK/new.rates")   ($NEW_JAR)"
