#!/usr/bin/env bash
# Edge- versus level-triggered epoll under bulk load: bench/bin/bulk_load (CONNS connections, each
# with INFLIGHT messages of SIZE bytes in flight, closed loop) against the raw echo listener of
# Switchboard with --transport epoll --epoll-mode edge and level, and against bench/bin/echo_server
# (C, edge-triggered, each connection read and written until EAGAIN). The server is pinned to
# SERVER_CPU with one I/O thread, the load to CLIENT_CPU. ROUNDS rounds, the servers in turn within
# each round; then the median of each figure per server. With STRACE=1, one more short run per
# server under `strace -c -f` (syscall counts; strace slows everything down, so only the ratios
# mean something) and the epoll registrations from /proc/PID/fdinfo (EPOLLET = 0x80000000).
#
# Environment knobs (defaults in brackets):
#   ROUNDS [3]  DURATION [10] measured seconds  WARMUP [3]  CONNS [8]  SIZE [65536]  INFLIGHT [4]
#   SERVERS ["c-epoll sb-edge sb-level"] (also: sb-nio)   STRACE [0]   STRACE_SECONDS [3]
#   SERVER_CPU [0]  CLIENT_CPU [1]  PORT [17160]  SKIP_BUILD [0]  JAR  JAVA [java]  JAVA_OPTS
#   LOG_DIR [a new temporary directory]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
CONNS=${CONNS:-8}
SIZE=${SIZE:-65536}
INFLIGHT=${INFLIGHT:-4}
SERVERS=${SERVERS:-c-epoll sb-edge sb-level}
STRACE=${STRACE:-0}
STRACE_SECONDS=${STRACE_SECONDS:-3}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-17160}
SKIP_BUILD=${SKIP_BUILD:-0}
JAR=${JAR:-server/target/switchboard-server.jar}
JAVA=${JAVA:-java}
read -r -a JAVA_OPTS_ARR <<< "${JAVA_OPTS:-}"
WORK=${LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/switchboard-epoll-modes.XXXXXX")}
mkdir -p "$WORK"
RESULTS=$WORK/results.txt
: > "$RESULTS"

log() { printf '==> %s\n' "$*" >&2; }

# start LABEL: starts that server pinned to SERVER_CPU on PORT; sets server_pid.
start() {
    local label=$1 cmd
    case $label in
        c-epoll) cmd=(bench/bin/echo_server "$PORT") ;;
        sb-edge | sb-level | sb-nio)
            cmd=("$JAVA" "${JAVA_OPTS_ARR[@]}" -jar "$JAR" --bind 127.0.0.1 --io-threads 1
                --framed-port off --udp-port off --http-port off --echo-port "$PORT")
            case $label in
                sb-edge) cmd+=(--transport epoll --epoll-mode edge) ;;
                sb-level) cmd+=(--transport epoll --epoll-mode level) ;;
                sb-nio) cmd+=(--transport nio) ;;
            esac ;;
        *) log "unknown server $label"; exit 2 ;;
    esac
    if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
        log "port $PORT is in use; set PORT"
        exit 1
    fi
    taskset -c "$SERVER_CPU" "${cmd[@]}" > "$WORK/$label.server.log" 2>&1 &
    server_pid=$!
    pids+=("$server_pid")
    wait_port "$PORT"
}

stop() {
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    pids=()
}

load() { # load SECONDS WARMUP OUTFILE
    taskset -c "$CLIENT_CPU" bench/bin/bulk_load -p "$PORT" -c "$CONNS" -s "$SIZE" -W "$INFLIGHT" \
        -d "$1" -w "$2" > "$3" 2>&1
}

# field LINE KEY
field() {
    [[ $1 =~ (^|[[:space:]])$2=([^[:space:]]+) ]] && printf '%s' "${BASH_REMATCH[2]}" || printf '-'
}

cpu_ticks() { # utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat)
    awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}

