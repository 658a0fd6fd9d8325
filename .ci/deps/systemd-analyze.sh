#!/usr/bin/env bash
# Installs systemd-analyze, which deploy/test/check-units.sh runs offline on the units (verify and
# the security score; no systemd as PID 1 needed). It comes with Debian's systemd package, present
# on a booted Debian host but not in a minimal container. Does nothing when already on the PATH.
set -euo pipefail
if command -v systemd-analyze >/dev/null 2>&1; then
  exit 0
fi
echo ".ci/deps/systemd-analyze.sh: installing Debian package systemd (for systemd-analyze)" >&2
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends systemd >/dev/null
command -v systemd-analyze >/dev/null
