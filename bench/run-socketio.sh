#!/usr/bin/env bash
# Socket.IO side by side (issue 17), four servers running the same application (bench/socketio-lib.sh):
#   switchboard       Switchboard with no application code (its sb:* relay events)
#   switchboard-java  Switchboard embedded, the events handled in Java (bench/java/SioEchoRooms.java)
#   node              the Node socket.io 4.8.4 server (client/src/test/node/socketio-server/server.mjs)
#   netty-socketio    netty-socketio 2.0.13 (bench/java/NettySocketIoEchoRooms.java)
# each pinned to SERVER_CPU (Switchboard and netty-socketio with one I/O thread), driven by
# `switchboard-client load --protocol socketio` pinned to CLIENT_CPU, over WebSocket. Runs are
# interleaved (every server once per round, ROUNDS rounds); the tables give medians:
#   echo:   CONNS sockets, closed loop, one emit with ack in flight each (the relay: sb:publish to an
#           empty room, acknowledged [null]; the others: echo, acknowledged with the payload);
#           round trips/s, p50, p99 of the ack latency
#   fanout: SUBSCRIBERS sockets in one room, 1 publisher emitting open loop at each of RATES
#           publishes/s (each delivered to every subscriber): deliveries/s in the measured window,
#           p99 from the intended send time to the delivery, missing deliveries. A server's sweep
#           stops (in that round) at the first rate where it falls behind: p99 over STOP_P99_MS,
#           deliveries missing, the publisher held back (under 90% of the rate sent, its acks
#           late), or a failed run. The highest rate whose median p99 stays under GOAL_P99_MS
#           (a rate a round did not reach counts as over) is printed per server.
#   server and tool CPU: the server's CPU time over the measured window (sampled from
#           /proc/PID/stat), also per round trip or delivery (cpu_us: the figure least disturbed
#           by other work on a shared machine), and the load tool's own figure; a tool near 100%
#           means the numbers are the tool's, not the server's
# Then (MEMORY=1) bench/run-socketio-memory.sh: RSS and heap per idle connection at 10,000.
# Needs node/npm, python3, taskset, the jars (./mvnw -B -ntp -pl server,client -am -DskipTests package)
# and Maven Central or a local repository holding netty-socketio 2.0.13 (./mvnw, bench/netty-socketio/pom.xml).
# Defaults take about 15 minutes on a quiet machine (an estimate: about 4 minutes a round, 3 for the
# memory table); 17 minutes on a busy shared one, where every sweep stopped early.
#
# Knobs (environment, defaults in brackets):
#   ROUNDS [3]  DURATION [4] measured seconds per run  WARMUP [2] seconds  CONNS [50]  SUBSCRIBERS [1000]
#   RATES ["20 50 100 200 500 1000 2000"] fan-out publishes/s, increasing  STOP_P99_MS [1000]  GOAL_P99_MS [50]
#   PIPELINE [64] publishes awaiting their ack  SIZE [100] payload bytes
#   SERVERS ["switchboard switchboard-java node netty-socketio"]  MEMORY [1] also the memory table
#   WORKLOADS ["echo fanout"] which of the two to run (WORKLOADS=echo MEMORY=0: the echo table alone)
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [18390]  SERVER_JAR [server/target/switchboard-server.jar]
#   CLIENT_JAR [client/target/switchboard-client.jar]  JAVA [java]  JAVA_OPTS [] for the JVM servers
#   BEFORE_JAR [] another server jar, run as the server "switchboard-before" (the relay) when SERVERS names it:
#   SERVERS="switchboard-before switchboard" BEFORE_JAR=old.jar MEMORY=0 bench/run-socketio.sh  compares two builds
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-4} WARMUP=${WARMUP:-2} CONNS=${CONNS:-50}
SUBSCRIBERS=${SUBSCRIBERS:-1000} RATES=${RATES:-20 50 100 200 500 1000 2000} PIPELINE=${PIPELINE:-64} SIZE=${SIZE:-100}
STOP_P99_MS=${STOP_P99_MS:-1000} GOAL_P99_MS=${GOAL_P99_MS:-50}
SERVER_CPU=${SERVER_CPU:-0} CLIENT_CPU=${CLIENT_CPU:-1} PORT=${PORT:-18390}
SERVER_JAR=${SERVER_JAR:-server/target/switchboard-server.jar}
CLIENT_JAR=${CLIENT_JAR:-client/target/switchboard-client.jar}
JAVA=${JAVA:-java} JAVA_OPTS=${JAVA_OPTS:-} SERVERS=${SERVERS:-switchboard switchboard-java node netty-socketio}
MEMORY=${MEMORY:-1} WORKLOADS=${WORKLOADS:-echo fanout}
case " $WORKLOADS " in *" echo "* | *" fanout "*) ;; *) echo "run-socketio.sh: WORKLOADS: echo, fanout or both" >&2; exit 2 ;; esac
run_echo=0 run_fanout=0
case " $WORKLOADS " in *" echo "*) run_echo=1 ;; esac
case " $WORKLOADS " in *" fanout "*) run_fanout=1 ;; esac
[ "$run_fanout" = 1 ] || RATES=""
BEFORE_JAR=${BEFORE_JAR:-}
export SERVER_CPU CLIENT_CPU SERVER_JAR CLIENT_JAR JAVA JAVA_OPTS BEFORE_JAR
for tool in python3 taskset; do
    command -v "$tool" >/dev/null || { echo "run-socketio.sh: $tool is missing" >&2; exit 1; }
