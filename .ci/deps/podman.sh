#!/usr/bin/env bash
# Installs what the deployment test (deploy/test/deploy-test.sh) needs: podman with runc (crun
# fails on hybrid cgroup hosts), buildah, debootstrap for the local base image (no public image
# registry is reachable), the networking helpers for rootful port publishing, podman-compose (it
# brings python3-yaml too) to run deploy/docker/docker-compose.yml, and curl for the HTTP checks. Then writes
# /etc/containers/containers.conf choosing runc and a nofile ulimit the host can grant (the hard
# limit here is 20000; podman's default of 1048576 makes every container fail to start).
# A containers.conf not written by this script is kept as containers.conf.orig. Each step is
# skipped when already done.
set -euo pipefail
packages=(podman podman-compose buildah debootstrap runc uidmap slirp4netns containernetworking-plugins catatonit curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo ".ci/deps/podman.sh: installing Debian packages ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
conf=/etc/containers/containers.conf
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 20000 ]; then
  hard=20000
fi
want=$(cat <<CONF
# Written by Switchboard's .ci/deps/podman.sh: runc (crun fails on hybrid cgroups) and ulimits
# this host can grant (podman's defaults exceed the hard nofile limit of $(ulimit -Hn)).
[containers]
default_ulimits = ["nofile=${hard}:${hard}", "nproc=4096:4096"]

[engine]
runtime = "runc"
CONF
)
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  mkdir -p "$(dirname "$conf")"
  if [ -f "$conf" ] && ! grep -q "^# Written by Switchboard's .ci/deps/podman.sh" "$conf" && [ ! -e "$conf.orig" ]; then
    cp -p "$conf" "$conf.orig"
    echo ".ci/deps/podman.sh: saved your $conf as $conf.orig" >&2
  fi
  printf '%s\n' "$want" > "$conf"
fi
