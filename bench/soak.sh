#!/usr/bin/env bash
# Soak with churn: one server under a mixed load for a given time, sampled every few seconds; fails
# when a resource trends upward after the warm-up, when an acknowledged message is lost, or when
# the server logs an error.
#
#   bench/soak.sh [SECONDS]            (default 120; CI runs it for 120, docs/operations.md has an hour)
#
# Load (each load-tool process runs for SECONDS and checks its own results):
#   framed   publishes with acks into rooms (errors == 0: every publish acknowledged)
#   fanout   100 subscribers, 100 publishes/s of 1 KiB with acks (missing == 0, duplicate_deliveries == 0)
#   raw      TCP echo, every byte verified;  udp  datagram echo (lost ones are counted, not judged:
#            UDP may drop);  http  a static file;  ws  the WebSocket bridge's echo
#   clients  bench/soak_clients.py: ~200 connections opened and closed per second (framed and
#            HTTP), 20 slow consumers in the fan-out room that never read (but ping), 20 silent peers that
#            neither read, write nor close (only the idle timeout ends them)
# Samples (every SAMPLE seconds, after `jcmd GC.run`): heap after GC, Netty's direct memory, the
# pooled allocator's direct arenas, open fds, threads, open connections, events delivered and
# dropped (from /metrics). soak_trend.py fits a line to each after the warm-up.
#
# Knobs (environment): WARMUP [a quarter of SECONDS, at least 30]  SAMPLE [5]  PORT_BASE [17700]  OUT [a temp dir,
#   kept on failure; one given is always kept]  SERVER_JAR  CLIENT_JAR  JAVA_OPTS [-Xmx256m -XX:MaxDirectMemorySize=128m]
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

SECONDS_TOTAL=${1:-120}
WARMUP=${WARMUP:-$((SECONDS_TOTAL / 4 > 30 ? SECONDS_TOTAL / 4 : 30))} SAMPLE=${SAMPLE:-5} PORT_BASE=${PORT_BASE:-17700}
SERVER_JAR=${SERVER_JAR:-server/target/switchboard-server.jar}
CLIENT_JAR=${CLIENT_JAR:-client/target/switchboard-client.jar}
JAVA_OPTS=${JAVA_OPTS:--Xmx256m -XX:MaxDirectMemorySize=128m}
for jar in "$SERVER_JAR" "$CLIENT_JAR"; do
    [ -f "$jar" ] || { echo "soak: no $jar (build first: ./mvnw -q package -DskipTests)" >&2; exit 2; }
done
# OUT given by the caller is kept; a temporary one is removed when the soak passes.
keep_out=${OUT:+1}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT/static"
FRAMED=$PORT_BASE ECHO=$((PORT_BASE + 1)) UDP=$((PORT_BASE + 2)) HTTP=$((PORT_BASE + 3))
head -c 2048 /dev/urandom | base64 > "$OUT/static/file.txt"

failed=0
fail() { echo "soak: FAIL: $*"; failed=1; }

# shellcheck disable=SC2086 # JAVA_OPTS is a list of options
java $JAVA_OPTS -jar "$SERVER_JAR" --bind 127.0.0.1 --framed-port "$FRAMED" --echo-port "$ECHO" \
    --udp-port "$UDP" --http-port "$HTTP" --static-root "$OUT/static" --idle-timeout 5s \
    --io-threads 2 > "$OUT/server.log" 2>&1 &
server=$!
pids+=("$server")
wait_port "$HTTP"
wait_port "$FRAMED"

load() { # name, then load-tool arguments
    local name=$1
    shift
    java -Xmx256m -jar "$CLIENT_JAR" load --quiet --duration "${SECONDS_TOTAL}s" --min-achieved off \
        --json "$OUT/$name.json" "$@" > "$OUT/$name.out" 2>&1 &
    loads+=("$name:$!")
}
loads=()
load framed --protocol framed --target "127.0.0.1:$FRAMED" --mode publish -c 10 --rate 2000 --room soak-publish \
    --check 'errors == 0'
load fanout --protocol fanout --target "127.0.0.1:$FRAMED" -c 100 --rate 100 --payload 1024 --room soak-fanout \
    --check 'errors == 0' --check 'missing == 0' --check 'duplicate_deliveries == 0'
