# shellcheck shell=bash
# Shared by the bench/run-*.sh scripts (sourced, not run): background processes stopped on exit,
# and waiting for a port to open.
#   pids+=($!)         after starting a background process that stop_all must stop
#   wait_port PORT     until 127.0.0.1:PORT accepts connections, at most 30 s

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
