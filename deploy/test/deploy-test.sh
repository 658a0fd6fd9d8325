#!/usr/bin/env bash
# The real deployment test: builds the container image and runs it, then runs the systemd unit
# under a real systemd (PID 1 in a container), and checks what an operator relies on.
#
#   ./mvnw -B -ntp -DskipTests package && sudo deploy/test/deploy-test.sh
#
# Needs root (rootful podman: port publishing, systemd in a container with SYS_ADMIN) on a Debian
# 12 host; installs podman & co itself (.ci/deps/podman.sh). No public image registry is needed:
# the base images are made here with debootstrap from Debian's package mirror and kept in podman's
# image store between runs (--rebuild-base makes them again).
#
# Container image (deploy/docker/Dockerfile), run locked down as docker-compose.yml runs it
# (read-only root, all capabilities dropped, noexec /tmp):
#   /readyz answers 200 through a port published on 127.0.0.1; the log says epoll was chosen;
#   the raw echo listener echoes; `podman healthcheck run` passes; `podman stop` ends the JVM with
#   exit code 143 within a second.
# docker-compose.yml (podman-compose, host-specific values overridden):
#   /readyz 200 with the sample configuration mounted, JSON log lines, epoll, the sysctls applied,
#   no capabilities, read-only root, healthy, exit code 143 on stop.
# systemd (deploy/systemd/install.sh into the Debian JDK image plus systemd and dbus):
#   switchboard.service reaches active through Type=notify with the server's STATUS= line, runs as
#   a dynamic non-root user with only CAP_NET_BIND_SERVICE, /readyz 200, the journal says epoll;
#   `systemctl stop` is clean (exit 143 counted as success); after kill -9 Restart=on-failure
#   brings it back; with switchboard.socket the first connection starts the service and is
#   answered, and a connection made while the service is down after kill -9 is queued and answered.
# Every step prints its time; containers are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
  cat <<'USAGE'
Usage: deploy/test/deploy-test.sh [--jar FILE] [--rebuild-base] [--skip-container] [--skip-systemd] [--keep]
  --jar FILE        the server jar (default: server/target/switchboard-server.jar)
  --rebuild-base    make the debootstrapped base images again (else reused when present)
  --skip-container  skip the container image checks
  --skip-systemd    skip the systemd checks
  --keep            leave the test containers running (for debugging); images are always kept
Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian)
USAGE
}

jar_arg=""
rebuild_base=no
run_container=yes
run_systemd=yes
keep=no
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) [ $# -ge 2 ] || { usage >&2; exit 2; }; jar_arg=$2; shift ;;
    --rebuild-base) rebuild_base=yes ;;
    --skip-container) run_container=no ;;
    --skip-systemd) run_systemd=no ;;
    --keep) keep=yes ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
  shift
done

mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
base_image=localhost/switchboard-test/bookworm:base
jdk_image=localhost/switchboard-test/bookworm:jdk17
systemd_base_image=localhost/switchboard-test/bookworm:systemd
app_image=localhost/switchboard-test/server:latest
systemd_image=localhost/switchboard-test/server-systemd:latest
jar=${jar_arg:-server/target/switchboard-server.jar}
# The server's start-up lines: "http listener on ... (transport epoll, epoll mode edge)" for each
# listener, and "transport epoll not used: CAUSE" when the native library did not load.
epoll_chosen='listener on .*\(transport epoll\b'
epoll_not_used='transport epoll not used'

started=$(date +%s%N)
step_started=$started
failures=0

now_ms() {
  echo $(( $(date +%s%N) / 1000000 ))
}

log() {
  printf '[deploy-test %6.1fs] %s\n' "$(( ($(date +%s%N) - started) / 1000000 ))e-3" "$*"
}

step() {
  step_started=$(date +%s%N)
  log "== $*"
}

step_done() {
  log "   done in $(( ($(date +%s%N) - step_started) / 1000000 )) ms: $*"
}

pass() {
  log "   ok: $*"
}

fail() {
  log "   FAILED: $*"
  failures=$((failures + 1))
}

# Fatal: later checks depend on this one.
die() {
  log "   FAILED: $*"
  exit 1
}

