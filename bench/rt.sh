#!/usr/bin/env bash
# Runs one benchmark shielded from other work on a small shared machine (how the figures in
# docs/*.md marked "under bench/rt.sh" were taken):
#  - one benchmark at a time: a machine-wide lock (/tmp/switchboard-bench.lock), waited for;
#  - every process of it under SCHED_RR priority 10 (chrt -r 10), so that builds and tests get
#    only the CPU it leaves;
#  - the kernel's real-time throttle lifted for its duration (sched_rt_runtime_us = -1), so that
#    its latencies do not carry the 50 ms stall the default 950000 of 1000000 us imposes once a
#    second; put back to what it was afterwards.
# Needs root. Keep COMMAND bounded in time: while it runs, nothing else gets the CPUs it uses.
#
#   bench/rt.sh COMMAND [ARGS...]
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: bench/rt.sh COMMAND [ARGS...]" >&2; exit 2; }
knob=/proc/sys/kernel/sched_rt_runtime_us
exec 9> /tmp/switchboard-bench.lock
echo "rt.sh: waiting for the benchmark lock..." >&2
flock 9
before=$(cat "$knob")
trap 'echo "$before" > "$knob"' EXIT
echo -1 > "$knob"
echo "rt.sh: lock held, real-time throttle off (was $before), running: $*" >&2
chrt -r 10 "$@"