done
for jar in "$SERVER_JAR" "$CLIENT_JAR"; do
    [ -f "$jar" ] || { echo "run-socketio.sh: $jar is missing; build with ./mvnw -B -ntp -pl server,client -am -DskipTests package" >&2; exit 1; }
done
SERVER_JAR=$(realpath "$SERVER_JAR") CLIENT_JAR=$(realpath "$CLIENT_JAR")

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-socketio-bench.XXXXXX")
started=$SECONDS
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
# shellcheck source=bench/socketio-lib.sh
source "$ROOT/bench/socketio-lib.sh"
# shellcheck disable=SC2086
sio_prepare $SERVERS

# One run on CLIENT_CPU; its JSON report in $WORK/LABEL.json. A 30 s timeout: on a busy machine
# the 1,001 sockets of a fan-out run took more than 10 s to connect, and the retries piled up.
load() { # LABEL ARGS...
    local label=$1
    shift
    taskset -c "$CLIENT_CPU" "$JAVA" -jar "$CLIENT_JAR" load --protocol socketio --target "http://127.0.0.1:$PORT/" \
        --threads 1 -d "${DURATION}s" --warmup "${WARMUP}s" --timeout 30s --json "$WORK/$label.json" -q "$@" \
        > "$WORK/$label.txt" 2>&1 || true
}

# Whether the fan-out run LABEL at RATE fell behind (prints the reason) or not (prints nothing).
behind() { # LABEL RATE
    python3 - "$WORK/$1.json" "$2" "$STOP_P99_MS" <<'PY'
import json, sys
try:
    s = json.load(open(sys.argv[1]))["stages"][0]
except Exception:
    print("the run failed (no report)"); sys.exit()
rate, stop = float(sys.argv[2]), float(sys.argv[3])
p99 = s["latency_us"]["p99"] / 1000
if p99 > stop: print(f"p99 {p99:.0f} ms over {stop:.0f} ms")
elif s["counters"].get("missing", 0) > 0: print(f"{s['counters']['missing']} deliveries missing")
elif s["self"]["achieved_rate"] < 0.9 * rate: print(f"publishes held back: {s['self']['achieved_rate']:.0f}/s sent")
elif s["totals"]["completed"] == 0: print("nothing delivered")
PY
}

