#!/usr/bin/env bash
# Builds, if absent, the local stand-ins for the registry images the stack uses, for machines
# that reach no image registry (stack/test.sh): a Debian bookworm base made with debootstrap,
# then on it Python 3.11 (python:3.11-slim-bookworm), PostgreSQL 15 (postgres:15) and Redis 7
# (redis:7). Images are kept by name, so a second run does nothing. STACK_REBUILD_BASE=1 rebuilds.
# Needs root, podman and debootstrap.
set -euo pipefail
cd "$(dirname "$0")"

DEBIAN_IMAGE=${DEBIAN_IMAGE:-localhost/reform-stack-debian:bookworm}
PYTHON_IMAGE=${PYTHON_IMAGE:-localhost/reform-stack-python:3.11-bookworm}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-localhost/reform-stack-postgres:15}
REDIS_IMAGE=${REDIS_IMAGE:-localhost/reform-stack-redis:7}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

have() { [ "${STACK_REBUILD_BASE:-0}" != 1 ] && podman image exists "$1"; }

if ! have "$DEBIAN_IMAGE"; then
  root=$(mktemp -d /var/tmp/reform-debootstrap.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  echo "   debootstrap bookworm (minbase) -> $DEBIAN_IMAGE"
  debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$root.log" 2>&1 \
    || { tail -30 "$root.log"; exit 1; }
  rm -f "$root.log"
  # As the official Debian images: the package lists are fetched in the builds that need them.
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin
  tar -C "$root" -c . | podman import --change 'CMD ["bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$DEBIAN_IMAGE" >/dev/null 2>&1
  rm -rf "$root"
  trap - EXIT
fi

build() {  # IMAGE DIR
  if ! have "$1"; then
    echo "   build $1"
    local log
    log=$(mktemp)
    podman build --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" -t "$1" "images/$2" >"$log" 2>&1 \
      || { tail -40 "$log"; rm -f "$log"; exit 1; }
    rm -f "$log"
  fi
}
build "$PYTHON_IMAGE" python
build "$POSTGRES_IMAGE" postgres
build "$REDIS_IMAGE" redis
