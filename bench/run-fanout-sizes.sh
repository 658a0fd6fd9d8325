#!/usr/bin/env bash
# Room fan-out cost by room size: Switchboard against the C floor (bench/c/fanout_server.c, one
# write() per member per event, and its batched mode -b, one write() per member per epoll batch),
# at each room size, interleaved, ROUNDS times, then medians. Prints deliveries/s, p50 and p99
# delivery latency and the server's CPU time (user + kernel, /proc/PID/stat) per delivery over the
# measured window only (set-up and warm-up excluded).
#
#   bench/run-fanout-sizes.sh [JAR]        (JAR default server/target/switchboard-server.jar)
#
# With BASE_JAR=OLD.jar and "baseline" in SERVERS, an older build runs the same loads in the same
# rounds, for before/after tables.
#
# Knobs (environment): SIZES ["100 1000 5000 15000"]  SERVERS ["switchboard c c-batched"]
#   WINDOW [8] publishes in flight (closed loop) or RATE publishes/s (open loop, 0 = closed)
#   PAYLOAD [64] bytes  DURATION [8] measured seconds  WARMUP [5] (the JIT is still compiling at 2 s)
#   ROUNDS [3]
#   IO_THREADS [1]  SERVER_CPUS [0]  CLIENT_CPU [1]  PORT [17310]  JAVA_OPTS []
#   BASE_JAVA_OPTS [JAVA_OPTS]: the baseline's JVM options, for a before/after of an option on one jar
#   SYSCALLS [1 when perf is installed]: count the server's write/writev/sendmsg and epoll calls
#   over the measured window (perf's syscall tracepoints, which cost little) and print them per
#   delivery: how many deliveries each write carries.
#   PROFILE [unset]: a directory; each Switchboard run is profiled over its measured window only
#   (async-profiler attached with jcmd after the warm-up, its options quoted since jcmd splits on "="; ASYNC_PROFILER=path/to/libasyncProfiler.so,
#   see bench/profile-http.sh for where to get it; EVENT [cpu]), written as
#   PROFILE/SERVER-SIZE-rROUND.collapsed, and its hottest frames and kinds of work are printed.
# Every run is bounded: fanout_load stops by itself after WARMUP + DURATION (+ set-up, at most
# 10 s + 1 ms per connection, + 2 s for stragglers) and the server is stopped after it.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

JAR=${1:-server/target/switchboard-server.jar}
SIZES=${SIZES:-100 1000 5000 15000} SERVERS=${SERVERS:-switchboard c c-batched}
WINDOW=${WINDOW:-8} RATE=${RATE:-0} PAYLOAD=${PAYLOAD:-64} DURATION=${DURATION:-8} WARMUP=${WARMUP:-5}
ROUNDS=${ROUNDS:-3} IO_THREADS=${IO_THREADS:-1} SERVER_CPUS=${SERVER_CPUS:-0} CLIENT_CPU=${CLIENT_CPU:-1}
PORT=${PORT:-17310} JAVA_OPTS=${JAVA_OPTS:-} BASE_JAR=${BASE_JAR:-} BASE_JAVA_OPTS=${BASE_JAVA_OPTS-${JAVA_OPTS:-}}
if [ -z "${SYSCALLS:-}" ]; then
    SYSCALLS=0
    command -v perf >/dev/null && perf stat -e syscalls:sys_enter_writev true >/dev/null 2>&1 && SYSCALLS=1
fi
TRACED=(write writev sendmsg epoll_wait epoll_ctl)
PROFILE=${PROFILE:-} EVENT=${EVENT:-cpu}
if [ -n "$PROFILE" ]; then
    mkdir -p "$PROFILE"
    AP=${ASYNC_PROFILER:?PROFILE needs ASYNC_PROFILER=path/to/libasyncProfiler.so}
fi
make -C bench >/dev/null
[ -f "$JAR" ] || { echo "${0##*/}: no server jar at $JAR (./mvnw -q package -DskipTests -pl server -am)" >&2; exit 2; }
WORK=$(mktemp -d)
trap 'stop_all; rm -rf "$WORK"' EXIT
ulimit -n 20000

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

