#!/bin/bash
# HEALTHCHECK of the Switchboard image: healthy only when GET /readyz on the HTTP listener
# answers 200 (503 while starting or draining, a refused connection while down). Plain bash with
# /dev/tcp, no curl and no second JVM (which would compete with the server for the container's
# memory limit every interval).
#
# Where the HTTP listener is: the server itself says so. The image sets
# SWITCHBOARD_LISTENERS_ADDRESS_FILE, and once every listener is bound the server writes there
# one line per listener ("http 0.0.0.0 7780 plain"), whatever set the port: a flag after the
# image name, a variable or the configuration file. The check reads the same variable, so it
# finds the file the server wrote. Without the file (the variable unset, the server not started
# yet or unable to write it) it falls back to the variables, as before: SWITCHBOARD_LISTENERS_HTTP_PORT,
# ..._HTTP_BIND, SWITCHBOARD_LISTENERS_BIND.
set -u
file=${SWITCHBOARD_LISTENERS_ADDRESS_FILE:-}
from=variables
if [ -n "$file" ] && [ -r "$file" ]; then
  from=$file
  port=""
  while read -r name address listener_port security _; do
    if [ "$name" = http ]; then
      host=$address
      port=$listener_port
      tls=$security
    fi
  done < "$file"
  if [ -z "$port" ]; then
    echo "readyz: the http listener is off (not in $file)"
    exit 1
  fi
  if [ "$tls" = tls ]; then
    echo "readyz: the http listener on port $port speaks TLS; this check speaks plain HTTP (use the orchestrator's probe)"
    exit 1
  fi
else
  port=${SWITCHBOARD_LISTENERS_HTTP_PORT:-8080}
  host=${SWITCHBOARD_LISTENERS_HTTP_BIND:-${SWITCHBOARD_LISTENERS_BIND:-127.0.0.1}}
fi
# A wildcard is reached through loopback (:: is dual stack unless net.ipv6.bindv6only=1).
case "$host" in
  0.0.0.0 | :: | "[::]") host=127.0.0.1 ;;
esac
host=${host#[}
host=${host%]}
if ! exec 3<>"/dev/tcp/$host/$port"; then
  echo "readyz: no connection to $host port $port (from $from)"
  exit 1
fi
printf 'GET /readyz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: switchboard-healthcheck\r\nConnection: close\r\n\r\n' >&3
if ! IFS= read -r -t 2 status <&3; then
  echo "readyz: no answer from $host port $port within 2 s (from $from)"
  exit 1
fi
status=${status%$'\r'}
case "$status" in
  "HTTP/1.1 200 "* | "HTTP/1.0 200 "*) exit 0 ;;
esac
echo "readyz: $status (from $from)"
exit 1
