#!/usr/bin/env bash
# Installs curl, gzip and brotli: HttpServingIntegrationTest has the gzip and brotli tools make
# precompressed siblings and curl --compressed decode what the server sends. Does nothing when all
# three are already on the PATH.
set -euo pipefail
if command -v curl >/dev/null 2>&1 && command -v gzip >/dev/null 2>&1 && command -v brotli >/dev/null 2>&1; then
  exit 0
fi
echo ".ci/deps/compression-tools.sh: installing Debian packages curl gzip brotli" >&2
apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends curl gzip brotli >/dev/null
command -v brotli >/dev/null