start_server() { # server
    case $1 in
        switchboard | baseline)
            local jar=$JAR opts=$JAVA_OPTS
            if [ "$1" = baseline ]; then
                jar=${BASE_JAR:?"baseline" in SERVERS needs BASE_JAR}
                opts=$BASE_JAVA_OPTS
            fi
            # shellcheck disable=SC2086 # opts is a list of options
            taskset -c "$SERVER_CPUS" java $opts -jar "$jar" --bind 127.0.0.1 --framed-port "$PORT" \
                --echo-port off --udp-port off --http-port off --io-threads "$IO_THREADS" --idle-timeout 0 \
                --max-connections 20000 > "$WORK/server.log" 2>&1 & ;;
        c) taskset -c "$SERVER_CPUS" bench/bin/fanout_server "$PORT" > "$WORK/server.log" 2>&1 & ;;
        c-batched) taskset -c "$SERVER_CPUS" bench/bin/fanout_server -b "$PORT" > "$WORK/server.log" 2>&1 & ;;
        *) echo "${0##*/}: unknown server $1" >&2; exit 2 ;;
    esac
    pids+=($!)
    wait_port "$PORT"
}

run_one() { # server size round
    local server=$1 size=$2 round=$3 pid load before after line
    start_server "$server"
    pid=${pids[-1]}
    local rate_args=(-W "$WINDOW")
    [ "$RATE" != 0 ] && rate_args=(-r "$RATE")
    taskset -c "$CLIENT_CPU" bench/bin/fanout_load -p "$PORT" -S "$size" "${rate_args[@]}" -s "$PAYLOAD" \
        -d "$DURATION" -w "$WARMUP" > "$WORK/load.out" 2> "$WORK/load.err" &
    load=$!
    # The measured window starts WARMUP seconds after the load tool's set-up line.
    until grep -q 'set-up done' "$WORK/load.err" 2>/dev/null || ! kill -0 "$load" 2>/dev/null; do sleep 0.05; done
    local setup_done
    setup_done=$(date +%s%N)
    # The window sits inside the load's own measured seconds, half a second in from each end, so
    # that neither the warm-up nor the teardown of the connections is counted; rates per second of
    # the window are then divided by the load's deliveries per second.
    sleep "$WARMUP"
    sleep 0.5
    local profiled=""
    if [ -n "$PROFILE" ] && [ "$server" != c ] && [ "$server" != c-batched ]; then
        profiled="$PROFILE/$server-$size-r$round.collapsed"
        jcmd "$pid" JVMTI.agent_load "$AP" "\"start,event=$EVENT,interval=1ms\"" > /dev/null
    fi
    local window started ended
    started=$(date +%s%N)
    # Ends half a second before the load does, however long attaching the profiler took.
    window=$(awk -v t0="$setup_done" -v now="$started" -v w="$WARMUP" -v d="$DURATION" \
        'BEGIN { left = (t0 - now) / 1e9 + w + d - 0.5; print (left > 0.5 ? left : 0.5) }')
    before=$(cpu_ticks "$pid")
    if [ "$SYSCALLS" = 1 ]; then
        # shellcheck disable=SC2046 # one -e per traced call
        perf stat -x, -p "$pid" $(printf -- '-e syscalls:sys_enter_%s ' "${TRACED[@]}") \
            -o "$WORK/perf.csv" sleep "$window" 2>/dev/null || true
    else
        sleep "$window"
    fi
    after=$(cpu_ticks "$pid")
    ended=$(date +%s%N)
    if [ -n "$profiled" ]; then
        jcmd "$pid" JVMTI.agent_load "$AP" "\"stop,file=$profiled\"" > /dev/null
    fi
    wait "$load" || true
    stop_all
    line=$(grep '^RESULT' "$WORK/load.out" || echo "RESULT failed")
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<< "$line"; }
    local rate p50 p99 cpu
    rate=$(field deliveries_per_s) p50=$(field p50_us) p99=$(field p99_us)
    local secs
    secs=$(awk -v ns=$((ended - started)) 'BEGIN { print ns / 1e9 }')
    cpu=$(awk -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" -v s="$secs" -v r="${rate:-0}" \
        'BEGIN { if (r > 0) printf "%.3f", t / hz / s * 1e6 / r; else print "n/a" }')
    local calls="" name count writes=0 polls=0
    if [ "$SYSCALLS" = 1 ] && [ -s "$WORK/perf.csv" ]; then
        while IFS=, read -r count _ name _; do
            case $name in
                syscalls:sys_enter_write | syscalls:sys_enter_writev | syscalls:sys_enter_sendmsg) writes=$((writes + count)) ;;
                syscalls:sys_enter_epoll_wait | syscalls:sys_enter_epoll_ctl) polls=$((polls + count)) ;;
            esac
        done < <(grep '^[0-9]' "$WORK/perf.csv")
        calls=$(awk -v w=$writes -v p=$polls -v s="$secs" -v r="${rate:-0}" \
            'BEGIN { if (r > 0) printf "%.4f %.4f", w / s / r, p / s / r; else print "n/a n/a" }')
    fi
    local bad
    bad=$(sed -n 's/.*\(missing=[0-9]* duplicates=[0-9]* reordered=[0-9]* errors=[0-9]*\).*/\1/p' <<< "$line")
    [ -n "$calls" ] || calls="n/a n/a"
    echo "$server S=$size round $round: ${rate:-n/a} deliveries/s  p50 ${p50:-n/a} us  p99 ${p99:-n/a} us  CPU ${cpu} us/delivery  writes ${calls% *}/delivery  epoll ${calls#* }/delivery  ${bad:-$line}"
    echo "${rate:-0} ${p50:-0} ${p99:-0} $cpu $calls" >> "$WORK/$server-$size"
    [ -z "$profiled" ] || summarize_profile "$profiled"
}

