#!/usr/bin/env bash
# Installs Switchboard as a systemd service on this host (or into a staging root), idempotently:
#
#   /opt/switchboard/switchboard-server.jar      the server (replaced atomically: a running JVM
#                                                keeps the old file until it restarts)
#   /opt/switchboard/README.md                   deploy/README.md, the unit's Documentation=
#   /etc/systemd/system/switchboard.service      the hardened unit
#   /etc/systemd/system/switchboard.socket       socket activation (enabled only on request)
#   /etc/switchboard/switchboard.yaml            configuration  } never overwritten: a changed
#   /etc/switchboard/switchboard.env             JVM options    } sample is written beside as .new
#   /etc/sysctl.d/99-switchboard.conf            kernel settings for many connections, applied
#
# Needs a Java 17+ runtime at /usr/bin/java (Debian: apt-get install openjdk-17-jre-headless).
# Run it again after a rebuild to upgrade; add --enable to start the service.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy/systemd/install.sh [options]
  --jar FILE             server jar to install (default: server/target/switchboard-server.jar)
  --root DIR             install under DIR instead of / (a staging tree or an image); no
                         systemctl or sysctl calls then, except offline `systemctl enable`
  --enable service|socket  enable and start switchboard.service, or switchboard.socket (systemd
                         binds the ports and starts the service on the first connection)
  --no-sysctl            do not install or apply deploy/sysctl/99-switchboard.conf
  -h, --help
USAGE
}

fail() {
  echo "install.sh: $*" >&2
  exit 1
}

say() {
  echo "install.sh: $*"
}

deploy_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
repo_dir=$(dirname "$deploy_dir")
jar="$repo_dir/server/target/switchboard-server.jar"
root=""
enable=""
sysctl=yes

while [ $# -gt 0 ]; do
  case "$1" in
    --jar) [ $# -ge 2 ] || fail "--jar needs a file"; jar=$2; shift 2 ;;
    --root) [ $# -ge 2 ] || fail "--root needs a directory"; root=${2%/}; shift 2 ;;
    --enable)
      [ $# -ge 2 ] || fail "--enable needs service or socket"
      case "$2" in
        service | socket) enable=$2 ;;
        *) fail "--enable: $2 (expected: service or socket)" ;;
      esac
      shift 2
      ;;
    --no-sysctl) sysctl=no; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; fail "unknown argument: $1" ;;
  esac
done

[ -f "$jar" ] || fail "no server jar at $jar (build it: ./mvnw -B -ntp -DskipTests package)"
if [ -z "$root" ] && [ "$(id -u)" -ne 0 ]; then
  fail "run as root (or stage into a directory with --root DIR)"
fi
if [ -n "$root" ]; then
  mkdir -p "$root"
  root=$(cd "$root" && pwd)
fi

if [ -x "$root/usr/bin/java" ]; then
  if [ -z "$root" ]; then
    # "openjdk version "17.0.15" 2025-04-15" or "openjdk version "21" ..."
    feature=$(/usr/bin/java -version 2>&1 | sed -n 's/^.* version "\([0-9]*\).*/\1/p' | head -n 1)
    if [ -n "$feature" ] && [ "$feature" -lt 17 ]; then
      fail "/usr/bin/java is Java $feature; Switchboard needs 17 or newer"
    fi
  fi
else
  echo "install.sh: warning: no $root/usr/bin/java; the service needs a Java 17+ runtime there" \
    "(Debian: apt-get install openjdk-17-jre-headless)" >&2
fi

changed=no

# Copies $1 to $2 with mode $3 when the content differs, through a temporary file in the target
# directory and a rename, so a reader never sees half a file.
put() {
  local src=$1 dst=$2 mode=$3
  if [ -f "$dst" ] && cmp -s "$src" "$dst"; then
    return 0
  fi
  mkdir -p "$(dirname "$dst")"
  local tmp
  tmp=$(mktemp "$dst.XXXXXX")
  install -m "$mode" "$src" "$tmp"
  mv -f "$tmp" "$dst"
  say "installed ${dst#"$root"}"
  changed=yes
}

# Like put, but an existing file is the operator's: a different sample goes beside it as .new.
put_config() {
  local src=$1 dst=$2 mode=$3
  if [ ! -f "$dst" ]; then
    put "$src" "$dst" "$mode"
  elif ! cmp -s "$src" "$dst"; then
    if [ ! -f "$dst.new" ] || ! cmp -s "$src" "$dst.new"; then
      install -m "$mode" "$src" "$dst.new"
      say "kept your ${dst#"$root"}; the shipped sample is ${dst#"$root"}.new"
    fi
  fi
}

put "$jar" "$root/opt/switchboard/switchboard-server.jar" 0644
put "$deploy_dir/README.md" "$root/opt/switchboard/README.md" 0644
put "$deploy_dir/systemd/switchboard.service" "$root/etc/systemd/system/switchboard.service" 0644
put "$deploy_dir/systemd/switchboard.socket" "$root/etc/systemd/system/switchboard.socket" 0644
# World-readable: the service runs as a dynamic user. Secrets (auth tokens, the TLS key) belong in
# files passed with LoadCredential= (see deploy/README.md), not in these two.
put_config "$deploy_dir/config/switchboard.yaml" "$root/etc/switchboard/switchboard.yaml" 0644
put_config "$deploy_dir/systemd/switchboard.env" "$root/etc/switchboard/switchboard.env" 0644

if [ "$sysctl" = yes ]; then
  conf="$root/etc/sysctl.d/99-switchboard.conf"
  before=$changed
  changed=no
  put "$deploy_dir/sysctl/99-switchboard.conf" "$conf" 0644
  if [ -z "$root" ] && [ "$changed" = yes ]; then
    # Read-only /proc/sys (a container) or a key this kernel lacks: the file stays for the next boot.
    sysctl -q -p "$conf" || echo "install.sh: warning: could not apply every setting of $conf now;" \
      "it applies at the next boot" >&2
  fi
  if [ "$before" = yes ]; then
    changed=yes
  fi
fi

systemd_running=no
if [ -z "$root" ] && [ -d /run/systemd/system ]; then
  systemd_running=yes
  systemctl daemon-reload
fi

if [ -n "$enable" ]; then
  unit="switchboard.$enable"
  if [ "$systemd_running" = yes ]; then
    systemctl enable --now "$unit"
    say "enabled and started $unit"
  else
    # Offline: only the [Install] symlinks; the unit starts at the next boot.
    systemctl --root="${root:-/}" --quiet enable "$unit"
    say "enabled $unit (starts at the next boot)"
  fi
fi

if [ "$systemd_running" = yes ] && [ "$changed" = yes ] && systemctl --quiet is-active switchboard.service; then
  say "switchboard.service is running the previous version: systemctl restart switchboard.service"
fi
