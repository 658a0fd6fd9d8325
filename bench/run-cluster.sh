#!/usr/bin/env bash
# Cross-node fan-out benchmark: one publisher on node A, half the subscribers on node A and half
# on node B (two Switchboard nodes joined through one redis-server), 64-byte events; then the
# same load on a single node without a cluster, for comparison. Prints fanout_load's RESULT line
# for each (deliveries/s, publish-to-delivery percentiles, missing/duplicates/reordered).
# The servers and Redis are pinned to SERVER_CPUS, fanout_load to CLIENT_CPU.
# Needs redis-server (Debian: apt-get install -y redis-server, or .ci/deps/redis.sh) and the built
# jar (./mvnw -B -DskipTests package) and load generator (make -C bench).
#
# Environment knobs (defaults in brackets):
#   SUBSCRIBERS [1000]  subscribers in all (split evenly with the cluster)   SIZE [64]  payload bytes
#   DURATION [10]  measured seconds    WARMUP [2]  warm-up seconds
#   WINDOW [8]  closed loop: publishes in flight    RATE [0]  open loop publishes/s (0 = closed loop)
#   SERVER_CPUS [0]  CPUs for the nodes and Redis   CLIENT_CPU [1]  CPU for fanout_load
#   IO_THREADS [1]  --io-threads of each node   BASE_PORT [17100]  ports BASE_PORT..BASE_PORT+12
#   JAR [server/target/switchboard-server.jar]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SUBSCRIBERS=${SUBSCRIBERS:-1000}
SIZE=${SIZE:-64}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
WINDOW=${WINDOW:-8}
RATE=${RATE:-0}
SERVER_CPUS=${SERVER_CPUS:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
IO_THREADS=${IO_THREADS:-1}
BASE_PORT=${BASE_PORT:-17100}
JAR=${JAR:-server/target/switchboard-server.jar}
LOAD=bench/bin/fanout_load
command -v redis-server >/dev/null || { echo "run-cluster.sh: redis-server is missing (.ci/deps/redis.sh)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "run-cluster.sh: $JAR is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }
[ -x "$LOAD" ] || { echo "run-cluster.sh: $LOAD is missing; build with make -C bench" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-cluster-bench.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# node NAME FRAMED_PORT [extra flags...]: a node with only the framed and HTTP listeners.
node() {
    local name=$1 port=$2
    shift 2
    taskset -c "$SERVER_CPUS" java -jar "$JAR" --bind 127.0.0.1 --framed-port "$port" --echo-port off --udp-port off \
        --http-port "$((port + 1))" --io-threads "$IO_THREADS" --idle-timeout 0 "$@" > "$WORK/$name.log" 2>&1 &
    pids+=($!)
    wait_port "$port"
}

load() {
    local label=$1
    shift
    local args=(-S "$SUBSCRIBERS" -s "$SIZE" -d "$DURATION" -w "$WARMUP" -R "bench-$label")
    if [ "$RATE" != 0 ]; then args+=(-r "$RATE"); else args+=(-W "$WINDOW"); fi
    echo "== $label" >&2
    taskset -c "$CLIENT_CPU" "$LOAD" "${args[@]}" "$@" | tee "$WORK/$label.out" >&2 || true
    grep '^RESULT' "$WORK/$label.out" | sed "s/^RESULT /RESULT run=$label /"
}

REDIS_PORT=$((BASE_PORT + 10))
SINGLE=$BASE_PORT
NODE_A=$((BASE_PORT + 2))
NODE_B=$((BASE_PORT + 4))

results=()
# 1. One node, no cluster.
node single "$SINGLE"
results+=("$(load single -p "$SINGLE")")
stop_all

# 2. Two nodes through Redis: the publisher and half the subscribers on A, the other half on B.
taskset -c "$SERVER_CPUS" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize no --loglevel warning > "$WORK/redis.log" 2>&1 &
pids+=($!)
wait_port "$REDIS_PORT"
node node-a "$NODE_A" --cluster "redis://127.0.0.1:$REDIS_PORT"
node node-b "$NODE_B" --cluster "redis://127.0.0.1:$REDIS_PORT"
results+=("$(load cluster -p "$NODE_A" -P "$NODE_B")")
curl -s "http://127.0.0.1:$((NODE_A + 1))/metrics" | grep '^switchboard_cluster' > "$WORK/node-a.metrics" || true
stop_all

echo
printf '%s\n' "${results[@]}"
echo "node A cluster metrics after the run:"
sed 's/^/  /' "$WORK/node-a.metrics"
echo "logs: $WORK"
