#!/usr/bin/env bash
# Builds, on a machine whose Docker engine reaches no image registry, local images that stand in for the
# official ones docker-compose.yml and `rampart stack up --provider docker` use, from a Debian base made by
# debootstrap and Debian's own packages, plus rampart's fault proxy and the target from this repository.
#
#   deploy/images/build-local.sh            # build what is missing (about 6 min the first time, seconds after)
#   docker-compose --env-file deploy/images/local-images.env up -d
#   env $(cat deploy/images/local-images.env) rampart stack up --provider docker
#
# Needs root (debootstrap), a running Docker engine and Debian's mirror. Cached: the base is made only when its
# image is missing; every other image is a `docker build` whose layers Docker reuses while their inputs are the
# same (a change to the repository's sources rebuilds the target and the fault proxy from that layer on).
# REBUILD=1 makes the base again. DEBIAN_MIRROR picks the mirror (default: the one this machine's apt uses).
#
# What each image keeps of its official counterpart (what the compose file and the provider use):
#   rampart-local/postgres:15     (for postgres:17-alpine)  PostgreSQL 15 from Debian. POSTGRES_USER, POSTGRES_PASSWORD,
#       POSTGRES_DB, PGDATA=/var/lib/postgresql/data (a VOLUME), port 5432, password (scram-sha-256) auth over TCP,
#       first start: initdb, a temporary server on the Unix socket only to create the database (so "database system is
#       ready to accept connections" is logged twice, as testcontainers expects), then the real server; pg_isready on
#       PATH; runs as user postgres. Not kept: /docker-entrypoint-initdb.d, POSTGRES_INITDB_ARGS, other versions.
#   rampart-local/redis:7         (for redis:7-alpine)      Redis 7.0 from Debian. `redis-server [args]` as the command,
#       a first argument starting with "-" goes to redis-server, port 6379, protected mode off (as the official build),
#       WORKDIR and VOLUME /data, logs "Ready to accept connections", redis-cli on PATH; runs as user redis.
#   rampart-local/nginx:1.22      (for nginx:1.27.5-alpine) nginx 1.22 from Debian, `nginx -g 'daemon off;'`, config at
#       /etc/nginx/nginx.conf. nginx 1.22 has no `resolve` on upstream servers (1.27.3+): the entrypoint drops that one
#       parameter from a copy of the config, so the replicas' addresses are read once at start instead of every 10 s.
#   rampart-local/prometheus:2    (for prom/prometheus:v2.55.1) Prometheus 2.42 from Debian, the official image's
#       entrypoint and arguments (/etc/prometheus/prometheus.yml, data in /prometheus), port 9090, user nobody.
#   rampart-local/node:20         (for node:20-bookworm-slim, the target's base) the Node 20 installed on this machine
#       (its nodejs package's files: node, npm, npx, corepack, the headers) on the Debian base, user node (uid 1000); node trusts
#       this machine's CA bundle (SSL_CERT_FILE, else /etc/ssl/certs/ca-certificates.crt) so npm ci works as here;
#       python3, make, g++ and the headers for node-gyp (argon2's prebuilt binary crashes under this node, so it is
#       compiled, offline).
#   rampart/socialconnect:local   the target, built by the repository's Dockerfile on rampart-local/node:20.
#   rampart-local/toxiproxy:fault-proxy (for ghcr.io/shopify/toxiproxy:2.12.0) rampart's fault proxy (proxy/main.ts,
#       Toxiproxy's API and wire behaviour), taking Toxiproxy's flags (-host, -port, -config; default -host=0.0.0.0),
#       API on 8474, GET /version.
# ZAP, k6, Grafana and Jaeger have no Debian package: they stay behind the compose profile "tools".
set -euo pipefail
cd "$(dirname "$0")/../.."
here=deploy/images
export DOCKER_BUILDKIT=0   # the classic builder: no buildx plugin needed, `--network host` for apt and npm
apt_mirror() { # the first Debian mirror of this machine's apt sources (deb822 or one-line format)
  { sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null
    sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\)[[:space:]]\+bookworm[[:space:]].*/\2/p' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null
  } | grep -v -- '-security' | head -1 || true
}
mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
base=rampart-local/debian:bookworm-minbase
t0=$(date +%s)
log() { printf '[build-local %3ss] %s\n' "$(( $(date +%s) - t0 ))" "$*"; }