# Waits up to $1 seconds for the command after it to succeed; returns 1 on timeout.
wait_for() {
  local timeout_ms=$(( $1 * 1000 )) start
  shift
  start=$(now_ms)
  until "$@"; do
    if [ $(( $(now_ms) - start )) -ge "$timeout_ms" ]; then
      return 1
    fi
    sleep 0.1
  done
}

# HTTP status of GET $1 ("000" when there is no answer).
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true
}

http_ok() {
  [ "$(http_status "$1")" = 200 ]
}

containers=()
networks=()
cleanup() {
  local status=$?
  if [ "$keep" = no ]; then
    for c in "${containers[@]}"; do
      podman rm -f -t 0 "$c" > /dev/null 2>&1 || true
    done
    for n in "${networks[@]}"; do
      podman network rm -f "$n" > /dev/null 2>&1 || true
    done
  elif [ "${#containers[@]}" -gt 0 ]; then
    log "kept containers: ${containers[*]}"
  fi
  [ -n "${work:-}" ] && rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
work=$(mktemp -d)

[ "$(id -u)" -eq 0 ] || die "run as root (rootful podman)"
[ -f "$jar" ] || die "no $jar: build it first (./mvnw -B -ntp -DskipTests package)"
# The build context: a snapshot of exactly what the Dockerfile takes (and .dockerignore lets
# through), so a rebuild running meanwhile cannot change the jar under the test.
context="$work/context"
mkdir -p "$context/server/target" "$context/deploy/docker"
cp "$jar" "$context/server/target/switchboard-server.jar"
cp deploy/docker/healthcheck.sh deploy/docker/Dockerfile "$context/deploy/docker/"

step "tools: podman, runc, debootstrap (.ci/deps/podman.sh)"
bash .ci/deps/podman.sh
step_done "$(podman --version), runtime $(podman info --format '{{.Host.OCIRuntime.Name}}')"

# --- Base images: debootstrap once, then derived images with apt-get inside a build -----------

if [ "$rebuild_base" = yes ]; then
  podman rmi -f "$systemd_base_image" "$jdk_image" "$base_image" > /dev/null 2>&1 || true
fi

if ! podman image exists "$base_image"; then
  step "base image $base_image: debootstrap bookworm (minbase) from $mirror"
  rootfs="$work/rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman import --quiet - "$base_image" > /dev/null
  rm -rf "$rootfs"
  step_done "$(podman image inspect --format '{{.Size}}' "$base_image") bytes"
fi

# Builds image $1 from image $2 with the Debian packages $3... installed.
derive() {
  local image=$1 from=$2
  shift 2
  podman build --quiet --format docker -t "$image" -f - "$work" > /dev/null <<EOF
FROM $from
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* > /dev/null \
 && rm -rf /var/lib/apt/lists/*
EOF
}

if ! podman image exists "$jdk_image"; then
  step "build image $jdk_image: base + openjdk-17-jdk-headless (jdeps, jlink)"
  derive "$jdk_image" "$base_image" openjdk-17-jdk-headless
  step_done "$(podman image inspect --format '{{.Size}}' "$jdk_image") bytes"
fi

# --- The container image ------------------------------------------------------------------------

container_checks() {
  step "image $app_image from deploy/docker/Dockerfile (BASE=$base_image)"
  podman build --format docker -f deploy/docker/Dockerfile \
    --build-arg "JDK_IMAGE=$jdk_image" --build-arg "BASE=$base_image" -t "$app_image" "$context" \
    > "$work/app-build.log" 2>&1 || { cat "$work/app-build.log" >&2; die "podman build failed"; }
  grep -m 1 '^jlink modules:' "$work/app-build.log" || true
  step_done "image $(podman image inspect --format '{{.Size}}' "$app_image") bytes (base $(podman image inspect --format '{{.Size}}' "$base_image"))"

  step "run it locked down: read-only root, no capabilities, noexec /tmp"
  local name=switchboard-test-$$
  containers+=("$name")
  local t0
  t0=$(now_ms)
  podman run -d --name "$name" \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    --tmpfs /tmp:rw,noexec,nosuid,size=64m \
    --tmpfs /var/cache/switchboard:rw,exec,nosuid,nodev,size=16m,mode=1777 \
    -p 127.0.0.1::7001/tcp -p 127.0.0.1::8080/tcp \
    "$app_image" > /dev/null 2>> "$work/podman.log" || { cat "$work/podman.log" >&2; die "podman run failed"; }
  local http echo_port
  http=127.0.0.1:$(podman port "$name" 8080/tcp | head -n 1 | sed 's/.*://')
  echo_port=$(podman port "$name" 7001/tcp | head -n 1 | sed 's/.*://')
  if wait_for 60 http_ok "http://$http/readyz"; then
    pass "/readyz 200 on $http, $(( $(now_ms) - t0 )) ms after podman run"
  else
    podman logs "$name" 2>&1 | tail -n 30 >&2
    die "/readyz did not answer 200 within 60 s (last status $(http_status "http://$http/readyz"))"
  fi

  local logs
  logs=$(podman logs "$name" 2>&1)
  # Every listener line names its transport; "transport epoll not used: ..." must not pass.
  if grep -Eq "$epoll_chosen" <<< "$logs" && ! grep -Eq "$epoll_not_used" <<< "$logs"; then
    pass "log: $(grep -E -m 1 "$epoll_chosen" <<< "$logs" | cut -c 1-160)"
  else
    echo "$logs" | tail -n 30 >&2
    fail "the log does not say the epoll transport was chosen"
  fi
  if [ "$(podman exec "$name" id -u)" = 10001 ]; then
    pass "runs as uid 10001"
  else
    fail "not running as uid 10001: $(podman exec "$name" id)"
  fi

  # The raw TCP echo listener through the published port: the data path, not only health.
  local reply
  reply=$(exec 3<>"/dev/tcp/127.0.0.1/$echo_port" && printf 'switchboard deploy test\n' >&3 &&
    IFS= read -r -t 5 line <&3 && echo "$line") || true
  if [ "$reply" = "switchboard deploy test" ]; then
    pass "raw echo on 127.0.0.1:$echo_port echoed a line"
  else
    fail "raw echo on 127.0.0.1:$echo_port answered '$reply'"
  fi

  local health
  if health=$(podman healthcheck run "$name" 2>> "$work/podman.log"); then
    pass "podman healthcheck run: ${health:-healthy}"
  else
    fail "podman healthcheck run: $health"
  fi
  # Diagnostics work in the locked-down container: jcmd attaches through the tmpfs /tmp.
  local threads
  if threads=$(podman exec "$name" jcmd 1 Thread.print 2>&1) && grep -q '"Reference Handler"' <<< "$threads"; then
    pass "jcmd 1 Thread.print: $(grep -c '^"' <<< "$threads") threads"
  else
    fail "jcmd 1 Thread.print failed: $(head -n 3 <<< "$threads")"
  fi

  step "podman stop (SIGTERM to the JVM, graceful drain)"
  t0=$(now_ms)
  podman stop -t 10 "$name" > /dev/null 2>> "$work/podman.log"
  local took code exited
  took=$(( $(now_ms) - t0 ))
  code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  # When the JVM exited, as conmon recorded it: podman's own teardown after that (network, mounts)
  # is not the server's shutdown time.
  exited=$(( $(date -d "$(podman inspect --format '{{.State.FinishedAt}}' "$name" | sed 's/ [A-Z]*$//')" +%s%N) / 1000000 - t0 ))
  if [ "$code" = 143 ] && [ "$exited" -lt 1000 ]; then
    pass "exit code 143, the JVM exited $exited ms after podman stop began (podman stop returned after $took ms)"
  else
    podman logs "$name" 2>&1 | tail -n 20 >&2
    fail "exit code $code (expected: 143), JVM exited after $exited ms (expected: under 1000), podman stop took $took ms"
  fi
}

# --- The health check follows the HTTP port however it was set -----------------------------------

# Runs the image locked down with the HTTP listener moved to port $2 by the way $1 names (the
# podman arguments before the image are in moved_opts, the server flags after it in moved_args),
# waits for /readyz through the published port, then asks `podman healthcheck run`.
moved_port_check() {
  local how=$1 port=$2 name=switchboard-test-$$-$1
  containers+=("$name")
  podman run -d --name "$name" \
    --read-only --cap-drop ALL --security-opt no-new-privileges \
    --tmpfs /tmp:rw,noexec,nosuid,size=64m \
    --tmpfs /var/cache/switchboard:rw,exec,nosuid,nodev,size=16m,mode=1777 \
    -p "127.0.0.1::$port/tcp" "${moved_opts[@]}" \
    "$app_image" --framed-port off --echo-port off --udp-port off "${moved_args[@]}" \
    > /dev/null 2>> "$work/podman.log" || { cat "$work/podman.log" >&2; die "podman run ($how) failed"; }
  local http
  http=127.0.0.1:$(podman port "$name" "$port/tcp" | head -n 1 | sed 's/.*://')
  if ! wait_for 60 http_ok "http://$http/readyz"; then
    podman logs "$name" 2>&1 | tail -n 20 >&2
    fail "port by $how: /readyz on container port $port did not answer 200 within 60 s"
    return
  fi
  local health
  if health=$(podman healthcheck run "$name" 2>> "$work/podman.log"); then
    pass "port $port by $how: /readyz 200 and podman healthcheck run: ${health:-healthy}"
  else
    fail "port $port by $how: /readyz 200 but podman healthcheck run says: ${health:-unhealthy}"
  fi
  podman rm -f -t 0 "$name" > /dev/null 2>&1 || true
}

port_checks() {
  step "health check with the HTTP port set by a flag, a variable, the configuration file"
  mkdir -p "$work/ports"
  printf 'listeners:\n  http:\n    port: 7783\n' > "$work/ports/switchboard.yaml"
  chmod 0644 "$work/ports/switchboard.yaml"
  # A flag after the image name (the Dockerfile's documented way to pass server flags).
  moved_opts=()
  moved_args=(--http-port 7781)
  moved_port_check flag 7781
  moved_opts=(-e SWITCHBOARD_LISTENERS_HTTP_PORT=7782)
  moved_args=()
  moved_port_check variable 7782
  moved_opts=(-v "$work/ports/switchboard.yaml:/etc/switchboard/switchboard.yaml:ro")
  moved_args=(--config /etc/switchboard/switchboard.yaml)
  moved_port_check file 7783
  step_done "three containers"
}

# --- docker-compose.yml, run by podman-compose -------------------------------------------------

compose_checks() {
  step "deploy/docker/docker-compose.yml with podman-compose (config file mounted, JSON logs)"
  # The compose file as shipped, except what this host and test need: the local base images, the
  # snapshot context, an absolute config path, ports on 127.0.0.1 only (ephemeral), a nofile limit
  # the host can grant, and the test's own image name.
  local project=switchboard-test-$$
  local file="$work/compose.yml"
  mkdir -p "$work/config"
  cp deploy/config/switchboard.yaml "$work/config/"
  python3 - deploy/docker/docker-compose.yml "$file" <<PY
import sys, yaml
compose = yaml.safe_load(open(sys.argv[1]))
s = compose["services"]["switchboard"]
s["build"]["context"] = "$context"
s["build"]["args"] = {"JDK_IMAGE": "$jdk_image", "BASE": "$base_image"}
s["image"] = "localhost/switchboard-test/compose:latest"
s["ports"] = ["127.0.0.1::8080/tcp"]
s["volumes"] = ["$work/config/switchboard.yaml:/etc/switchboard/switchboard.yaml:ro"]
s["ulimits"]["nofile"] = {"soft": 20000, "hard": 20000}
yaml.safe_dump(compose, open(sys.argv[2], "w"), sort_keys=False)
PY
  local name=${project}_switchboard_1
  containers+=("$name")
  networks+=("${project}_default")
  local t0
  t0=$(now_ms)
  # podman-compose builds only when the image is missing: drop the one an earlier run left, so
  # this checkout's jar is what runs (the layers of the build above are reused).
  podman rmi -f localhost/switchboard-test/compose:latest > /dev/null 2>&1 || true
  # BUILDAH_FORMAT=docker: keep the HEALTHCHECK and reuse the layers of the build above.
  BUILDAH_FORMAT=docker podman-compose -f "$file" -p "$project" up -d > "$work/compose.log" 2>&1 ||
    { tail -n 30 "$work/compose.log" >&2; die "podman-compose up failed"; }
  local http
  http=127.0.0.1:$(podman port "$name" 8080/tcp | head -n 1 | sed 's/.*://')
  if wait_for 60 http_ok "http://$http/readyz"; then
    pass "/readyz 200 on $http, $(( $(now_ms) - t0 )) ms after podman-compose up"
  else
    podman logs "$name" 2>&1 | tail -n 30 >&2
    die "/readyz did not answer 200 within 60 s"
  fi

  local logs
  logs=$(podman logs "$name" 2>&1)
  if grep -Eq "$epoll_chosen" <<< "$logs" && ! grep -Eq "$epoll_not_used" <<< "$logs" &&
    ! grep -qv '^{' <<< "$logs"; then
    pass "JSON log lines, epoll on every listener: $(grep -E -m 1 "$epoll_chosen" <<< "$logs" | cut -c 1-160)"
  else
    echo "$logs" | tail -n 30 >&2
    fail "the log is not all JSON lines, or epoll was not chosen"
  fi
  local range
  range=$(podman exec "$name" cat /proc/sys/net/ipv4/ip_local_port_range | tr -s '\t ' ' ')
  if [ "$range" = "10240 65535" ]; then
    pass "sysctls applied in the container (ip_local_port_range $range)"
  else
    fail "ip_local_port_range in the container is '$range' (expected: 10240 65535)"
  fi
  local nofile caps
  nofile=$(podman exec "$name" awk '/^Max open files/ {print $4}' /proc/1/limits)
  caps=$(podman exec "$name" awk '/^CapEff:/ {print $2}' /proc/1/status)
  if [ "$nofile" = 20000 ] && [ "$caps" = 0000000000000000 ] && ! podman exec "$name" touch /opt/switchboard/x 2> /dev/null; then
    pass "JVM with nofile $nofile, no capabilities, read-only root"
  else
    fail "JVM with nofile $nofile (expected: 20000), CapEff $caps (expected: none), or the root is writable"
  fi
  local health
  if health=$(podman healthcheck run "$name" 2>> "$work/podman.log"); then
    pass "podman healthcheck run: ${health:-healthy}"
  else
    fail "podman healthcheck run: $health"
  fi

  t0=$(now_ms)
  podman stop -t 30 "$name" > /dev/null 2>> "$work/podman.log"
  local code
  code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  if [ "$code" = 143 ]; then
    pass "stopped with exit code 143 in $(( $(now_ms) - t0 )) ms"
  else
    fail "exit code $code after stop (expected: 143)"
  fi
  podman-compose -f "$file" -p "$project" down > /dev/null 2>&1 || true
}

# --- systemd as PID 1 ---------------------------------------------------------------------------

# systemctl inside the systemd container.
sctl() {
  podman exec "$sd" systemctl "$@"
}

unit_prop() {
  sctl show -p "$2" --value "$1"
}

unit_is() {
  [ "$(unit_prop switchboard.service ActiveState)" = "$1" ]
}

main_pid_changed() {
  local pid
  pid=$(unit_prop switchboard.service MainPID)
  [ "$pid" != 0 ] && [ "$pid" != "$1" ] && unit_is active
}

systemd_checks() {
  if ! podman image exists "$systemd_base_image"; then
    # On the JDK image: its JRE is what the unit runs (/usr/bin/java), and it is already there.
    step "build image $systemd_base_image: $jdk_image + systemd, dbus"
    derive "$systemd_base_image" "$jdk_image" systemd systemd-sysv dbus procps
    step_done "$(podman image inspect --format '{{.Size}}' "$systemd_base_image") bytes"
  fi

  step "image $systemd_image: deploy/systemd/install.sh --enable service"
  local ctx="$work/systemd-context"
  mkdir -p "$ctx/src/server/target"
  cp -r deploy "$ctx/src/"
  rm -rf "$ctx/src/deploy/test/node_modules"
  cp "$context/server/target/switchboard-server.jar" "$ctx/src/server/target/"
  cat > "$ctx/Containerfile" <<EOF
FROM $systemd_base_image
COPY src /usr/src/switchboard
RUN /usr/src/switchboard/deploy/systemd/install.sh --enable service
# Only for this test: the container's hard open-files limit is 20000 (no CAP_SYS_RESOURCE to
# raise it), below the unit's LimitNOFILE, so systemd could not apply the unit's value.
RUN mkdir -p /etc/systemd/system/switchboard.service.d \
 && printf '[Service]\nLimitNOFILE=20000\n' > /etc/systemd/system/switchboard.service.d/test-limits.conf
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
EOF
  podman build --quiet --format docker -t "$systemd_image" "$ctx" > "$work/systemd-build.log" 2>&1 ||
    { cat "$work/systemd-build.log" >&2; die "podman build of the systemd image failed"; }
  step_done "installed"

  step "boot systemd as PID 1 (--systemd=always --cap-add SYS_ADMIN)"
  sd=switchboard-test-systemd-$$
  containers+=("$sd")
  local t0
  t0=$(now_ms)
  podman run -d --name "$sd" --systemd=always --cap-add SYS_ADMIN \
    -p 127.0.0.1::7000/tcp -p 127.0.0.1::8080/tcp "$systemd_image" > /dev/null || die "podman run failed"
  local http
  http=127.0.0.1:$(podman port "$sd" 8080/tcp | head -n 1 | sed 's/.*://')

  if wait_for 90 unit_is active; then
    pass "switchboard.service active (Type=$(unit_prop switchboard.service Type)) $(( $(now_ms) - t0 )) ms after boot began"
  else
    sctl status --no-pager switchboard.service >&2 || true
    podman exec "$sd" journalctl -u switchboard --no-pager | tail -n 40 >&2 || true
    die "switchboard.service did not become active within 90 s (state $(unit_prop switchboard.service ActiveState)/$(unit_prop switchboard.service SubState))"
  fi
  local status_text
  status_text=$(unit_prop switchboard.service StatusText)
  if [ -n "$status_text" ]; then
    pass "readiness came by sd_notify, STATUS=$status_text"
  else
    fail "no STATUS= text from the server (sd_notify)"
  fi
  local code
  code=$(http_status "http://$http/readyz")
  if [ "$code" = 200 ]; then
    pass "/readyz 200 on $http right after the unit became active"
  else
    fail "/readyz answered $code right after the unit became active (expected: 200)"
  fi
  local journal
  journal=$(podman exec "$sd" journalctl -u switchboard --no-pager)
  if grep -Eq "$epoll_chosen" <<< "$journal" && ! grep -Eq "$epoll_not_used" <<< "$journal"; then
    pass "journal: $(grep -E -m 1 "$epoll_chosen" <<< "$journal" | cut -c 1-160)"
  else
    podman exec "$sd" journalctl -u switchboard --no-pager | tail -n 30 >&2
    fail "the journal does not say the epoll transport was chosen"
  fi
  local pid uid caps
  pid=$(unit_prop switchboard.service MainPID)
  uid=$(podman exec "$sd" awk '/^Uid:/ {print $2}' "/proc/$pid/status")
  caps=$(podman exec "$sd" awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
  if [ "$uid" != 0 ] && [ "$caps" = 0000000000000400 ]; then
    pass "runs as dynamic uid $uid with only CAP_NET_BIND_SERVICE (CapEff $caps)"
  else
    fail "runs as uid $uid with CapEff $caps (expected: non-root, 0000000000000400)"
  fi

  step "systemctl stop"
  t0=$(now_ms)
  sctl stop switchboard.service
  local took result status
  took=$(( $(now_ms) - t0 ))
  result=$(unit_prop switchboard.service Result)
  status=$(unit_prop switchboard.service ExecMainStatus)
  if [ "$result" = success ] && [ "$status" = 143 ] && unit_is inactive; then
    pass "stopped in $took ms, exit status 143, result success"
  else
    fail "stop took $took ms: result $result, exit status $status, state $(unit_prop switchboard.service ActiveState)"
  fi

  step "Restart=on-failure after kill -9"
  sctl start switchboard.service || true
  pid=$(unit_prop switchboard.service MainPID)
  [ "$pid" != 0 ] || die "switchboard.service did not start again: $(unit_prop switchboard.service ActiveState)"
  t0=$(now_ms)
  podman exec "$sd" kill -9 "$pid"
  if wait_for 60 main_pid_changed "$pid" && wait_for 30 http_ok "http://$http/readyz"; then
    pass "back with PID $(unit_prop switchboard.service MainPID) (was $pid), /readyz 200 after $(( $(now_ms) - t0 )) ms, NRestarts=$(unit_prop switchboard.service NRestarts)"
  else
    fail "not restarted within 60 s: state $(unit_prop switchboard.service ActiveState), MainPID $(unit_prop switchboard.service MainPID)"
  fi

  step "socket activation: switchboard.socket starts the service on the first connection"
  sctl stop switchboard.service
  sctl start switchboard.socket
  if unit_is inactive; then
    pass "socket listening, service inactive"
  else
    fail "service is $(unit_prop switchboard.service ActiveState) before any connection"
  fi
  t0=$(now_ms)
  # The first request is queued by the kernel on systemd's socket until the server accepts it,
  # which is after the JVM has started: a longer wait than http_status allows.
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://$http/readyz" || true)
  took=$(( $(now_ms) - t0 ))
  if [[ "$code" =~ ^(200|503)$ ]] && unit_is active; then
    pass "first connection answered ($code) after $took ms; service active, TriggeredBy=$(unit_prop switchboard.service TriggeredBy)"
  else
    podman exec "$sd" journalctl -u switchboard --no-pager | tail -n 30 >&2
    fail "first connection got $code after $took ms; service $(unit_prop switchboard.service ActiveState)"
  fi
  if wait_for 30 http_ok "http://$http/readyz"; then
    pass "/readyz 200 on the inherited socket"
  else
    fail "/readyz never answered 200 on the inherited socket"
  fi

  step "socket activation: a connection during a restart after kill -9 is queued, not refused"
  pid=$(unit_prop switchboard.service MainPID)
  [ "$pid" != 0 ] || die "no socket-activated server to kill: $(unit_prop switchboard.service ActiveState)"
  podman exec "$sd" kill -9 "$pid"
  wait_for 10 unit_is activating || true
  t0=$(now_ms)
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 60 "http://$http/readyz" || true)
  took=$(( $(now_ms) - t0 ))
  if [[ "$code" =~ ^(200|503)$ ]]; then
    pass "answered ($code) after $took ms by the restarted server (PID $(unit_prop switchboard.service MainPID), was $pid)"
  else
    fail "connection during the restart got $code after $took ms"
  fi

  step "stop the socket-activated service, then the socket"
  # A server left with blocking inherited sockets hangs in accept() here until SIGKILL.
  t0=$(now_ms)
  sctl stop switchboard.service
  took=$(( $(now_ms) - t0 ))
  result=$(unit_prop switchboard.service Result)
  status=$(unit_prop switchboard.service ExecMainStatus)
  if [ "$result" = success ] && [ "$status" = 143 ] && unit_is inactive; then
    pass "stopped in $took ms, exit status 143, result success"
  else
    podman exec "$sd" journalctl -u switchboard --no-pager | tail -n 20 >&2
    fail "stop took $took ms: result $result, exit status $status, state $(unit_prop switchboard.service ActiveState)"
  fi
  sctl stop switchboard.socket
}

if [ "$run_container" = yes ]; then
  container_checks
  port_checks
  compose_checks
fi
if [ "$run_systemd" = yes ]; then
  systemd_checks
fi

total=$(( ($(date +%s%N) - started) / 1000000 ))
if [ "$failures" -gt 0 ]; then
  log "$failures check(s) FAILED (total $total ms)"
  exit 1
fi
log "all checks passed (total $total ms)"
