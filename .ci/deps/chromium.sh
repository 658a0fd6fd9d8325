#!/usr/bin/env bash
# Installs what the browser test (server/src/test/java/.../ws/BrowserChatTest.java) needs:
# Debian's headless-capable Chromium at /usr/bin/chromium (`npx playwright install` cannot
# download browsers here), and playwright-core from npm for server/src/test/browser, exactly as
# pinned by its package-lock.json. Each step is skipped when already done.
# The Socket.IO interop tests (server/src/test/java/.../socketio/SocketIoClientInteropTest.java and
# SocketIoBrowserTest.java) need the same node and Chromium; they run `npm ci` for
# server/src/test/node/socketio-client themselves, into server/target.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ]; then
  echo ".ci/deps/chromium.sh: installing Debian package chromium" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1; then
  echo ".ci/deps/chromium.sh: installing Debian packages nodejs and npm" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
cd server/src/test/browser
if [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund
fi
