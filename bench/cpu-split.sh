#!/usr/bin/env bash
# Where the CPU time of one wrk run goes, per CPU: runs wrk -t1 -c50 on CLIENT_CPU against URL for
# SECONDS (after a 1 s warm-up run) and prints wrk's rate, the server process's CPU share (PID, all
# its threads, from /proc/PID/task/*/stat) and, for CPUs 0 and 1, the share of user, system, softirq
# and idle time (from /proc/stat). On loopback the receiving side's TCP work runs as softirq on
# whichever CPU sends the segments or processes the ACKs, so this shows which side pays for it.
#
#   bench/cpu-split.sh PID URL [SECONDS]      e.g. bench/cpu-split.sh 1234 http://127.0.0.1:8080/1m.bin 5
#
# Start the server pinned to the other CPU first (taskset -c 0 ...); run the whole under
# bench/rt.sh or chrt on a shared machine. Knobs: CLIENT_CPU [1], CONNS [50].
set -euo pipefail
pid=${1:?usage: bench/cpu-split.sh PID URL [SECONDS]}
url=${2:?usage: bench/cpu-split.sh PID URL [SECONDS]}
seconds=${3:-5}
cpu=${CLIENT_CPU:-1}
conns=${CONNS:-50}
tick=$(getconf CLK_TCK)
work=$(mktemp -d "${TMPDIR:-/tmp}/cpu-split.XXXXXX")
# utime + stime (fields 14 and 15) of every thread, counted after the command name, which may hold
# spaces (a JVM's "C2 CompilerThre", "VM Thread").
process_ticks() { awk '{sub(/.*\) /, ""); s += $12 + $13} END {print s + 0}' /proc/"$1"/task/*/stat 2>/dev/null || true; }
taskset -c "$cpu" wrk -t1 -c"$conns" -d1s "$url" > /dev/null
a=$(process_ticks "$pid"); t0=$(date +%s.%N); grep -E '^cpu[01] ' /proc/stat > "$work/stat0"
taskset -c "$cpu" wrk -t1 -c"$conns" -d"${seconds}s" "$url" > "$work/wrk.txt"
b=$(process_ticks "$pid"); t1=$(date +%s.%N); grep -E '^cpu[01] ' /proc/stat > "$work/stat1"
grep -E "Requests/sec|Transfer/sec" "$work/wrk.txt"
awk -v a="$a" -v b="$b" -v t0="$t0" -v t1="$t1" -v k="$tick" 'BEGIN {printf "server process: %.0f%% of one CPU\n", 100 * (b - a) / k / (t1 - t0)}'
# /proc/stat columns: user nice system idle iowait irq softirq steal ...
paste "$work/stat0" "$work/stat1" | awk '{n = 11; tot = 0; for (i = 2; i <= n; i++) {d[i] = $(i + n) - $i; tot += d[i]}
    printf "%s: user %.0f%%  system %.0f%%  softirq %.0f%%  idle %.0f%%\n", $1, 100 * (d[2] + d[3]) / tot, 100 * d[4] / tot,
        100 * d[8] / tot, 100 * (d[5] + d[6]) / tot}'
rm -rf "$work"
