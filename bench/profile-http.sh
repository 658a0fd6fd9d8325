#!/usr/bin/env bash
# Where the HTTP listener spends its CPU under one row of bench/run-http.sh: starts Switchboard
# pinned to one CPU with async-profiler as a Java agent (CPU samples, collapsed stacks), warms up,
# profiles wrk -t1 -c50 on the other CPU for DURATION seconds, stops the server (the profile is
# written at exit) and prints the hottest frames by self time, then by the listener's own frames.
#
#   bench/profile-http.sh ROW        ROW: small (/healthz), 1k, 64k, 1m or pipelined (1 KiB, depth 16)
#
# async-profiler comes from Maven Central (tools.profiler:async-profiler, the jar holds the
# native library): ./mvnw dependency:get -Dartifact=tools.profiler:async-profiler:4.2, then
# ASYNC_PROFILER=path/to/linux-x64/libasyncProfiler.so (unzipped from the jar).
# Knobs: DURATION [10], WARMUP [5], CONNS [50], DEPTH [16], SERVER_CPU [0], CLIENT_CPU [1],
# PORT [18090], JAR [server/target/switchboard-server.jar], EVENT [cpu; itimer where perf_events
# are not allowed], SB_FLAGS [unset].
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROW=${1:?usage: bench/profile-http.sh small|1k|64k|1m|pipelined}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-5}
CONNS=${CONNS:-50}
DEPTH=${DEPTH:-16}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-18090}
JAR=${JAR:-server/target/switchboard-server.jar}
EVENT=${EVENT:-cpu}
AP=${ASYNC_PROFILER:?set ASYNC_PROFILER to libasyncProfiler.so (see the header)}
read -r -a SB_EXTRA <<< "${SB_FLAGS:-}"
for tool in wrk taskset; do
    command -v "$tool" >/dev/null || { echo "profile-http.sh: $tool is missing (apt-get install -y wrk)" >&2; exit 1; }
done
declare -A path=([small]=/healthz [1k]=/1k.bin [64k]=/64k.bin [1m]=/1m.bin [pipelined]=/1k.bin)
[ -n "${path[$ROW]:-}" ] || { echo "profile-http.sh: unknown row $ROW" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-http-profile.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
mkdir -p "$WORK/root"
head -c 1024 /dev/urandom > "$WORK/root/1k.bin"
head -c $((64 * 1024)) /dev/urandom > "$WORK/root/64k.bin"
head -c $((1024 * 1024)) /dev/urandom > "$WORK/root/1m.bin"
cat > "$WORK/pipeline.lua" <<LUA
init = function(args)
    local r = {}
    for i = 1, $DEPTH do r[i] = wrk.format(nil, "${path[$ROW]}") end
    req = table.concat(r)
end
request = function() return req end
LUA
script=()
[ "$ROW" != pipelined ] || script=(-s "$WORK/pipeline.lua")
url="http://127.0.0.1:$PORT${path[$ROW]}"

# The agent samples from the start: the warm-up is in the profile too, so keep DURATION well above WARMUP.
taskset -c "$SERVER_CPU" java "-agentpath:$AP=start,event=$EVENT,interval=1ms,file=$WORK/profile.collapsed" \
    -jar "$JAR" --bind 127.0.0.1 --framed-port off --echo-port off --udp-port off --http-port "$PORT" \
    --static-root "$WORK/root" --io-threads 1 "${SB_EXTRA[@]}" > "$WORK/server.log" 2>&1 &
server=$!
pids+=("$server")
wait_port "$PORT"
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${WARMUP}s" "${script[@]}" "$url" > /dev/null
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" "${script[@]}" "$url" | tee "$WORK/wrk.txt" | grep -E "Requests/sec|Transfer/sec"
kill -TERM "$server"
wait "$server" 2>/dev/null || true
pids=()
[ -s "$WORK/profile.collapsed" ] || { echo "profile-http.sh: no profile written (see $WORK/server.log)" >&2; exit 1; }

total=$(awk '{n += $NF} END {print n}' "$WORK/profile.collapsed")
echo "samples: $total (profile in $WORK/profile.collapsed)"
echo "--- hottest frames by self time"
awk '{n = $NF; $NF = ""; k = split($0, f, ";"); self[f[k]] += n} END {for (s in self) print self[s], s}' \
    "$WORK/profile.collapsed" | sort -rn | head -25 | awk -v t="$total" '{printf "%5.1f%%  ", 100 * $1 / t; $1 = ""; print}'
echo "--- where the time goes, by the first frame of each kind in the stack"
awk -v t="$total" '{
    n = $NF; s = $0;
    if (s ~ /epoll_wait|epollWait|select|EPollArrayWrapper/ && s !~ /channelRead/) k = "waiting for I/O";
    else if (s ~ /writev|sendfile|write0|writeBytes|doWrite|sendFile/) k = "writing (syscalls and their setup)";
    else if (s ~ /readv|read0|doReadBytes|readBytes\(/ && s !~ /channelRead/) k = "reading";
    else if (s ~ /HttpObjectDecoder|HttpRequestDecoder/) k = "HTTP decoding";
    else if (s ~ /HttpObjectEncoder|HttpResponseEncoder/) k = "HTTP encoding";
    else if (s ~ /io\/switchboard/) k = "Switchboard handlers";
    else if (s ~ /io\/netty/) k = "Netty (other)";
    else if (s ~ /GC|gc_|G1/) k = "GC";
    else k = "other (JIT, VM, kernel)";
    c[k] += n
} END {for (k in c) printf "%5.1f%%  %s\n", 100 * c[k] / t, k}' "$WORK/profile.collapsed" | sort -rn