summarize_profile() { # collapsed-stacks file
    local total
    total=$(awk '{ n += $NF } END { print n + 0 }' "$1")
    echo "  profile $1: $total samples; hottest frames by self time:"
    awk '{ n = $NF; $NF = ""; k = split($0, f, ";"); self[f[k]] += n } END { for (s in self) print self[s], s }' "$1" |
        sort -rn | awk -v t="$total" 'NR <= 15 { printf "  %5.1f%% ", 100 * $1 / t; $1 = ""; print }'
    echo "  by kind of work (first match in the stack):"
    awk -v t="$total" '{
        n = $NF; s = $0;
        if (s ~ /epoll_wait|epollWait/ && s !~ /channelRead|runAllTasks/) k = "waiting for I/O";
        else if (s ~ /GC|gc_|DefNew|Serial|OopOopIterate/) k = "GC";
        else if (s ~ /C2Compiler|Compile::|Phase|C1_/) k = "JIT";
        else if (s ~ /writev|write0|writeBytes|doWrite/) k = "writing (flush, syscalls)";
        else if (s ~ /readv|read0|doReadBytes/ && s !~ /channelRead/) k = "reading";
        else if (s ~ /RoomHub.fanOut|RoomHub.publish/) k = "fan-out (handing each member its event)";
        else if (s ~ /epoll_ctl|epollCtl|modifyEvents/) k = "epoll_ctl";
        else if (s ~ /runAllTasks|runTask/) k = "other tasks";
        else if (s ~ /io\/netty|io\/switchboard/) k = "other Netty and Switchboard";
        else k = "other (VM, kernel)";
        c[k] += n
    } END { for (k in c) printf "  %5.1f%%  %s\n", 100 * c[k] / t, k }' "$1" | sort -rn
}

for round in $(seq 1 "$ROUNDS"); do
    for size in $SIZES; do
        for server in $SERVERS; do
            run_one "$server" "$size" "$round"
        done
    done
done

median() { # column file
    awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
echo
if [ "$RATE" = 0 ]; then load_desc="closed loop, $WINDOW in flight"; else load_desc="open loop, $RATE publishes/s"; fi
echo "medians of $ROUNDS rounds ($load_desc, $PAYLOAD B, $DURATION s measured, server on CPU $SERVER_CPUS, $IO_THREADS I/O thread(s) for Switchboard)"
printf '%-12s %8s %14s %10s %10s %12s %12s %12s\n' server members deliveries/s p50_us p99_us cpu_us/deliv \
    writes/deliv epoll/deliv
for size in $SIZES; do
    for server in $SERVERS; do
        f="$WORK/$server-$size"
        printf '%-12s %8s %14s %10s %10s %12s %12s %12s\n' "$server" "$size" "$(median 1 "$f")" "$(median 2 "$f")" \
            "$(median 3 "$f")" "$(median 4 "$f")" "$(median 5 "$f")" "$(median 6 "$f")"
    done
done
