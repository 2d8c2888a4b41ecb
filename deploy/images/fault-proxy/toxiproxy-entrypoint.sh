#!/bin/sh
# Toxiproxy's command line (-host=H, -port=P, -config=FILE, each also as "-flag value" or with "--") mapped to the
# fault proxy's (--host, --port, --config). Toxiproxy's defaults: host localhost, port 8474.
set -eu
host=localhost
port=8474
config=
while [ $# -gt 0 ]; do
  flag=${1#-}; flag=${flag#-}
  case "$flag" in
    *=*) name=${flag%%=*}; value=${flag#*=}; shift ;;
    *) name=$flag; value=${2:-}; shift; [ $# -gt 0 ] && shift ;;
  esac
  case "$name" in
    host) host=$value ;;
    port) port=$value ;;
    config) config=$value ;;
    *) echo "toxiproxy-entrypoint: flag -$name is not supported by the fault proxy (supported: -host, -port, -config)" >&2; exit 2 ;;
  esac
done
if [ -n "$config" ]; then
  exec node --import tsx proxy/main.ts --host "$host" --port "$port" --config "$config"
fi
exec node --import tsx proxy/main.ts --host "$host" --port "$port"
