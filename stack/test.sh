#!/usr/bin/env bash
# `make stack-test`: starts the production stack of docker-compose.yml for real with Podman and
# podman-compose, checks it through the web port published on 127.0.0.1, and removes it again.
#
#   1. the local base images (stack/base-images.sh; kept by name, so only the first run builds them)
#   2. the app image from the Dockerfile, on the local Python base (kept as $REFORM_IMAGE, whose
#      layers make the next build fast)
#   3. db, redis, then web, worker and beat under a unique project name, with a throwaway .env
#   4. checks: migrations all applied; the board user logs in; `/` and an indicator page render
#      with their charts (json_script and the Plotly script, which WhiteNoise serves); an official
#      asks for the annual report's PDF through the API, the worker builds it, it downloads; the
#      five services' compose health checks pass (run in their containers); beat has started and
#      the worker knows its scheduled tasks
#   5. the stack is taken down without its volumes and started again: the users, the export and
#      its file are still there
#   6. everything it created is removed (containers, volumes, network, work directory), also on
#      failure, after printing the containers' logs. STACK_KEEP=1 leaves the stack running.
#
# Needs root, podman, podman-compose, runc and debootstrap (.ci/run installs them and writes
# /etc/containers/containers.conf). pip in the build trusts this machine's CA bundle, mounted
# read-only; STACK_PIP_INDEX_URL / STACK_PIP_EXTRA_INDEX_URL point it at another index.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)

REFORM_IMAGE=${REFORM_IMAGE:-localhost/reform-dashboard:stack-test}
PYTHON_IMAGE=${PYTHON_IMAGE:-localhost/reform-stack-python:3.11-bookworm}
POSTGRES_IMAGE=${POSTGRES_IMAGE:-localhost/reform-stack-postgres:15}
REDIS_IMAGE=${REDIS_IMAGE:-localhost/reform-stack-redis:7}
export REFORM_IMAGE PYTHON_IMAGE POSTGRES_IMAGE REDIS_IMAGE
CA_BUNDLE=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
DEMO_PASSWORD=reform-demo-2020
PROJECT="reformstack$$$(date +%s)"
WORK=$(mktemp -d /tmp/reform-stack.XXXXXX)

T0=$(date +%s)
TS=$T0
STEP=""
clock() { printf '%02d:%02d' $(($1 / 60)) $(($1 % 60)); }
finish_step() {
  local now
  now=$(date +%s)
  [ -n "$STEP" ] && echo "   ok ($((now - TS))s)"
  TS=$now
}
step() {
  finish_step
  STEP=$1
  echo "== [$(clock $((TS - T0)))] $1"
}
fail() {
  echo "   FAIL: $*" >&2
  exit 1
}
info() { echo "   $*"; }

for tool in podman podman-compose curl python3; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (.ci/run installs podman and podman-compose)"
done

pc() {  # podman-compose on the work directory's copies; its chatter goes to compose.log
  podman-compose -p "$PROJECT" -f "$WORK/docker-compose.yml" -f "$WORK/compose.local-images.yml" "$@" \
    >>"$WORK/compose.log" 2>&1
}
cname() { echo "${PROJECT}_$1_1"; }
in_web() { podman exec "$(cname web)" "$@"; }

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ]; then
    echo "== FAILED in step: $STEP (after $(clock $(($(date +%s) - T0))))"
    for service in db redis web worker beat; do
      if podman container exists "$(cname "$service")"; then
        echo "---- logs of $service ($(podman inspect -f '{{.State.Status}}' "$(cname "$service")"))"
        podman logs --tail 60 "$(cname "$service")" 2>&1
      fi
    done
    [ -s "$WORK/compose.log" ] && { echo "---- podman-compose (last lines)"; tail -20 "$WORK/compose.log"; }
  fi
  if [ "${STACK_KEEP:-0}" = 1 ]; then
    echo "== STACK_KEEP=1: left running as project $PROJECT, http://127.0.0.1:$WEB_PORT/ ($WORK)"
    exit "$rc"
  fi
  echo "== [$(clock $(($(date +%s) - T0)))] clean-up: containers, volumes, network of $PROJECT"
  # (Podman complains that it cannot remove systemd health-check timers it never made: ignored.)
  podman ps -aq --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman rm -f -t 5 >/dev/null 2>&1
  podman volume ls -q --filter "label=io.podman.compose.project=$PROJECT" | xargs -r podman volume rm -f >/dev/null
  podman network exists "${PROJECT}_default" && podman network rm -f "${PROJECT}_default" >/dev/null
  rm -rf "$WORK"
  [ "$rc" -eq 0 ] && echo "== stack test passed in $(clock $(($(date +%s) - T0)))"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
