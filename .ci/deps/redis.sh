#!/usr/bin/env bash
# Installs redis-server, which the cluster integration tests start themselves (on a free loopback
# port, persistence off). A temporary policy-rc.d keeps the package's postinst from starting the
# system service: nothing should listen on 6379 behind the tests' back. Does nothing when
# redis-server is already on the PATH.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
echo ".ci/deps/redis.sh: installing Debian package redis-server" >&2
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends redis-server >/dev/null
command -v redis-server >/dev/null
