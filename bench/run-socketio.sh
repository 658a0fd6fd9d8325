#!/usr/bin/env bash
# Socket.IO side by side (issue 17): Switchboard with no application code (its sb:* relay events)
# and the Node socket.io 4.8 server (client/src/test/node/socketio-server: an echo handler and
# join/publish events), each pinned to SERVER_CPU, driven by `switchboard-client load --protocol
# socketio` pinned to CLIENT_CPU, over WebSocket. Runs are interleaved (Switchboard, Node,
# Switchboard, Node, ...) over ROUNDS rounds, and the table gives medians:
#   echo:   CONNS sockets, closed loop, one emit with ack in flight each (Switchboard: sb:publish
#           to an empty room, acknowledged [null]; Node: socket.on("echo", (d, ack) => ack(d)));
#           round trips/s, p50, p99 of the ack latency
#   fanout: SUBSCRIBERS sockets in one room, 1 publisher emitting open loop at each of RATES
#           publishes/s (each delivered to every subscriber); deliveries/s, p99 from the intended
#           send time to the delivery, missing deliveries
# Needs node/npm, python3, taskset, and the jars (./mvnw -B -DskipTests package).
#
# Knobs (environment, defaults in brackets):
#   ROUNDS [3]  DURATION [10] measured seconds  WARMUP [5] seconds  CONNS [50]  SUBSCRIBERS [1000]
#   RATES ["20 50 100"] fan-out publishes/s  PIPELINE [64] publishes awaiting their ack  SIZE [100] payload bytes
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18390]  SERVER_JAR [server/target/switchboard-server.jar]
#   CLIENT_JAR [client/target/switchboard-client.jar]  JAVA [java]  SERVERS ["switchboard node"]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-5} CONNS=${CONNS:-50}
SUBSCRIBERS=${SUBSCRIBERS:-1000} RATES=${RATES:-20 50 100} PIPELINE=${PIPELINE:-64} SIZE=${SIZE:-100}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-18390}
SERVER_JAR=${SERVER_JAR:-server/target/switchboard-server.jar}
CLIENT_JAR=${CLIENT_JAR:-client/target/switchboard-client.jar}
JAVA=${JAVA:-java} SERVERS=${SERVERS:-switchboard node}
for tool in node npm python3 taskset; do
    command -v "$tool" >/dev/null || { echo "run-socketio.sh: $tool is missing" >&2; exit 1; }
done
for jar in "$SERVER_JAR" "$CLIENT_JAR"; do
    [ -f "$jar" ] || { echo "run-socketio.sh: $jar is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-socketio-bench.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
cp client/src/test/node/socketio-server/{package.json,package-lock.json,server.mjs} "$WORK/"
(cd "$WORK" && npm ci --no-audit --no-fund > npm-ci.log 2>&1) || { echo "run-socketio.sh: npm ci failed (see $WORK/npm-ci.log)" >&2; exit 1; }

start_server() { # NAME: starts it on PORT, pinned to SERVER_CPU
    case $1 in
        switchboard)
            taskset -c "$SERVER_CPU" "$JAVA" -jar "$SERVER_JAR" --bind 127.0.0.1 --framed-port off --echo-port off \
                --udp-port off --http-port "$PORT" --io-threads 1 > "$WORK/server-$1.log" 2>&1 &
            pids+=($!) ;;
        node)
            (cd "$WORK" && exec taskset -c "$SERVER_CPU" node server.mjs "$PORT") > "$WORK/server-$1.log" 2>&1 &
            pids+=($!) ;;
        *) echo "run-socketio.sh: unknown server $1" >&2; exit 1 ;;
    esac
    wait_port "$PORT"
}

# What each server needs to be driven: no application code of ours (Switchboard: relay events) or
# the small application of server.mjs (Node).
set_opts() { # SERVER: sets echo_opts and fanout_opts
    echo_opts=() fanout_opts=()
    if [ "$1" = switchboard ]; then
        echo_opts=(--opt event=sb:publish --opt 'args=["nobody","load"]')
    else
        fanout_opts=(--opt join_event=join --opt publish_event=publish)
    fi
}