command -v docker >/dev/null || { echo "build-local: docker is not installed (apt-get install docker.io)" >&2; exit 3; }
docker info >/dev/null 2>&1 || { echo "build-local: no Docker engine answers (start dockerd, or set DOCKER_HOST)" >&2; exit 3; }

if [ "${REBUILD:-0}" = 1 ] || ! docker image inspect "$base" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "build-local: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 3; }
  [ -n "$mirror" ] || { echo "build-local: no Debian mirror in /etc/apt/sources*; set DEBIAN_MIRROR" >&2; exit 3; }
  [ "$(id -u)" = 0 ] || { echo "build-local: debootstrap needs root" >&2; exit 3; }
  root=$(mktemp -d /tmp/rampart-rootfs.XXXXXX)
  # debootstrap mounts /proc (and /sys) inside the tree while it works: unmount before removing anything.
  cleanup_root() { umount -R "$root/proc" "$root/sys" 2>/dev/null || true; rm -rf --one-file-system "$root" "$root.log"; }
  trap cleanup_root EXIT
  log "debootstrap --variant=minbase bookworm ($mirror)"
  debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; echo "build-local: debootstrap failed (log above)" >&2; exit 3; }
  rm -f "$root.log"
  # As Debian's own container images: no services started by package scripts, no caches kept.
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" && chmod 755 "$root/usr/sbin/policy-rc.d"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' >"$root/etc/dpkg/dpkg.cfg.d/docker-minimal"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/docker-no-recommends"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  log "docker import $base"
  tar -C "$root" --one-file-system -c . | docker import --change 'CMD ["bash"]' --change 'ENV LANG=C.UTF-8' - "$base" >/dev/null
  cleanup_root
  trap - EXIT
else
  log "$base present (REBUILD=1 makes it again)"
fi

build() { # tag, dockerfile, context, extra args...
  local tag=$1 file=$2 ctx=$3
  shift 3
  log "docker build $tag"
  # The classic builder's deprecation notice is noise here; a failed build prints its whole output.
  if ! docker build --network host -t "$tag" -f "$file" "$@" "$ctx" >"$build_log" 2>&1; then
    cat "$build_log" >&2
    echo "build-local: building $tag failed (output above)" >&2
    exit 1
  fi
}
build_log=$(mktemp /tmp/rampart-build.XXXXXX)

build rampart-local/postgres:15 "$here/postgres/Dockerfile" "$here/postgres" --build-arg BASE="$base"
build rampart-local/redis:7 "$here/redis/Dockerfile" "$here/redis" --build-arg BASE="$base"
build rampart-local/nginx:1.22 "$here/nginx/Dockerfile" "$here/nginx" --build-arg BASE="$base"
build rampart-local/prometheus:2 "$here/prometheus/Dockerfile" "$here/prometheus" --build-arg BASE="$base"

# Node 20: the files of this machine's nodejs package, in a build context of their own.
node_ctx=$(mktemp -d /tmp/rampart-node.XXXXXX)
node_bin=$(command -v node)
node_version=$("$node_bin" -p 'process.versions.node')
case "$node_version" in 20.*) ;; *) echo "build-local: node $node_version on PATH; the target image wants Node 20" >&2; exit 3 ;; esac
node_prefix=$(dirname "$(dirname "$(readlink -f "$node_bin")")")
tar -C "$node_prefix" -cf "$node_ctx/nodejs.tar" bin/node lib/node_modules/npm \
  $( [ -d "$node_prefix/lib/node_modules/corepack" ] && echo lib/node_modules/corepack ) $( [ -d "$node_prefix/include/node" ] && echo include/node )
cp "$here/node/Dockerfile" "$node_ctx/"
ca_bundle=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
if [ -r "$ca_bundle" ]; then cp "$ca_bundle" "$node_ctx/host-ca-certificates.crt"; else : >"$node_ctx/host-ca-certificates.crt"; fi
build rampart-local/node:20 "$node_ctx/Dockerfile" "$node_ctx" --build-arg BASE="$base" --label "org.nodejs.version=$node_version"
rm -rf "$node_ctx"

build rampart/socialconnect:local Dockerfile . --build-arg NODE_IMAGE=rampart-local/node:20
build rampart-local/toxiproxy:fault-proxy "$here/fault-proxy/Dockerfile" . --build-arg TARGET_IMAGE=rampart/socialconnect:local

log "done; images:"
docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E '^rampart(-local)?/' | sed 's/^/  /' || true
rm -f "$build_log"
