#!/usr/bin/env bash
# CPU profile of a Switchboard Socket.IO server under one workload of bench/run-socketio.sh: the
# server (the relay, or the embedding application of bench/java/SioEchoRooms.java) runs with
# async-profiler (Maven Central tools.profiler:async-profiler, its linux-x64 library loaded into
# the running server with `jcmd PID JVMTI.agent_load`, event EVENT), pinned to SERVER_CPU; the load
# tool on CLIENT_CPU runs the workload once to warm the server up (not profiled), then again with
# the profiler on (DURATION seconds after WARMUP); then the profile is summed: the top frames by
# self time, and the share of the samples under a few methods that say where the time goes.
#
#   bench/profile-socketio.sh [echo|fanout] [switchboard|switchboard-java]     (default: echo switchboard)
#
# Knobs (environment, defaults in brackets): DURATION [10]  WARMUP [5]  CONNS [50]  SUBSCRIBERS [1000]
#   RATE [200] fan-out publishes/s  SIZE [100]  PIPELINE [64]  EVENT [cpu; itimer where perf_events
#   are not allowed; alloc: allocated heap bytes (not netty's pooled buffers), also per round trip or delivery]
#   ALLOC_INTERVAL [64k]  TOP [25]  AP_VERSION [4.2]  SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18397]
#   SERVER_JAR, CLIENT_JAR, JAVA as for run-socketio.sh. Loopback only; about a minute.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
WORKLOAD=${1:-echo} SERVER=${2:-switchboard}
DURATION=${DURATION:-10} WARMUP=${WARMUP:-5} CONNS=${CONNS:-50} SUBSCRIBERS=${SUBSCRIBERS:-1000}
RATE=${RATE:-200} SIZE=${SIZE:-100} PIPELINE=${PIPELINE:-64} TOP=${TOP:-25} AP_VERSION=${AP_VERSION:-4.2}
ALLOC_INTERVAL=${ALLOC_INTERVAL:-64k}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-18397}
SERVER_JAR=$(realpath "${SERVER_JAR:-server/target/switchboard-server.jar}")
CLIENT_JAR=$(realpath "${CLIENT_JAR:-client/target/switchboard-client.jar}")
JAVA=${JAVA:-java}
case $SERVER in switchboard | switchboard-java) ;; *) echo "${0##*/}: server: switchboard or switchboard-java" >&2; exit 2 ;; esac
case $WORKLOAD in echo | fanout) ;; *) echo "${0##*/}: workload: echo or fanout" >&2; exit 2 ;; esac
WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-socketio-profile.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/socketio-lib.sh
source "$ROOT/bench/socketio-lib.sh"
sio_prepare "$SERVER"

AGENT=$(async_profiler "$WORK" "$AP_VERSION")
EVENT=${EVENT:-$([ "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)" -le 1 ] && echo cpu || echo itimer)}
PROFILE=$WORK/profile.collapsed
sio_start "$SERVER" "$PORT"
sio_echo_opts "$SERVER"
sio_fanout_opts "$SERVER"
if [ "$WORKLOAD" = echo ]; then
    args=(-c "$CONNS" "${echo_opts[@]}")
else
    args=(-c $((SUBSCRIBERS + 1)) --rate "$RATE" --pipeline "$PIPELINE" --payload "$SIZE" --min-achieved off
        --opt workload=fanout --opt "subscribers=$SUBSCRIBERS" --opt drain=2s "${fanout_opts[@]}")
fi
load() { # NAME: one run of the workload
    taskset -c "$CLIENT_CPU" "$JAVA" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -d "${DURATION}s" --warmup "${WARMUP}s" --timeout 10s -q --json "$WORK/$1.json" "${args[@]}" \
        > "$WORK/$1.txt" 2>&1 || true
}
echo "==> $SERVER, $WORKLOAD: a run to warm up, then one profiled" >&2
load warmup
# The option in double quotes: jcmd would take its "=" for a key of its own.
if [ "$EVENT" = alloc ]; then
    start="start,event=alloc,alloc=$ALLOC_INTERVAL"