load() { # LABEL ARGS...: one run on CLIENT_CPU; its JSON report in $WORK/LABEL.json
    local label=$1
    shift
    taskset -c "$CLIENT_CPU" "$JAVA" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -d "${DURATION}s" --warmup "${WARMUP}s" --timeout 10s --json "$WORK/$label.json" -q "$@" \
        > "$WORK/$label.txt" 2>&1 || true
}

field() { # LABEL EXPR: a value of the report's first stage (python expression over s), or "n/a"
    python3 - "$WORK/$1.json" "$2" <<'PY' 2>/dev/null || echo n/a
import json, sys
s = json.load(open(sys.argv[1]))["stages"][0]
print(eval(sys.argv[2]))
PY
}

for ((round = 1; round <= ROUNDS; round++)); do
    for server in $SERVERS; do
        start_server "$server"
        set_opts "$server"
        echo "==> round $round/$ROUNDS, $server: echo with ack, $CONNS sockets" >&2
        load "echo-$server-$round" -c "$CONNS" "${echo_opts[@]}"
        for rate in $RATES; do
            echo "==> round $round/$ROUNDS, $server: fan-out to $SUBSCRIBERS at $rate publishes/s" >&2
            load "fanout-$server-$rate-$round" -c $((SUBSCRIBERS + 1)) --rate "$rate" --pipeline "$PIPELINE" \
                --payload "$SIZE" --min-achieved off --opt workload=fanout --opt "subscribers=$SUBSCRIBERS" \
                --opt drain=2s "${fanout_opts[@]}"
        done
        stop_all
    done
done

median() { printf '%s\n' "$@" | grep -v n/a | sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "n/a"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
collect() { # PREFIX EXPR: the values over the rounds
    local prefix=$1 expr=$2 out=() r
    for ((r = 1; r <= ROUNDS; r++)); do out+=("$(field "$prefix-$r" "$expr")"); done
    printf '%s ' "${out[@]}"
}
echo
printf 'echo with ack, %d sockets (median of %d; every run in brackets)\n' "$CONNS" "$ROUNDS"
printf '  %-12s %14s %10s %10s\n' server round_trips/s p50_us p99_us
for server in $SERVERS; do
    # shellcheck disable=SC2207
    rps=($(collect "echo-$server" 'round(s["totals"]["rate"])'))
    # shellcheck disable=SC2207
    p50=($(collect "echo-$server" 's["latency_us"]["p50"]'))
    # shellcheck disable=SC2207
    p99=($(collect "echo-$server" 's["latency_us"]["p99"]'))
    printf '  %-12s %14s %10s %10s   [%s]\n' "$server" "$(median "${rps[@]}")" "$(median "${p50[@]}")" \
        "$(median "${p99[@]}")" "${rps[*]}"
done
echo
printf 'fan-out to %d subscribers, 1 publisher, open loop (median of %d)\n' "$SUBSCRIBERS" "$ROUNDS"
printf '  %-12s %10s %14s %10s %10s\n' server publish/s deliveries/s p99_us missing
for rate in $RATES; do
    for server in $SERVERS; do
        # shellcheck disable=SC2207
        dps=($(collect "fanout-$server-$rate" 'round(s["totals"]["completed"] / s["totals"]["seconds"])'))
        # shellcheck disable=SC2207
        p99=($(collect "fanout-$server-$rate" 's["latency_us"]["p99"]'))
        # shellcheck disable=SC2207
        miss=($(collect "fanout-$server-$rate" 's["counters"]["missing"]'))
        printf '  %-12s %10s %14s %10s %10s   [%s]\n' "$server" "$rate" "$(median "${dps[@]}")" \
            "$(median "${p99[@]}")" "$(median "${miss[@]}")" "${dps[*]}"
    done
done
echo "(servers on CPU $SERVER_CPU, the load tool on CPU $CLIENT_CPU, ${WARMUP}s warm-up + ${DURATION}s measured per run; reports in $WORK)"