step "base images (debootstrap bookworm; Python 3.11, PostgreSQL 15, Redis 7), built if absent"
"$ROOT/stack/base-images.sh"

step "app image $REFORM_IMAGE (Dockerfile, BASE_IMAGE=$PYTHON_IMAGE)"
build_args=(--build-arg "BASE_IMAGE=$PYTHON_IMAGE")
if [ -f "$CA_BUNDLE" ]; then
  build_args+=(-v "$CA_BUNDLE:/etc/ssl/certs/ca-certificates.crt:ro"
    --build-arg PIP_CERT=/etc/ssl/certs/ca-certificates.crt)
fi
[ -n "${STACK_PIP_INDEX_URL:-}" ] && build_args+=(--build-arg "PIP_INDEX_URL=$STACK_PIP_INDEX_URL")
[ -n "${STACK_PIP_EXTRA_INDEX_URL:-}" ] && build_args+=(--build-arg "PIP_EXTRA_INDEX_URL=$STACK_PIP_EXTRA_INDEX_URL")
old_image=$(podman image inspect -f '{{.Id}}' "$REFORM_IMAGE" 2>/dev/null || true)
podman build "${build_args[@]}" -t "$REFORM_IMAGE" "$ROOT" >"$WORK/build.log" 2>&1 \
  || { tail -40 "$WORK/build.log"; fail "the image did not build"; }
new_image=$(podman image inspect -f '{{.Id}}' "$REFORM_IMAGE")
if [ -n "$old_image" ] && [ "$old_image" != "$new_image" ]; then
  podman rmi "$old_image" >/dev/null 2>&1 || true  # the previous run's image, now untagged
fi
info "image $(echo "$new_image" | cut -c1-12), $(podman image inspect -f '{{.Size}}' "$REFORM_IMAGE" | awk '{printf "%d MB", $1/1e6}')"

step "project $PROJECT: db and redis"
cp "$ROOT/docker-compose.yml" "$ROOT/stack/compose.local-images.yml" "$WORK/"
WEB_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# The stack's .env: what a deployment sets (cp .env.example .env), with throwaway secrets.
sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$SECRET|" -e "s|^DEBUG=.*|DEBUG=false|" \
  -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=127.0.0.1,localhost|" -e "s|^COMPRESS_STATIC=.*|COMPRESS_STATIC=true|" \
  -e "s|^SITE_URL=.*|SITE_URL=http://127.0.0.1:$WEB_PORT|" "$ROOT/.env.example" >"$WORK/.env"
printf 'POSTGRES_PASSWORD=%s\nWEB_PORT=%s\nWEB_BIND=127.0.0.1\n' "$DB_PASSWORD" "$WEB_PORT" >>"$WORK/.env"
# The test speaks plain http on the loopback, standing in for the TLS proxy of a deployment.
printf 'SECURE_SSL_REDIRECT=false\nSECURE_COOKIES=false\nSECURE_HSTS_SECONDS=0\n' >>"$WORK/.env"
BASE="http://127.0.0.1:$WEB_PORT"

wait_for_backends() {
  # podman-compose 1.0 ignores `condition: service_healthy`, so the backends are awaited here.
  local i
  for i in $(seq 90); do
    podman exec "$(cname db)" pg_isready -q -U reform -d reform 2>/dev/null \
      && [ "$(podman exec "$(cname redis)" redis-cli ping 2>/dev/null)" = PONG ] && return 0
    sleep 1
  done
  fail "PostgreSQL or Redis did not become ready in 90 s"
}
wait_for_web() {
  local i code
  for i in $(seq 180); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$BASE/accounts/login/" || true)
    [ "$code" = 200 ] && return 0
    [ "$(podman inspect -f '{{.State.Running}}' "$(cname web)")" = true ] || fail "the web container stopped"
    sleep 1
  done
  fail "the web did not answer 200 on $BASE/accounts/login/ in 180 s (last: $code)"
}
up() {
  pc up -d --no-build db redis
  wait_for_backends
  info "PostgreSQL and Redis ready"
  pc up -d --no-build web worker beat
  wait_for_web
}
pc up -d --no-build db redis
wait_for_backends
info "PostgreSQL ($(podman exec "$(cname db)" postgres --version)) and Redis ($(podman exec "$(cname redis)" redis-server --version | cut -d' ' -f3)) ready"

