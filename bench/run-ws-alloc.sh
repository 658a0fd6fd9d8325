#!/usr/bin/env bash
# Allocation profile of WebSocket room fan-out: is an event's JSON rendered once per event, or once
# per delivery? The server runs with async-profiler (Maven Central tools.profiler:async-profiler,
# its linux-x64 library as a JVM agent) in alloc mode, counting allocated bytes per stack; the
# single-file driver bench/java/WsFanout.java joins MEMBERS WebSocket sessions to one room and
# publishes EVENTS events to it from one more session; then the server stops and the profile is
# summed over two kinds of stacks:
#   rendering  stacks through WsEncoding.encode (the JSON of an event)
#   delivery   stacks through WebSocketSession.write, rendering excluded (the frame per recipient)
# It runs twice, with SMALL members and with MEMBERS: rendering per event stays the same whatever
# the members (once per event), delivery per event grows with them (once per delivery).
# The profile's bytes are estimates from sampling (every ALLOC_INTERVAL bytes), not exact counts.
#
#   bench/run-ws-alloc.sh [SERVER_JAR]      (default server/target/switchboard-server.jar)
#
# Knobs (environment): MEMBERS [1000]  SMALL [10]  EVENTS [500]  PORT [17400]
#   AP_VERSION [4.2] async-profiler version  ALLOC_INTERVAL [1024] bytes between samples
# Loopback only; every run stops by itself (the driver gives up after 120 s).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

JAR=${1:-server/target/switchboard-server.jar}
MEMBERS=${MEMBERS:-1000} SMALL=${SMALL:-10} EVENTS=${EVENTS:-500} PORT=${PORT:-17400}
AP_VERSION=${AP_VERSION:-4.2} ALLOC_INTERVAL=${ALLOC_INTERVAL:-1024}
[ -f "$JAR" ] || { echo "${0##*/}: no server jar $JAR (build it: ./mvnw -B -ntp verify -pl server -am)" >&2; exit 1; }
WORK=$(mktemp -d)
trap 'stop_all; rm -rf "$WORK"' EXIT

AGENT=$(async_profiler "$WORK" "$AP_VERSION")

run_one() { # members
    local members=$1 profile=$WORK/alloc-$1.collapsed
    java "-agentpath:$AGENT=start,event=alloc,alloc=$ALLOC_INTERVAL,total,collapsed,file=$profile" \
        -jar "$JAR" --bind 127.0.0.1 --http-port "$PORT" --framed-port off --echo-port off --udp-port off \
        --io-threads 2 --idle-timeout 0 > "$WORK/server-$members.log" 2>&1 &
    pids+=($!)
    wait_port "$PORT"
    local line
    line=$(java -cp "$JAR" bench/java/WsFanout.java "$PORT" "$members" "$EVENTS" 2> "$WORK/driver-$members.err" \
        | grep '^RESULT' || true)
    stop_all # the agent writes the profile as the server's JVM exits
    if [ -z "$line" ] || [ ! -s "$profile" ]; then
        echo "${0##*/}: run with $members members failed:" >&2
        tail -5 "$WORK/driver-$members.err" "$WORK/server-$members.log" >&2
        exit 1
    fi
    echo "$line"
    local sent deliveries
    sent=$(sed -n 's/.* sent=\([0-9]*\).*/\1/p' <<< "$line")
    deliveries=$(sed -n 's/.* deliveries=\([0-9]*\).*/\1/p' <<< "$line")
    awk -v events="$sent" -v deliveries="$deliveries" -v members="$members" '
        {
            n = $NF; stack = $0; sub(/ [0-9]+$/, "", stack)
            if (stack ~ /WsEncoding[.]encode/) { render += n; renderStacks++ }
            else if (stack ~ /WebSocketSession[.]write/) { deliver += n }
        }
        END {
            printf "  members=%d  JSON rendering: %.0f bytes/event, %.2f bytes/delivery   " \
                "delivery (WebSocketSession.write, rendering excluded): %.0f bytes/event, %.1f bytes/delivery\n",
                members, render / events, render / deliveries, deliver / events, deliver / deliveries
        }' "$profile"
}

echo "async-profiler $AP_VERSION alloc mode (interval $ALLOC_INTERVAL bytes), $EVENTS events of 64 B to one room:"
run_one "$SMALL"
run_one "$MEMBERS"
