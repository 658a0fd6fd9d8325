#!/bin/bash
# HEALTHCHECK of the Switchboard image: healthy only when GET /readyz on the HTTP listener
# answers 200 (503 while starting or draining, a refused connection while down). Plain bash with
# /dev/tcp, no curl and no second JVM (which would compete with the server for the container's
# memory limit every interval). It follows the HTTP listener's port and address when they are set
# by environment (SWITCHBOARD_LISTENERS_HTTP_PORT, ..._HTTP_BIND, SWITCHBOARD_LISTENERS_BIND);
# a listener moved by the configuration file alone needs the same variable set for this check.
set -u
port=${SWITCHBOARD_LISTENERS_HTTP_PORT:-8080}
host=${SWITCHBOARD_LISTENERS_HTTP_BIND:-${SWITCHBOARD_LISTENERS_BIND:-127.0.0.1}}
case "$host" in
  0.0.0.0 | :: | "[::]") host=127.0.0.1 ;;
esac
host=${host#[}
host=${host%]}
if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "readyz: no connection to $host port $port"
  exit 1
fi
printf 'GET /readyz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: switchboard-healthcheck\r\nConnection: close\r\n\r\n' >&3
if ! IFS= read -r -t 2 status <&3; then
  echo "readyz: no answer from $host port $port within 2 s"
  exit 1
fi
status=${status%$'\r'}
case "$status" in
  "HTTP/1.1 200 "* | "HTTP/1.0 200 "*) exit 0 ;;
esac
echo "readyz: $status"
exit 1
