#!/usr/bin/env bash
# Echo benchmark: a single-threaded C epoll echo server (reference, raw mode only) and Switchboard
# with --transport epoll --epoll-mode edge, epoll level and nio, each server pinned to one CPU and
# driven by bench/bin/echo_load pinned to another. Prints every echo_load report and a summary.
#
# Environment knobs (defaults in brackets):
#   DURATION [10]     measured seconds per run       WARMUP [3]   warm-up seconds per run
#   CONNS [50]        connections                    SIZE [64]    payload bytes
#   SKIP_BUILD [0]    1 = do not build the server jar (the C helpers are always made)
#   SERVER_CPU [0]    CPU for the server             CLIENT_CPU [1]  CPU for echo_load
#   BASE_PORT [17100] first of the ports used (BASE_PORT .. BASE_PORT+7)
#   JAR [server/target/switchboard-server.jar]       JAVA [java]  JAVA_OPTS [] extra JVM options
#   LOG_DIR [a new temporary directory]              where server logs go
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-50}
SIZE=${SIZE:-64}
SKIP_BUILD=${SKIP_BUILD:-0}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-17100}
JAR=${JAR:-server/target/switchboard-server.jar}
JAVA=${JAVA:-java}
read -r -a JAVA_OPTS_ARR <<< "${JAVA_OPTS:-}"
LOG_DIR=${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/switchboard-bench.XXXXXX")}
LOAD=bench/bin/echo_load

server_pid=""
load_pid=""
results=()   # "label|RESULT ..." or "label|FAILED mode=..."
failures=0

log() { printf '==> %s\n' "$*" >&2; }

stop_pid() {
    local pid=$1
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            log "pid $pid ignored SIGTERM, sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    if [[ -n $pid ]]; then
        wait "$pid" 2>/dev/null || true
    fi
}

cleanup() {
    stop_pid "$load_pid"
    load_pid=""
    stop_pid "$server_pid"
    server_pid=""
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# wait_port PORT: until PORT accepts connections (the server must stay alive), at most 60 s.
wait_port() {
    local port=$1 i
    for ((i = 0; i < 300; i++)); do
        if ! kill -0 "$server_pid" 2>/dev/null; then
            log "server exited before port $port accepted connections"
            return 1
        fi
        if port_open "$port"; then
            return 0
        fi
        sleep 0.2
    done
    log "port $port did not accept connections within 60 s"
    return 1
}

# start_server LABEL PORT... -- COMMAND...: starts COMMAND pinned to SERVER_CPU, waits for the ports.
start_server() {
    local label=$1 port
    shift
    local ports=()
    while [[ $1 != -- ]]; do
        ports+=("$1")
        shift
    done
    shift
    for port in "${ports[@]}"; do
        if port_open "$port"; then
            log "port $port is already in use; set BASE_PORT to a free range"
            return 1
        fi
    done
    log "starting $label: $*"
    taskset -c "$SERVER_CPU" "$@" >"$LOG_DIR/$label.log" 2>&1 &
    server_pid=$!
    for port in "${ports[@]}"; do
        if ! wait_port "$port"; then
            tail -n 20 "$LOG_DIR/$label.log" >&2 || true
            stop_pid "$server_pid"
            server_pid=""
            return 1
        fi
    done
}

stop_server() {
    stop_pid "$server_pid"
    server_pid=""
}

# run_load LABEL MODE PORT: one echo_load run; records its RESULT line.
run_load() {
    local label=$1 mode=$2 port=$3 out="$LOG_DIR/$1-$2.out" status=0
    log "$label: echo_load -m $mode -p $port -c $CONNS -s $SIZE -d $DURATION -w $WARMUP"
    taskset -c "$CLIENT_CPU" "$LOAD" -m "$mode" -p "$port" -c "$CONNS" -s "$SIZE" \
        -d "$DURATION" -w "$WARMUP" >"$out" 2>&1 &
    load_pid=$!
    wait "$load_pid" || status=$?
    load_pid=""
    cat "$out"
    local line
    line=$(grep -m 1 '^RESULT ' "$out" || true)
    if [[ $status -ne 0 || -z $line ]]; then
        failures=$((failures + 1))
        log "$label $mode: echo_load exited with status $status"
    fi
    if [[ -n $line ]]; then
        results+=("$label|$line")
    else
        results+=("$label|FAILED mode=$mode")
    fi
}

# field LINE KEY: the value of KEY=value in a RESULT line, or "-".
field() {
    if [[ $1 =~ (^|[[:space:]])$2=([^[:space:]]+) ]]; then
        printf '%s' "${BASH_REMATCH[2]}"
    else
        printf '%s' "-"
    fi
}

print_summary() {
    local entry label line
    printf '\nSummary: %s connections, %s-byte payload, %s s measured after %s s warm-up; server on CPU %s, echo_load on CPU %s\n\n' \
        "$CONNS" "$SIZE" "$DURATION" "$WARMUP" "$SERVER_CPU" "$CLIENT_CPU"
    printf '%-16s %-7s %12s %10s %10s %10s %10s %10s %7s\n' \
        server mode req/s p50_us p90_us p99_us p999_us max_us errors
    for entry in "${results[@]}"; do
        label=${entry%%|*}
        line=${entry#*|}
        printf '%-16s %-7s %12s %10s %10s %10s %10s %10s %7s\n' "$label" "$(field "$line" mode)" \
            "$(field "$line" rps)" "$(field "$line" p50_us)" "$(field "$line" p90_us)" \
            "$(field "$line" p99_us)" "$(field "$line" p999_us)" "$(field "$line" max_us)" \
            "$(field "$line" errors)"
    done
    printf '\n'
    for entry in "${results[@]}"; do
        printf '%s %s\n' "${entry%%|*}" "${entry#*|}"
    done
}

main() {
    command -v taskset >/dev/null || { log "taskset is required (util-linux)"; exit 1; }
    taskset -c "$SERVER_CPU,$CLIENT_CPU" true 2>/dev/null ||
        { log "CPUs $SERVER_CPU and $CLIENT_CPU are not both available"; exit 1; }

    log "building the C helpers"
    make -s -C bench
    if [[ $SKIP_BUILD != 1 ]]; then
        log "building the server jar"
        ./mvnw -B -q -ntp -DskipTests package
    fi
    [[ -f $JAR ]] || { log "no server jar at $JAR (build it or set JAR)"; exit 1; }
    log "server logs and echo_load outputs go to $LOG_DIR"

    local c_port=$BASE_PORT
    if start_server c-epoll "$c_port" -- bench/bin/echo_server "$c_port"; then
        run_load c-epoll raw "$c_port"
        stop_server
    else
        failures=$((failures + 1))
        results+=("c-epoll|FAILED mode=raw")
    fi

    local variant label transport mode framed_port echo_port n=1
    for variant in epoll:edge epoll:level nio:-; do
        transport=${variant%%:*}
        mode=${variant#*:}
        if [[ $mode == - ]]; then
            label="sb-$transport"
        else
            label="sb-$transport-$mode"
        fi
        framed_port=$((BASE_PORT + 2 * n))
        echo_port=$((framed_port + 1))
        n=$((n + 1))
        local args=(--bind 127.0.0.1 --framed-port "$framed_port" --echo-port "$echo_port"
            --io-threads 1 --transport "$transport")
        if [[ $mode != - ]]; then
            args+=(--epoll-mode "$mode")
        fi
        if start_server "$label" "$framed_port" "$echo_port" -- \
            "$JAVA" "${JAVA_OPTS_ARR[@]}" -jar "$JAR" "${args[@]}"; then
            run_load "$label" raw "$echo_port"
            run_load "$label" framed "$framed_port"
            stop_server
        else
            failures=$((failures + 1))
            results+=("$label|FAILED mode=raw" "$label|FAILED mode=framed")
        fi
    done

    print_summary
    if ((failures > 0)); then
        log "$failures run(s) failed"
        exit 1
    fi
}

main "$@"
