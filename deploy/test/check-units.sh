#!/usr/bin/env bash
# Offline checks of the systemd units, run by .ci/run (no systemd as PID 1 needed):
#  1. deploy/systemd/install.sh stages them into a temporary root, with a stub /usr/bin/java:
#     `systemd-analyze verify` fails when the ExecStart binary is missing, and the host's java may
#     live elsewhere. Running it again must change nothing, nor overwrite an edited configuration.
#  2. `systemd-analyze verify` on both units; it exits 0 even for unknown keys, so ANY output fails.
#  3. `systemd-analyze security --offline=yes --threshold=20` on the service (0-100 scale).
set -euo pipefail
cd "$(dirname "$0")/../.."

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

# The unit tree of this host (sysinit.target, network-online.target, ...) that the units refer to.
mkdir -p "$root/usr/lib/systemd" "$root/usr/bin"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\nexit 0\n' > "$root/usr/bin/java"
chmod 0755 "$root/usr/bin/java"
# verify does not read the jar: any file stands in when it has not been built.
jar=server/target/switchboard-server.jar
if [ ! -f "$jar" ]; then
  jar="$root/stub.jar"
  : > "$jar"
fi
deploy/systemd/install.sh --root "$root" --jar "$jar" > /dev/null

# install.sh is idempotent: a second run changes nothing and says nothing, and it never overwrites
# the operator's configuration (a changed sample goes beside it as .new).
again=$(deploy/systemd/install.sh --root "$root" --jar "$jar")
if [ -n "$again" ]; then
  echo "check-units: a second install.sh run was not a no-op:" >&2
  echo "$again" >&2
  exit 1
fi
echo "# edited by the operator" >> "$root/etc/switchboard/switchboard.yaml"
edited=$(cat "$root/etc/switchboard/switchboard.yaml")
deploy/systemd/install.sh --root "$root" --jar "$jar" > /dev/null
if [ "$(cat "$root/etc/switchboard/switchboard.yaml")" != "$edited" ] ||
  ! cmp -s deploy/config/switchboard.yaml "$root/etc/switchboard/switchboard.yaml.new"; then
  echo "check-units: install.sh overwrote an edited switchboard.yaml or did not leave the sample as .new" >&2
  exit 1
fi
echo "check-units: install.sh --root: idempotent, keeps an edited configuration"

out=$(systemd-analyze verify --root="$root" switchboard.service switchboard.socket 2>&1) || {
  echo "check-units: systemd-analyze verify failed:" >&2
  echo "$out" >&2
  exit 1
}
if [ -n "$out" ]; then
  echo "check-units: systemd-analyze verify printed warnings:" >&2
  echo "$out" >&2
  exit 1
fi
echo "check-units: systemd-analyze verify: switchboard.service and switchboard.socket clean"

if ! out=$(systemd-analyze security --root="$root" --offline=yes --threshold=20 switchboard.service 2>&1); then
  echo "$out" >&2
  echo "check-units: systemd-analyze security: switchboard.service is above the threshold of 20" >&2
  exit 1
fi
echo "check-units: $(echo "$out" | grep 'Overall exposure level')"