step "web (migrate, then gunicorn), worker and beat; web answers on $BASE"
pc up -d --no-build web worker beat
wait_for_web
for service in worker beat; do
  [ "$(podman inspect -f '{{.State.Running}}' "$(cname "$service")")" = true ] || fail "$service is not running"
done

step "migrations all applied"
plan=$(in_web python manage.py showmigrations --plan)
applied=$(grep -c '\[X\]' <<<"$plan" || true)
unapplied=$(grep -c '\[ \]' <<<"$plan" || true)
info "$applied applied, $unapplied not applied"
[ "$unapplied" -eq 0 ] && [ "$applied" -gt 0 ] || fail "migrations not applied"

step "demo city and users (manage.py load_demo in the web container)"
in_web python manage.py load_demo >"$WORK/load_demo.log" 2>&1 || { tail -20 "$WORK/load_demo.log"; fail "load_demo"; }

JAR="$WORK/cookies.txt"
login() {  # USER: a session in $JAR through the login form (CSRF cookie and token)
  rm -f "$JAR"
  local page token code
  page=$(curl -sf -c "$JAR" -b "$JAR" "$BASE/accounts/login/")
  token=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' <<<"$page" | head -1)
  [ -n "$token" ] || fail "no CSRF token on the login page"
  code=$(curl -s -o "$WORK/login.html" -w '%{http_code} %{redirect_url}' -c "$JAR" -b "$JAR" \
    -H "Referer: $BASE/accounts/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
    --data-urlencode "username=$1" --data-urlencode "password=$DEMO_PASSWORD" "$BASE/accounts/login/")
  [ "${code%% *}" = 302 ] || fail "$1 did not log in (answer $code)"
  grep -q sessionid "$JAR" || fail "no session cookie for $1"
}
page_with_charts() {  # PATH: 200, at least one chart figure (json_script) and the Plotly script
  local html="$WORK/page.html" code charts
  code=$(curl -s -o "$html" -w '%{http_code}' -b "$JAR" "$BASE$1")
  [ "$code" = 200 ] || fail "$1 answered $code"
  charts=$(grep -c '<script id="[^"]*" type="application/json">' "$html" || true)
  [ "$charts" -gt 0 ] || fail "$1 has no chart data (json_script)"
  PLOTLY=$(grep -o 'src="[^"]*plotly[^"]*\.js"' "$html" | head -1 | sed 's/^src="//; s/"$//')
  [ -n "$PLOTLY" ] || fail "$1 has no Plotly script tag"
  info "$1: 200, $charts chart(s), $PLOTLY"
}

step "board logs in; / and /indicators/overtime_80h/ render with their charts"
login board
page_with_charts /
page_with_charts /indicators/overtime_80h/
code=$(curl -s -o /dev/null -w '%{http_code} %{size_download}' "$BASE$PLOTLY")
[ "${code%% *}" = 200 ] || fail "$PLOTLY answered $code"
info "WhiteNoise serves $PLOTLY (${code#* } bytes)"

step "official asks for the annual report PDF (API); the worker builds it; it downloads"
TOKEN=$(in_web python manage.py issue_token official --mark-system | tail -1)
[ -n "$TOKEN" ] || fail "no API token for official"
api() { curl -s -H "Authorization: Token $TOKEN" -H 'Accept: application/json' "$@"; }
json() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
created=$(api -H 'Content-Type: application/json' -d '{"fiscal_year": 2020, "compare_year": 2019, "format": "pdf"}' \
  -w '\n%{http_code}' "$BASE/api/v1/exports/")
