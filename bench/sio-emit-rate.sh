#!/usr/bin/env bash
# The load tool's Socket.IO emit rate on one core (docs/socketio-benchmark.md, "The load tool's emit
# rate"): a Switchboard server (SERVER_JAR, one I/O thread, CPU 0) as the sink (no handler for the
# event), `load --protocol socketio --opt workload=emit` of each of CLIENTS (jars; default
# client/target/switchboard-client.jar) on CPU 1, twice each, open loop at RATE emits/s over CONNS
# sockets (EXTRA: more flags, e.g. "--pipeline 64"). Prints the tool's report lines and, over the
# measured window, the server's and the tool's CPU (/proc/PID/stat) and the bytes the server read
# (switchboard_bytes_received_total on /metrics): the tool limits when its core is busy and the
# server's is not and it reads what the tool sends. Run it under bench/rt.sh (about 40 s a jar).
# Knobs: RATE [400000] CONNS [50] DUR [6] EXTRA [] PROF [] (a file: the second run of each jar with
# async-profiler from ASYNC_PROFILER=path/to/libasyncProfiler.so, collapsed stacks) SERVER_JAR CLIENTS.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
J=${SERVER_JAR:-server/target/switchboard-server.jar}
C=${CLIENT_JAR:-client/target/switchboard-client.jar}
RATE=${RATE:-400000} CONNS=${CONNS:-50} DUR=${DUR:-6}
rx() { curl -s http://127.0.0.1:18398/metrics | awk '/^switchboard_bytes_received_total\{listener="http"\}/ {print $2}'; }
ticks() { local f; read -r -a f <<< "$(sed 's/.*) //' "/proc/$1/stat")"; echo $((f[11]+f[12])); }
flags=(--bind 127.0.0.1 --framed-port off --echo-port off --udp-port off --http-port 18398 --io-threads 1)
out=${TMPDIR:-/tmp}
taskset -c 0 java -jar "$J" "${flags[@]}" > "$out/sio-emit-rate-server.log" 2>&1 &
spid=$!
for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/18398) 2>/dev/null && break; sleep 0.1; done
read -r -a extra <<< "${EXTRA:-}"
for c in ${CLIENTS:-$C}; do
for run in 1 2; do
  jo=()
  if [ "$run" = 2 ] && [ -n "${PROF:-}" ]; then
    jo=("-agentpath:${ASYNC_PROFILER:?PROF needs ASYNC_PROFILER}=start,event=cpu,interval=1ms,collapsed,file=$PROF")
  fi
  taskset -c 1 java "${jo[@]}" -jar "$c" load --protocol socketio --target http://127.0.0.1:18398/ --threads 1 -d "${DUR}s" --warmup 2s \
     -c "$CONNS" --rate "$RATE" --payload 100 --min-achieved off --opt workload=emit --opt event=sink "${extra[@]}" > "$out/sio-emit-rate-$run.txt" 2>&1 &
  cpid=$!
  sleep 3; s0=$(ticks $spid); c0=$(ticks $cpid); r0=$(rx); t0=$EPOCHREALTIME
  sleep $((DUR - 2)); s1=$(ticks $spid); c1=$(ticks $cpid); r1=$(rx); t1=$EPOCHREALTIME
  wait $cpid
  echo "== $c run $run: rate $RATE"
  grep -E "Throughput|Errors|Tool|latency" "$out/sio-emit-rate-$run.txt"
  python3 -c "d=$t1-$t0; print('window %.1fs server_cpu %.0f%% tool_cpu %.0f%% server_received %.2f MB/s' % (d, ($s1-$s0)/d, ($c1-$c0)/d, (float('$r1')-float('$r0'))/d/1e6))"
done; done
kill $spid; wait $spid 2>/dev/null