else
    start="start,event=$EVENT,interval=1ms"
fi
jcmd "$server_pid" JVMTI.agent_load "$AGENT" "\"$start\"" > "$WORK/jcmd-start.txt"
load load
# total: each stack weighed in its bytes (alloc) or time, not in samples
jcmd "$server_pid" JVMTI.agent_load "$AGENT" "\"stop,collapsed,total,file=$PROFILE\"" > "$WORK/jcmd-stop.txt"
stop_all
grep -E '^  (Throughput|latency |Errors)|^  Tool' "$WORK/load.txt" || tail -5 "$WORK/load.txt"
[ -s "$PROFILE" ] || { echo "${0##*/}: no profile (see $WORK/server-$SERVER.log)" >&2; exit 1; }

python3 - "$PROFILE" "$TOP" "$EVENT" "$WORK/load.json" <<'PY'
import collections, json, sys
# The JIT's compiler threads are counted apart: on a busy machine they can go on for long after
# the warm-up run. The other shares are of the remaining samples (the event loop, GC, the rest).
total, jit, self_time, under = 0, 0, collections.Counter(), collections.Counter()
marks = {
    "socket writes (send/write/writev syscalls)": ("unix/Socket.sendAddress", "unix/Socket.send(", "FileDescriptor.writev",
                                                   "FileDescriptor.write(", "FileDescriptor.writeAddress"),
    "socket reads": ("unix/Socket.recvAddress", "unix/Socket.recv(", "FileDescriptor.readAddress", "FileDescriptor.read("),
    "epoll_wait": ("epollWait", "epoll_wait"),
    "Engine.IO / Socket.IO decode": ("socketio/protocol/SioDecoder", "socketio/protocol/SioParser", "EngineSession.onWsPacket"),
    "Socket.IO encode": ("SioEncoder",),
    "Jackson": ("com/fasterxml/jackson",),
    "WebSocket frame encoder": ("WebSocket08FrameEncoder",),
    "WebSocket frame decoder": ("WebSocket08FrameDecoder",),
    "rooms fan-out (server/rooms)": ("io/switchboard/server/rooms",),
    "application handlers (SioEchoRooms)": ("SioEchoRooms",),
    "GC": ("GCTaskThread", "VM_GenCollect", "VM_CollectForAllocation", "GenCollectedHeap", "SerialHeap", "DefNewGeneration"),
}
for line in open(sys.argv[1]):
    stack, _, n = line.rstrip("\n").rpartition(" ")
    n = int(n)
    if "CompileBroker" in stack:
        jit += n
        continue
    total += n
    frames = stack.split(";")
    self_time[frames[-1]] += n
    for name, keys in marks.items():
        if any(k in stack for k in keys):
            under[name] += n
if sys.argv[3] == "alloc":
    # The whole profiled run (connections, warm-up, drain) over what it completed: an estimate.
    c = json.load(open(sys.argv[4]))["stages"][0]["counters"]
    done = c.get("completed", 0)
    print(f"\n{total + jit:,} bytes allocated (sampled estimate) over {done:,} round trips or deliveries in the"
          f" profiled run: {(total + jit) / max(1, done):,.0f} bytes each")
print(f"\n{total + jit:,} {'bytes' if sys.argv[3] == 'alloc' else 'samples (weighed in ns)'}; {100 * jit / max(1, total + jit):.1f}% in the JIT's compiler threads, left out below")
print(f"top {sys.argv[2]} frames by self time (of the {total:,} others):")
for frame, n in self_time.most_common(int(sys.argv[2])):
    print(f"  {100 * n / total:5.1f}%  {frame[:150]}")
print("\nshare of those samples with these on the stack (they overlap):")
for name, n in under.most_common():
    print(f"  {100 * n / total:5.1f}%  {name}")
PY
echo "(profile: $PROFILE; event $EVENT)"