[ "$(tail -1 <<<"$created")" = 201 ] || fail "POST /api/v1/exports/ answered: $created"
EXPORT_ID=$(head -1 <<<"$created" | json id)
info "export $EXPORT_ID: $(head -1 <<<"$created" | json status)"
status=""
for i in $(seq 300); do
  export_json=$(api "$BASE/api/v1/exports/$EXPORT_ID/")
  status=$(json status <<<"$export_json")
  case "$status" in
    done) break ;;
    failed) fail "the export failed: $(json error <<<"$export_json")" ;;
  esac
  sleep 1
done
[ "$status" = done ] || fail "the export is still '$status' after 300 s"
info "built in ${i}s (polled); $(podman logs "$(cname worker)" 2>&1 | grep -c 'build_report_export.*succeeded') build task(s) succeeded in the worker's log"
podman logs "$(cname worker)" 2>&1 | grep -q "build_report_export\[.*succeeded" || fail "the worker's log shows no build task that succeeded"
DOWNLOAD=$(json download_url <<<"$export_json")
download() {  # FILE: the export's file through its API link
  local code
  code=$(api -o "$1" -w '%{http_code}' "$DOWNLOAD")
  [ "$code" = 200 ] || fail "download answered $code"
  [ "$(head -c 5 "$1")" = "%PDF-" ] || fail "the download is not a PDF"
}
download "$WORK/report.pdf"
PDF_SUM=$(sha256sum "$WORK/report.pdf" | cut -d' ' -f1)
pages=""
command -v pdfinfo >/dev/null && pages=", $(pdfinfo "$WORK/report.pdf" | awk '/^Pages:/ {print $2}') pages"
info "downloaded $(stat -c %s "$WORK/report.pdf") bytes$pages"

step "health checks of the five services (as compose defines them); celery ping; beat's schedule"
healthcheck() {  # SERVICE: runs the service's compose health check in its container, as Docker does
  # (podman-compose 1.0 mangles the CMD form and Podman runs health checks only under systemd).
  local argv
  mapfile -d '' argv < <(python3 - "$WORK/docker-compose.yml" "$1" <<'PY'
import sys, yaml
test = yaml.safe_load(open(sys.argv[1]))["services"][sys.argv[2]]["healthcheck"]["test"]
test = ["CMD-SHELL", test] if isinstance(test, str) else test
argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
sys.stdout.write("".join(arg.replace("$$", "$") + "\0" for arg in argv))
PY
  )
  [ ${#argv[@]} -gt 0 ] || fail "no health check for $1"
  podman exec "$(cname "$1")" "${argv[@]}" >"$WORK/health.log" 2>&1 \
    || { cat "$WORK/health.log"; fail "the health check of $1 fails"; }
}
for service in db redis web worker beat; do
  healthcheck "$service"
done
info "db, redis, web, worker (celery inspect ping) and beat (its schedule file) are healthy"
podman logs "$(cname beat)" 2>&1 | grep -q "beat: Starting" || fail "beat's log has no 'beat: Starting'"
podman exec "$(cname worker)" celery -A reform inspect registered --timeout 10 >"$WORK/registered.log" 2>&1 || true
scheduled=$(in_web python manage.py shell --verbosity 0 -c \
  "from django.conf import settings; print(' '.join(e['task'] for e in settings.CELERY_BEAT_SCHEDULE.values()))")
[ -n "$scheduled" ] || fail "no beat schedule in the settings"
for task in $scheduled; do
  grep -q "$task" "$WORK/registered.log" || fail "the worker does not know beat's task $task"
done
info "beat has started; the worker knows its tasks: $scheduled"

step "down (volumes kept) and up again: db and web restarted from scratch"
pc down -t 10
for service in db web; do
  podman container exists "$(cname "$service")" && fail "$service is still there after down"
done
up
info "web answers again"

step "the data and the export survived"
login board
page_with_charts /indicators/overtime_80h/
export_json=$(api "$BASE/api/v1/exports/$EXPORT_ID/")
[ "$(json status <<<"$export_json")" = done ] || fail "export $EXPORT_ID is no longer done: $export_json"
download "$WORK/again.pdf"
[ "$(sha256sum "$WORK/again.pdf" | cut -d' ' -f1)" = "$PDF_SUM" ] || fail "the file downloaded after the restart differs"
info "board logs in, export $EXPORT_ID is done, its file is the same"

finish_step
