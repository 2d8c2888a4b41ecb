#!/bin/bash
# The official image's start-up: a first argument starting with "-" (or a .conf file) goes to redis-server, protected
# mode is off as in the official build (the container's network is the boundary), and it runs as user redis.
set -Eeuo pipefail
if [ "${1:0:1}" = '-' ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis . 2>/dev/null || true
  exec setpriv --reuid=redis --regid=redis --init-groups "$BASH_SOURCE" "$@"
fi
if [ "$1" = redis-server ]; then
  shift
  if [ "${1:-}" != "" ] && [ "${1%.conf}" != "$1" ]; then
    conf=$1
    shift
    set -- redis-server "$conf" --protected-mode no "$@"
  else
    set -- redis-server --protected-mode no "$@"
  fi
fi
exec "$@"
