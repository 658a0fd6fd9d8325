#!/usr/bin/env bash
# Installs what the network fault test (client/src/test/java/.../NamespaceFaultsTest.java) needs to
# make faults in a network namespace of its own: iproute2 (ip netns, tc with the htb and tbf
# qdiscs) and iptables (Debian 12's is the nf_tables one; DROP and REJECT --reject-with
# tcp-reset). The test also needs root; it skips without these locally and fails under CI=true.
# Skipped when both packages are installed.
set -euo pipefail
packages=(iproute2 iptables)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo ".ci/deps/netns.sh: installing Debian packages ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
PATH="$PATH:/usr/sbin:/sbin"
command -v ip >/dev/null && command -v tc >/dev/null && command -v iptables >/dev/null