load raw --protocol raw --target "127.0.0.1:$ECHO" -c 10 --rate 2000 --check 'errors == 0'
load udp --protocol udp --target "127.0.0.1:$UDP" -c 4 --rate 1000
load http --protocol http --target "http://127.0.0.1:$HTTP/file.txt" -c 8 --rate 1000 --check 'errors == 0'
load ws --protocol ws --target "ws://127.0.0.1:$HTTP/ws" -c 8 --rate 1000 --check 'errors == 0'
python3 bench/soak_clients.py --port "$FRAMED" --http-port "$HTTP" --seconds "$SECONDS_TOTAL" \
    > "$OUT/clients.out" 2>&1 &
clients=$!

metric() { # name{labels} value from the last scrape
    awk -v m="$1" '$1 == m { print $2; found = 1 } END { if (!found) print 0 }' "$OUT/scrape.txt"
}
echo "t,heap_after_gc_bytes,netty_direct_bytes,nio_direct_bytes,pool_direct_bytes,open_fds,threads,connections,delivered,dropped" \
    > "$OUT/samples.csv"
start=$(date +%s)
next=$start
while kill -0 "$clients" 2>/dev/null; do
    jcmd "$server" GC.run > /dev/null 2>&1 || fail "jcmd GC.run failed at $(($(date +%s) - start)) s"
    if curl -sf --max-time 10 "http://127.0.0.1:$HTTP/metrics" -o "$OUT/scrape.txt"; then
        conns=$(awk '$1 ~ /^switchboard_connections_open/ { n += $2 } END { print n + 0 }' "$OUT/scrape.txt")
        echo "$(($(date +%s) - start)),$(metric 'jvm_memory_used_bytes{area="heap"}'),$(metric 'switchboard_direct_memory_used_bytes{counter="netty"}'),$(metric 'switchboard_direct_memory_used_bytes{counter="nio"}'),$(metric 'switchboard_buffer_pool_used_bytes{kind="direct"}'),$(metric process_open_fds),$(metric jvm_threads_current),$conns,$(metric switchboard_events_delivered_total),$(metric switchboard_events_dropped_total)" \
            >> "$OUT/samples.csv"
    else
        fail "the server did not answer /metrics at $(($(date +%s) - start)) s"
    fi
    next=$((next + SAMPLE))
    now=$(date +%s)
    [ "$next" -gt "$now" ] && sleep $((next - now))
done

for entry in "${loads[@]}"; do
    name=${entry%%:*} pid=${entry#*:}
    if ! wait "$pid"; then
        fail "load '$name' failed its checks or could not run: $(grep -E 'FAIL|error' "$OUT/$name.out" | head -3 | tr '\n' ' ')"
    fi
done
wait "$clients" || fail "soak_clients.py failed"
echo "soak: $(cat "$OUT/clients.out")"
if grep -E '^[0-9TZ:.-]+ (ERROR|FATAL) ' "$OUT/server.log" > "$OUT/errors.txt"; then
    fail "the server logged errors: $(head -3 "$OUT/errors.txt")"
fi
kill -0 "$server" 2>/dev/null || fail "the server died"
stop_all

echo "soak: $SECONDS_TOTAL s, warm-up $WARMUP s, samples every $SAMPLE s ($OUT/samples.csv, plotted in $OUT/soak.svg)"
python3 bench/soak_trend.py "$OUT/samples.csv" "$WARMUP" --svg "$OUT/soak.svg" || fail "a resource trends upward after the warm-up"
for name in framed fanout raw udp http ws; do
    printf 'soak: %-6s %s\n' "$name" "$(python3 - "$OUT/$name.json" <<'EOF'
import json, sys
try:
    run = json.load(open(sys.argv[1]))
except (OSError, ValueError) as e:
    print("no report (%s)" % e)
    sys.exit(0)
values = dict(run["run"]["counters"])
values.update(run["run"]["totals"])
keys = ["completed", "errors", "timed_out", "missing", "duplicate_deliveries", "out_of_order", "lost"]
print(" ".join("%s=%s" % (k, values[k]) for k in keys if k in values) + " p99_us=%s" % run["run"]["latency_us"].get("p99"))
EOF
)"
done
if [ "$failed" = 0 ]; then
    echo "soak: PASS"
    [ -n "$keep_out" ] || rm -rf "$OUT"
else
    echo "soak: FAIL (everything kept in $OUT)"
    exit 1
fi
