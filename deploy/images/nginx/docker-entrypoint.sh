#!/bin/bash
# nginx before 1.27.3 has no `resolve` parameter on an upstream's server: run a copy of /etc/nginx/nginx.conf
# without it (addresses read once at start). Everything else of the config is used as written.
set -Eeuo pipefail
if [ "$1" = nginx ] && grep -Eq '^[[:space:]]*server[[:space:]].*[[:space:]]resolve([[:space:];]|$)' /etc/nginx/nginx.conf; then
  mkdir -p /run/nginx-local
  sed -E '/^[[:space:]]*server[[:space:]]/s/[[:space:]]resolve([[:space:];])/\1/' /etc/nginx/nginx.conf >/run/nginx-local/nginx.conf
  echo "docker-entrypoint: nginx $(nginx -v 2>&1 | sed 's/.*\///') has no upstream 'resolve'; running /etc/nginx/nginx.conf without it" >&2
  shift
  set -- nginx -c /run/nginx-local/nginx.conf "$@"
fi
exec "$@"