# The runs, one line each for the summary: kind server round rate label cpu-samples
: > "$WORK/runs.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
    for server in $SERVERS; do
        sio_start "$server" "$PORT"
        samples="$WORK/cpu-$server-$round.tsv"
        sio_cpu_sampler "$server_pid" "$samples"
        sio_echo_opts "$server"
        sio_fanout_opts "$server"
        if [ "$run_echo" = 1 ]; then
            echo "==> round $round/$ROUNDS, $server: echo with ack, $CONNS sockets" >&2
            load "echo-$server-$round" -c "$CONNS" "${echo_opts[@]}"
            printf 'echo\t%s\t%s\t-\techo-%s-%s\t%s\n' "$server" "$round" "$server" "$round" "$samples" >> "$WORK/runs.tsv"
        fi
        for rate in $RATES; do
            echo "==> round $round/$ROUNDS, $server: fan-out to $SUBSCRIBERS at $rate publishes/s" >&2
            label="fanout-$server-$rate-$round"
            load "$label" -c $((SUBSCRIBERS + 1)) --rate "$rate" --pipeline "$PIPELINE" \
                --payload "$SIZE" --min-achieved off --opt workload=fanout --opt "subscribers=$SUBSCRIBERS" \
                --opt drain=2s "${fanout_opts[@]}"
            printf 'fanout\t%s\t%s\t%s\t%s\t%s\n' "$server" "$round" "$rate" "$label" "$samples" >> "$WORK/runs.tsv"
            reason=$(behind "$label" "$rate")
            if [ -n "$reason" ]; then
                echo "    $server fell behind at $rate publishes/s ($reason): its sweep stops for this round" >&2
                break
            fi
        done
        stop_all
    done
done
rounds_took=$((SECONDS - started))

summary=$WORK/summary.txt
python3 - "$WORK" "$ROUNDS" "$CONNS" "$SUBSCRIBERS" "$RATES" "$GOAL_P99_MS" "$SERVERS" "$(getconf CLK_TCK)" <<'PY' | tee "$summary"
import json, os, statistics, sys
from datetime import datetime
work, rounds, conns, subs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rates, goal, servers, tck = [int(r) for r in sys.argv[5].split()], float(sys.argv[6]), sys.argv[7].split(), float(sys.argv[8])

def report(label):
    try:
        return json.load(open(os.path.join(work, label + ".json")))["stages"][0]
    except Exception:
        return None

def cpu(stage, samples):
    """The server's CPU % over the stage's measured window, from the sampler's lines."""
    try:
        rows = [tuple(map(float, l.split())) for l in open(samples) if len(l.split()) == 2]
        start = datetime.fromisoformat(stage["started_at"].replace("Z", "+00:00")).timestamp()
        end = start + stage["totals"]["seconds"]
        def at(t):
            for (t0, c0), (t1, c1) in zip(rows, rows[1:]):
                if t0 <= t <= t1:
                    return c0 + (c1 - c0) * (t - t0) / (t1 - t0)
            raise ValueError
        return 100 * (at(end) - at(start)) / tck / (end - start)
    except Exception:
        return None

runs = {}
for line in open(os.path.join(work, "runs.tsv")):
    kind, server, rnd, rate, label, samples = line.rstrip("\n").split("\t")
    s = report(label)
    runs[(kind, server, rate, int(rnd))] = (s, cpu(s, samples) if s else None)

def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None

def per_event(rate, cpu_percent):
    """Microseconds of server CPU per round trip or delivery: robust to a shared CPU, unlike rates."""
    return None if cpu_percent is None or not rate else cpu_percent / 100 * 1e6 / rate

def fmt(v, digits=0):
    if v is None: return "n/a"
    if v == float("inf"): return "behind"
    return f"{v:,.{digits}f}"

