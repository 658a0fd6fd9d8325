#!/usr/bin/env bash
# HTTP benchmark: wrk against Switchboard's HTTP listener and against nginx serving the same
# content, each server pinned to one CPU and wrk to another. Three workloads: GET / of the
# built-in page, a 1 KiB static file (requests per second), and a 100 MiB file (transfer rate).
# Needs wrk and nginx (Debian: apt-get install -y wrk nginx-light).
#
# Environment knobs (defaults in brackets):
#   DURATION [10]   seconds per wrk run        CONNS [50]   wrk connections (one wrk thread)
#   SERVER_CPU [0]  CPU for the servers        CLIENT_CPU [1]  CPU for wrk
#   BASE_PORT [18080]  ports BASE_PORT..BASE_PORT+2   JAR [server/target/switchboard-server.jar]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${DURATION:-10}
CONNS=${CONNS:-50}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18080}
JAR=${JAR:-server/target/switchboard-server.jar}
for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null || { echo "run-http.sh: $tool is missing (apt-get install -y wrk nginx-light curl)" >&2; exit 1; }
done
[ -f "$JAR" ] || { echo "run-http.sh: $JAR is missing; build with ./mvnw -B -DskipTests package" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-http-bench.XXXXXX")
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

SB_BUILTIN=$BASE_PORT
SB_FILES=$((BASE_PORT + 1))
NGINX=$((BASE_PORT + 2))
mkdir -p "$WORK/root" "$WORK/nginx"
head -c 1024 /dev/urandom > "$WORK/root/1k.bin"
head -c $((100 * 1024 * 1024)) /dev/urandom > "$WORK/root/100m.bin"
# nginx's worker runs as an unprivileged user: let it read the files.
chmod -R a+rX "$WORK"

# Switchboard without a static root serves its built-in page at /.
taskset -c "$SERVER_CPU" java -jar "$JAR" --bind 127.0.0.1 --framed-port off --echo-port off --udp-port off \
    --http-port "$SB_BUILTIN" --io-threads 1 > "$WORK/sb-builtin.log" 2>&1 &
pids+=($!)
taskset -c "$SERVER_CPU" java -jar "$JAR" --bind 127.0.0.1 --framed-port off --echo-port off --udp-port off \
    --http-port "$SB_FILES" --static-root "$WORK/root" --io-threads 1 > "$WORK/sb-files.log" 2>&1 &
pids+=($!)
wait_port "$SB_BUILTIN"
wait_port "$SB_FILES"
# nginx serves the same built-in page as its index.html.
curl -sf "http://127.0.0.1:$SB_BUILTIN/" > "$WORK/root/index.html"
chmod a+r "$WORK/root/index.html"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types { text/html html; application/octet-stream bin; }
    client_body_temp_path $WORK/nginx;
    proxy_temp_path $WORK/nginx;
    fastcgi_temp_path $WORK/nginx;
    uwsgi_temp_path $WORK/nginx;
    scgi_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$NGINX;
        root $WORK/root;
    }
}
CONF
taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
pids+=($!)
wait_port "$NGINX"
# Same bytes from both servers, or the comparison means nothing.
for path in /index.html /1k.bin /100m.bin; do
    if ! cmp -s <(curl -sf "http://127.0.0.1:$NGINX$path") "$WORK/root${path}"; then
        echo "run-http.sh: nginx does not serve $path correctly" >&2; exit 1
    fi
    if [ "$path" != /index.html ] && ! cmp -s <(curl -sf "http://127.0.0.1:$SB_FILES$path") "$WORK/root${path}"; then
        echo "run-http.sh: switchboard does not serve $path correctly" >&2; exit 1
    fi
done

run() { # label url
    local out
    out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "$2")
    printf '%s\n' "$out" > "$WORK/$1.wrk"
    local rps transfer p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
    transfer=$(awk '/Transfer\/sec/ {print $2}' <<< "$out")
    p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
    p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
    printf '%-22s %12s %12s %10s %10s\n' "$1" "$rps" "$transfer" "$p50" "$p99"
}

# Warm both JVMs up before measuring.
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d5s "http://127.0.0.1:$SB_BUILTIN/" > /dev/null
taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d5s "http://127.0.0.1:$SB_FILES/1k.bin" > /dev/null
printf '%-22s %12s %12s %10s %10s\n' run req/s transfer/s p50 p99
run switchboard-builtin "http://127.0.0.1:$SB_BUILTIN/"
run nginx-index "http://127.0.0.1:$NGINX/"
run switchboard-1k "http://127.0.0.1:$SB_FILES/1k.bin"
run nginx-1k "http://127.0.0.1:$NGINX/1k.bin"
run switchboard-100m "http://127.0.0.1:$SB_FILES/100m.bin"
run nginx-100m "http://127.0.0.1:$NGINX/100m.bin"
echo "wrk reports in $WORK"
