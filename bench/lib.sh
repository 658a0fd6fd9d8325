# shellcheck shell=bash
# Shared by the bench/run-*.sh scripts (sourced, not run): background processes stopped on exit,
# and waiting for a port to open.
#   pids+=($!)         after starting a background process that stop_all must stop
#   wait_port PORT     until 127.0.0.1:PORT accepts connections, at most 30 s
#   async_profiler DIR VERSION   async-profiler's linux-x64 library from Maven Central into DIR;
#                      prints its path
#   start_nginx DIR PORT CPU HTTP SERVER   nginx with one worker on CPU, listening on
#                      127.0.0.1:PORT; sets nginx_pid

pids=()

# Stops every process in pids (TERM, then waits for each) and empties the list.
stop_all() {
    local pid
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    pids=()
}
trap stop_all EXIT

wait_port() {
    local i
    for ((i = 0; i < 150; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    echo "${0##*/}: port $1 never opened${WORK:+ (logs in $WORK)}" >&2
    return 1
}

# async-profiler (tools.profiler:async-profiler, whose jar holds the native library) copied by
# Maven into DIR, offline first (it may be in the local repository), and its linux-x64 library
# unzipped there; prints the library's path.
async_profiler() { # DIR VERSION
    ./mvnw -B -ntp -q -o dependency:copy -Dartifact="tools.profiler:async-profiler:$2" \
            -DoutputDirectory="$1" -Dmdep.overWriteReleases=true 2>/dev/null >&2 \
        || ./mvnw -B -ntp -q dependency:copy -Dartifact="tools.profiler:async-profiler:$2" -DoutputDirectory="$1" >&2
    (cd "$1" && unzip -q -o "async-profiler-$2.jar" linux-x64/libasyncProfiler.so)
    echo "$1/linux-x64/libasyncProfiler.so"
}

# nginx as the benchmarks run it: one worker pinned to CPU, no daemon, access log off, keep-alive
# for as many requests as a run makes, every file it writes under DIR (nginx/ there), listening
# on 127.0.0.1:PORT. HTTP: more lines for the http block (sendfile, caches, types); SERVER: the
# lines of the server block after listen (root, locations). Sets nginx_pid (the master; its
# worker is its child) and adds it to pids.
start_nginx() { # DIR PORT CPU HTTP SERVER
    mkdir -p "$1/nginx"
    cat > "$1/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $1/nginx/nginx.pid;
error_log $1/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
    client_body_temp_path $1/nginx;
    proxy_temp_path $1/nginx;
    fastcgi_temp_path $1/nginx;
    uwsgi_temp_path $1/nginx;
    scgi_temp_path $1/nginx;
$4
    server {
        listen 127.0.0.1:$2;
$5
    }
}
CONF
    taskset -c "$3" nginx -c "$1/nginx/nginx.conf" -p "$1/nginx" &
    nginx_pid=$!
    pids+=("$nginx_pid")
}
