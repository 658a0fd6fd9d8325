#!/usr/bin/env bash
# Installs what the chat example's client test (examples/chat/.../PythonSocketIoClientTest.java)
# needs, for Debian's own /usr/bin/python3 (the python3 first on PATH may be another interpreter
# that does not see Debian's packages): python-socketio 5 (python3-socketio), its WebSocket
# transport (python3-websocket) and its polling transport (python3-requests: Debian's
# python3-engineio does not depend on it, and its client cannot poll without it).
# Skipped when already installed.
set -euo pipefail
packages=(python3 python3-socketio python3-websocket python3-requests)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo ".ci/deps/python-socketio.sh: installing Debian packages ${missing[*]}" >&2
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
/usr/bin/python3 -c 'import socketio, websocket, requests'