median() { # values on stdin, one a line
    sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

make -s -C bench
if [[ $SKIP_BUILD != 1 ]]; then
    ./mvnw -B -q -ntp -DskipTests package
fi
[[ -f $JAR ]] || { log "no server jar at $JAR"; exit 1; }
taskset -c "$SERVER_CPU,$CLIENT_CPU" true
log "outputs in $WORK; $CONNS connections x $INFLIGHT x $SIZE bytes, $DURATION s after $WARMUP s, $ROUNDS rounds"
log "before: $(uptime)"

for ((round = 1; round <= ROUNDS; round++)); do
    for label in $SERVERS; do
        start "$label"
        out="$WORK/$label.round$round.out"
        status=0
        cpu0=$(cpu_ticks "$server_pid")
        load "$DURATION" "$WARMUP" "$out" || status=$?
        cpu1=$(cpu_ticks "$server_pid")
        stop
        line=$(grep -m 1 '^RESULT ' "$out" || true)
        if [[ -n $line ]]; then
            # The server's CPU time (user + system, whole process) per echoed message, warm-up
            # included on both sides: robust against other load on the machine, unlike msgs/s.
            total=$(field "$line" total_msgs)
            line+=" server_cpu_us_per_msg=$(awk -v t=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" -v n="$total" \
                'BEGIN {v = 0; if (n > 0) v = t * 1e6 / hz / n; printf "%.2f", v}')"
            echo "$label $round $line" >> "$RESULTS"
        fi
        log "round $round $label: ${line:-no RESULT (status $status)}"
    done
done

printf '\nMedians of %s rounds (%s connections x %s messages of %s bytes in flight, %s s each; server on CPU %s, load on CPU %s)\n\n' \
    "$ROUNDS" "$CONNS" "$INFLIGHT" "$SIZE" "$DURATION" "$SERVER_CPU" "$CLIENT_CPU"
printf '%-10s %10s %9s %10s %10s %11s %11s %9s %9s %11s %7s\n' server msgs/s MiB/s p50_us p99_us p99.9_us max_us conn_min conn_max cpu_us/msg errors
for label in $SERVERS; do
    rows=$(grep "^$label " "$RESULTS" || true)
    m() { while read -r l; do field "$l" "$1"; echo; done <<< "$rows" | median; }
    [[ -z $rows ]] && { printf '%-10s no results\n' "$label"; continue; }
    printf '%-10s %10s %9s %10s %10s %11s %11s %9s %9s %11s %7s\n' "$label" "$(m msgs_per_s)" "$(m mib_per_s)" \
        "$(m p50_us)" "$(m p99_us)" "$(m p999_us)" "$(m max_us)" "$(m conn_min)" "$(m conn_max)" "$(m server_cpu_us_per_msg)" \
        "$(while read -r l; do field "$l" errors; echo; done <<< "$rows" | awk '{s += $1} END {print s}')"
done
printf '\nafter: %s\nEvery run:\n' "$(uptime)"
cat "$RESULTS"

if [[ $STRACE == 1 ]]; then
    command -v strace > /dev/null || { log "STRACE=1 needs strace"; exit 1; }
    for label in $SERVERS; do
        start "$label"
        out="$WORK/$label.strace.out"
        load "$((STRACE_SECONDS + 1))" 1 "$out" &
        load_pid=$!
        sleep 1.5
        # Registrations while the load runs: every socket's events mask, from each epoll fd.
        printf '\n%s: /proc/%s/fdinfo of its epoll fds during the load (tfd = registered fd, events mask; 80000000 = EPOLLET)\n' "$label" "$server_pid"
        for fd in /proc/"$server_pid"/fd/*; do
            if [[ $(readlink "$fd" 2> /dev/null) == 'anon_inode:[eventpoll]' ]]; then
                grep '^tfd:' "/proc/$server_pid/fdinfo/${fd##*/}" | awk -v ep="${fd##*/}" '{print "  epfd " ep ": " $1 " " $2 " " $3 " " $4}'
            fi
        done
        timeout -s INT "$STRACE_SECONDS" strace -c -f -p "$server_pid" \
            -e trace=read,recvfrom,write,writev,sendto,epoll_wait,epoll_pwait,epoll_ctl \
            -o "$WORK/$label.strace.txt" || true
        wait "$load_pid" || true
        stop
        printf '%s: strace -c -f -p PID for %s s during the load (%s)\n' "$label" "$STRACE_SECONDS" \
            "$(grep -m 1 '^RESULT ' "$out" | sed 's/ duration_s.*msgs_per_s=/ msgs_per_s=/; s/ mib_per_s.*//')"
        cat "$WORK/$label.strace.txt"
    done
fi
