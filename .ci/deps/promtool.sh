#!/usr/bin/env bash
# Installs promtool, Prometheus's own metrics parser, which the HTTP /metrics test runs on a
# scrape. Debian ships promtool only inside the `prometheus` package (no smaller package has it);
# without recommends it brings only small JavaScript libraries for its web UI (about 20 MB to
# download). A temporary policy-rc.d keeps the package's postinst from starting the daemon.
# Does nothing when promtool is already on the PATH.
set -euo pipefail
if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
echo ".ci/deps/promtool.sh: installing Debian package prometheus (for promtool)" >&2
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends prometheus >/dev/null
command -v promtool >/dev/null
