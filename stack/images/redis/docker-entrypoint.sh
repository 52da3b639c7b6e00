#!/bin/sh
# As the official redis image: `redis-server ARGS` without a config file runs with protected mode
# off (so other containers on the network reach it; without a config file Redis binds all interfaces), as the
# redis user, with its files in /data.
set -eu
if [ "${1:-}" = redis-server ]; then
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data
    exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
  fi
  shift
  case "${1:-}" in
    *.conf) exec redis-server "$@" ;;
  esac
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
