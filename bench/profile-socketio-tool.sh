#!/usr/bin/env bash
# CPU profile of the load tool itself (switchboard-client load --protocol socketio) in the echo
# workload of bench/run-socketio.sh against one server: the server pinned to SERVER_CPU, the tool
# to CLIENT_CPU; a first run warms the server up, then the tool runs again with async-profiler
# (Maven Central tools.profiler:async-profiler, event cpu) as its agent. Summed: the tool's event
# loop thread per round trip (the kernel and the rest), and the time under a few of its methods.
#
#   bench/profile-socketio-tool.sh [switchboard|switchboard-java|node|netty-socketio]   (default: switchboard)
#
# Knobs (environment, defaults in brackets): DURATION [6]  WARMUP [3]  CONNS [50]  AP_VERSION [4.2]
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18399]  SERVER_JAR, CLIENT_JAR (the tool profiled), JAVA
#   as for run-socketio.sh. Loopback only; about a minute. Run it under bench/rt.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
SERVER=${1:-switchboard}
DURATION=${DURATION:-6} WARMUP=${WARMUP:-3} CONNS=${CONNS:-50} AP_VERSION=${AP_VERSION:-4.2}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-18399}
SERVER_JAR=$(realpath "${SERVER_JAR:-server/target/switchboard-server.jar}")
CLIENT_JAR=$(realpath "${CLIENT_JAR:-client/target/switchboard-client.jar}")
JAVA=${JAVA:-java}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-socketio-tool-profile.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/socketio-lib.sh
source "$ROOT/bench/socketio-lib.sh"
sio_prepare "$SERVER"

AGENT=$(async_profiler "$WORK" "$AP_VERSION")
PROFILE=$WORK/tool.collapsed
sio_start "$SERVER" "$PORT"
sio_echo_opts "$SERVER"
load() { # NAME [JVM OPTION]: one echo run
    local name=$1
    shift
    taskset -c "$CLIENT_CPU" "$JAVA" "$@" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -d "${DURATION}s" --warmup "${WARMUP}s" --timeout 10s -q --json "$WORK/$name.json" -c "$CONNS" \
        "${echo_opts[@]}" > "$WORK/$name.txt" 2>&1 || true
}
echo "==> the load tool against $SERVER, echo: a run to warm the server up, then one profiled" >&2
load warmup
load load "-agentpath:$AGENT=start,event=cpu,interval=1ms,collapsed,total,file=$PROFILE"
stop_all
grep -E '^  (Throughput|latency |Errors|Tool)' "$WORK/load.txt" || tail -5 "$WORK/load.txt"
[ -s "$PROFILE" ] || { echo "${0##*/}: no profile (see $WORK/load.txt)" >&2; exit 1; }

python3 - "$PROFILE" "$WORK/load.json" <<'PY'
import collections, json, sys
# The tool's event loop thread only (its stacks hold EpollEventLoop.run): the JVM's start, the
# JIT and the reporting threads are left out. Per round trip: over the round trips the tool
# counted in the profiled run (warm-up included, as the samples are).
done = json.load(open(sys.argv[2]))["stages"][0]["counters"]["completed"]
total, kernel, under = 0, 0, collections.Counter()
marks = {
    "the socket's send (in the flush)": ("__GI___send", "Socket.sendAddress"),
    "the socket's receive": ("Socket.recvAddress",),
    "WebSocket frame decoder": ("WebSocket08FrameDecoder",),
    "Engine.IO / Socket.IO packet (SioConnection.onPacket)": ("SioConnection.onPacket",),
    "the echo's check (SioConnection.checkEcho)": ("SioConnection.checkEcho",),
    "Jackson's ObjectMapper": ("ObjectMapper",),
    "the next request (SioConnection.send)": ("SioConnection.send",),
    "latency recording (LoopMeter)": ("LoopMeter",),
}
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    if "EpollEventLoop.run" not in stack:
        continue
    n = int(n)
    total += n
    frames = stack.split(";")
    if frames[-1].endswith("_[k]"):
        kernel += n
    for name, keys in marks.items():
        if any(k in stack for k in keys):
            under[name] += n
us = lambda n: n / 1000 / max(1, done)
print(f"\nthe tool's event loop over {done:,} round trips (the profiled run, warm-up included):"
      f" {us(total):.2f} us each, {us(kernel):.2f} in the kernel, {us(total - kernel):.2f} outside it")
print("under these (they overlap; kernel time included):")
for name in marks:
    print(f"  {us(under[name]):6.2f} us  {name}")
PY
echo "(profile: $PROFILE)"