w = max(len(s) for s in servers) + 2
echo_ran = any(kind == "echo" for kind, *_ in runs)
if echo_ran:
    print()
    print(f"echo with ack, {conns} sockets, closed loop (median of {rounds} rounds; round trips/s of every round in brackets)")
    print(f"  {'server':<{w}} {'round_trips/s':>14} {'p50_us':>9} {'p99_us':>9} {'server_cpu%':>12} {'cpu_us/rt':>10} {'tool_cpu%':>10}")
    for server in servers:
        rs = [runs.get(("echo", server, "-", r), (None, None)) for r in range(1, rounds + 1)]
        ok = [(s, c) for s, c in rs if s is not None and s["totals"]["completed"] > 0]
        if not ok:
            print(f"  {server:<{w}} n/a: no run completed (see {work}/echo-{server}-*.txt)")
            continue
        print(f"  {server:<{w}} {fmt(med([s['totals']['rate'] for s, _ in ok])):>14}"
              f" {fmt(med([s['latency_us']['p50'] for s, _ in ok])):>9} {fmt(med([s['latency_us']['p99'] for s, _ in ok])):>9}"
              f" {fmt(med([c for _, c in ok])):>12} {fmt(med([per_event(s['totals']['rate'], c) for s, c in ok]), 1):>10}"
              f" {fmt(med([s['self']['cpu_percent'] for s, _ in ok])):>10}   [{' '.join(fmt(s['totals']['rate']) for s, _ in ok)}]")
if not rates:  # WORKLOADS=echo
    sys.exit()
print()
print(f"fan-out to {subs:,} subscribers, 1 publisher, open loop (median of the rounds that reached the rate;"
      " deliveries/s of every round in brackets, '-' where its sweep had stopped)")
print(f"  {'server':<{w}} {'publish/s':>9} {'deliveries/s':>13} {'p99_us':>10} {'missing':>8} {'server_cpu%':>12}"
      f" {'cpu_us/dlv':>10} {'tool_cpu%':>10}  rounds")
best = {}
for server in servers:
    best[server] = None
    for rate in rates:
        rs = [runs.get(("fanout", server, str(rate), r), (None, None)) for r in range(1, rounds + 1)]
        if all(s is None for s, _ in rs) and not any(("fanout", server, str(rate), r) in runs for r in range(1, rounds + 1)):
            continue
        done = [(s, c) for s, c in rs if s is not None]
        # A round that did not reach the rate (it fell behind before) counts as over the goal.
        p99s = [s["latency_us"]["p99"] if s is not None and s["counters"].get("missing", 0) == 0 else float("inf")
                for s, _ in rs]
        p99 = statistics.median(p99s)
        if p99 < goal * 1000 and (best[server] is None or rate > best[server]):
            best[server] = rate
        per_round = " ".join(fmt(s["totals"]["completed"] / s["totals"]["seconds"]) if s is not None else "-"
                             for s, _ in rs)
        print(f"  {server:<{w}} {rate:>9,} {fmt(med([s['totals']['completed'] / s['totals']['seconds'] for s, _ in done])):>13}"
              f" {fmt(p99):>10} {fmt(med([s['counters'].get('missing', 0) for s, _ in done])):>8}"
              f" {fmt(med([c for _, c in done])):>12}"
              f" {fmt(med([per_event(s['totals']['completed'] / s['totals']['seconds'], c) for s, c in done]), 2):>10}"
              f" {fmt(med([s['self']['cpu_percent'] for s, _ in done])):>10}  [{per_round}]")
print()
print(f"highest publish rate whose median p99 stays under {goal:.0f} ms (of {' '.join(map(str, rates))})")
for server in servers:
    b = best[server]
    print(f"  {server:<{w}} " + (f"{b:,} publishes/s ({b * subs:,} deliveries/s)" if b else f"none (not even {rates[0]:,}/s)"))
PY
echo "(servers on CPU $SERVER_CPU, the load tool on CPU $CLIENT_CPU, ${WARMUP}s warm-up + ${DURATION}s measured per run;" \
    "the rounds took ${rounds_took}s; reports in $WORK)" | tee -a "$summary"

if [ "$MEMORY" = 1 ] && [ -n "$(for s in $SERVERS; do case $s in switchboard | node | netty-socketio) echo "$s" ;; esac; done)" ]; then
    mem_servers=""
    for server in $SERVERS; do
        case $server in switchboard-java | switchboard-before) ;; *) mem_servers+="$server " ;; esac
    done
    PORT=$((PORT + 1)) SERVERS="$mem_servers" WORK_PARENT="$WORK" "$ROOT/bench/run-socketio-memory.sh" | tee -a "$summary"
fi
echo "(the whole run took $((SECONDS - started))s; the tables are in $summary)"
