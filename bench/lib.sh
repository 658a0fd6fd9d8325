# shellcheck shell=bash
# Shared by the bench/run-*.sh scripts (sourced, not run): background processes stopped on exit,
# and waiting for a port to open.
#   pids+=($!)         after starting a background process that stop_all must stop
#   wait_port PORT     until 127.0.0.1:PORT accepts connections, at most 30 s
#   async_profiler DIR VERSION   async-profiler's linux-x64 library from Maven Central into DIR;
#                      prints its path

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
