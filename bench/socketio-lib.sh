# shellcheck shell=bash
# Shared by bench/run-socketio.sh and bench/run-socketio-memory.sh (sourced after bench/lib.sh, with
# ROOT, WORK, JAVA, JAVA_OPTS, SERVER_JAR and SERVER_CPU set): the four Socket.IO servers, each
# running the same application (echo with ack; join / publish), and how to start one.
#   switchboard       switchboard-server, no application code: its sb:* relay events
#   switchboard-java  Switchboard embedded, the events handled through the embedding API
#                     (bench/java/SioEchoRooms.java)
#   node              the Node socket.io 4.8.4 server of client/src/test/node/socketio-server
#   netty-socketio    netty-socketio 2.0.13 from Maven Central (bench/java/NettySocketIoEchoRooms.java,
#                     its jars copied by Maven from bench/netty-socketio/pom.xml)
#   switchboard-before  the relay of another build, BEFORE_JAR (a before/after comparison)
#
#   sio_prepare SERVERS...   installs / compiles what those servers need into $WORK
#   sio_start NAME PORT      starts it pinned to SERVER_CPU, waits for the port; server_pid is its pid
#   sio_echo_opts NAME / sio_fanout_opts NAME   the load tool's options for it (arrays echo_opts, fanout_opts)

sio_prepare() { # SERVERS...: what is already in $WORK is kept
    local server
    for server in "$@"; do
        [ -f "$WORK/prepared-$server" ] && continue
        case $server in
            switchboard) ;;
            switchboard-before)
                [ -f "${BEFORE_JAR:-}" ] || { echo "${0##*/}: switchboard-before needs BEFORE_JAR, a server jar" >&2; exit 1; } ;;
            switchboard-java)
                mkdir -p "$WORK/sb-java"
                "${JAVA}c" -nowarn -d "$WORK/sb-java" -cp "$SERVER_JAR" "$ROOT/bench/java/SioEchoRooms.java" \
                    || { echo "${0##*/}: cannot compile bench/java/SioEchoRooms.java" >&2; exit 1; } ;;
            node)
                if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
                    echo "${0##*/}: node and npm are needed for the node server" >&2
                    exit 1
                fi
                mkdir -p "$WORK/node"
                cp "$ROOT"/client/src/test/node/socketio-server/{package.json,package-lock.json,server.mjs} "$WORK/node/"
                (cd "$WORK/node" && npm ci --no-audit --no-fund > npm-ci.log 2>&1) \
                    || { echo "${0##*/}: npm ci failed (see $WORK/node/npm-ci.log)" >&2; exit 1; } ;;
            netty-socketio)
                # Offline first (the local repository may have them), then from Maven Central.
                local pom="$ROOT/bench/netty-socketio/pom.xml" out="$WORK/netty-socketio/lib"
                (cd "$ROOT" && { ./mvnw -B -ntp -q -o -f "$pom" dependency:copy-dependencies -DoutputDirectory="$out" \
                        > "$WORK/netty-socketio-mvn.log" 2>&1 \
                    || ./mvnw -B -ntp -q -f "$pom" dependency:copy-dependencies -DoutputDirectory="$out" \
                        >> "$WORK/netty-socketio-mvn.log" 2>&1; }) \
                    || { echo "${0##*/}: cannot fetch netty-socketio (see $WORK/netty-socketio-mvn.log)" >&2; exit 1; }
                mkdir -p "$WORK/netty-socketio/classes"
                "${JAVA}c" -nowarn -d "$WORK/netty-socketio/classes" -cp "$out/*" \
                    "$ROOT/bench/java/NettySocketIoEchoRooms.java" \
                    || { echo "${0##*/}: cannot compile bench/java/NettySocketIoEchoRooms.java" >&2; exit 1; } ;;
            *) echo "${0##*/}: unknown server $server (switchboard, switchboard-java, node, netty-socketio, switchboard-before)" >&2
                exit 1 ;;
        esac
        touch "$WORK/prepared-$server"
    done
}

sio_start() { # NAME PORT
    local name=$1 port=$2 log="$WORK/server-$1.log"
    local -a jvm
    read -r -a jvm <<< "${JAVA_OPTS:-}"
    local -a sb_flags=(--bind 127.0.0.1 --framed-port off --echo-port off --udp-port off --http-port "$port"
        --io-threads 1)
    case $name in
        switchboard)
            taskset -c "$SERVER_CPU" "$JAVA" "${jvm[@]}" -jar "$SERVER_JAR" "${sb_flags[@]}" > "$log" 2>&1 & ;;
        switchboard-before)
            taskset -c "$SERVER_CPU" "$JAVA" "${jvm[@]}" -jar "$BEFORE_JAR" "${sb_flags[@]}" > "$log" 2>&1 & ;;
        switchboard-java)
            taskset -c "$SERVER_CPU" "$JAVA" "${jvm[@]}" -cp "$SERVER_JAR:$WORK/sb-java" SioEchoRooms "${sb_flags[@]}" \
                > "$log" 2>&1 & ;;
        node)
            # The listen backlog of the others (the kernel's somaxconn, 4096 here), not Node's 511.
            (cd "$WORK/node" && SIO_BACKLOG=$(cat /proc/sys/net/core/somaxconn) \
                exec taskset -c "$SERVER_CPU" node server.mjs "$port") > "$log" 2>&1 & ;;
        netty-socketio)
            taskset -c "$SERVER_CPU" "$JAVA" "${jvm[@]}" -cp "$WORK/netty-socketio/lib/*:$WORK/netty-socketio/classes" \
                NettySocketIoEchoRooms "$port" > "$log" 2>&1 & ;;
        *) echo "${0##*/}: unknown server $name" >&2; exit 1 ;;
    esac
    server_pid=$!
    pids+=("$server_pid")
    wait_port "$port"
}

# The relay needs no application code: its echo is a publish to an empty room (acknowledged
# [null]), its fan-out the sb:join / sb:publish defaults. The others run the application.
# shellcheck disable=SC2034 # echo_opts and fanout_opts are for the caller
sio_echo_opts() {
    echo_opts=()
    if [ "$1" = switchboard ] || [ "$1" = switchboard-before ]; then echo_opts=(--opt event=sb:publish --opt 'args=["nobody","load"]'); fi
}
# shellcheck disable=SC2034
sio_fanout_opts() {
    fanout_opts=()
    if [ "$1" != switchboard ] && [ "$1" != switchboard-before ]; then fanout_opts=(--opt join_event=join --opt publish_event=publish); fi
}

# Samples PID's CPU time (utime + stime, clock ticks) every 0.2 s into FILE as "EPOCH_SECONDS TICKS"
# lines, in the background, until the process is gone (or stop_all stops it).
sio_cpu_sampler() { # PID FILE
    local pid=$1 out=$2
    (
        local stat
        local -a f
        while read -r stat < "/proc/$pid/stat" 2>/dev/null; do
            read -r -a f <<< "${stat##*) }" # fields from 3 (state) on: utime is f[11], stime f[12]
            echo "$EPOCHREALTIME $((f[11] + f[12]))"
            sleep 0.2
        done
    ) > "$out" &
    pids+=($!)
}
