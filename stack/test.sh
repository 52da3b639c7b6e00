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
#   5. the stack is taken down without its volumes and started again (with a low per-user API rate,
#      API_THROTTLE_USER, for step 6): the users, the export and its file are still there
#   6. scale-out (stack/compose.scale-out.yml): a second web (gunicorn only, its own port) and a
#      second worker join; through either web port: a log-in made on one web is valid on the other
#      and a log-out on one ends it on both (sessions); a figure read and cached through web1, a
#      school-month written through web2, the new figure read through web1 (caches); API requests
#      split across both webs are refused at the one limit, not twice it (throttles); a CSV upload
#      previewed on web1 is confirmed on web2 and its rows are stored (uploads); an export asked for
#      on web2 is built by a worker and downloads from web1, both workers answer `inspect ping`
#   7. everything it created is removed (containers, volumes, network, work directory), also on
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
THROTTLE_RATE=20  # API_THROTTLE_USER per minute from step 5 on (the throttle check of the scale-out)
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
pcs() {  # the same with the scale-out override (web2, worker2) and its local image
  podman-compose -p "$PROJECT" -f "$WORK/docker-compose.yml" -f "$WORK/compose.local-images.yml" \
    -f "$WORK/compose.scale-out.yml" -f "$WORK/compose.scale-out-images.yml" "$@" >>"$WORK/compose.log" 2>&1
}
cname() { echo "${PROJECT}_$1_1"; }
in_web() { podman exec "$(cname web)" "$@"; }

cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ]; then
    echo "== FAILED in step: $STEP (after $(clock $(($(date +%s) - T0))))"
    for service in db redis web worker beat web2 worker2; do
      if podman container exists "$(cname "$service")"; then
        echo "---- logs of $service ($(podman inspect -f '{{.State.Status}}' "$(cname "$service")"))"
        podman logs --tail 60 "$(cname "$service")" 2>&1
      fi
    done
    [ -s "$WORK/compose.log" ] && { echo "---- podman-compose (last lines)"; tail -20 "$WORK/compose.log"; }
  fi
  if [ "${STACK_KEEP:-0}" = 1 ]; then
    echo "== STACK_KEEP=1: left running as project $PROJECT, http://127.0.0.1:$WEB_PORT/ and :$WEB2_PORT/ ($WORK)"
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
cp "$ROOT/docker-compose.yml" "$ROOT/stack/compose.local-images.yml" "$ROOT/stack/compose.scale-out.yml" "$WORK/"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
WEB_PORT=$(free_port)
WEB2_PORT=$(free_port)
[ "$WEB2_PORT" != "$WEB_PORT" ] || WEB2_PORT=$(free_port)
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
DB_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
# The stack's .env: what a deployment sets (cp .env.example .env), with throwaway secrets.
sed -e "s|^SECRET_KEY=.*|SECRET_KEY=$SECRET|" -e "s|^DEBUG=.*|DEBUG=false|" \
  -e "s|^ALLOWED_HOSTS=.*|ALLOWED_HOSTS=127.0.0.1,localhost|" -e "s|^COMPRESS_STATIC=.*|COMPRESS_STATIC=true|" \
  -e "s|^SITE_URL=.*|SITE_URL=http://127.0.0.1:$WEB_PORT|" "$ROOT/.env.example" >"$WORK/.env"
printf 'POSTGRES_PASSWORD=%s\nWEB_PORT=%s\nWEB2_PORT=%s\nWEB_BIND=127.0.0.1\n' "$DB_PASSWORD" "$WEB_PORT" "$WEB2_PORT" \
  >>"$WORK/.env"
# The test speaks plain http on the loopback, standing in for the TLS proxy of a deployment.
printf 'SECURE_SSL_REDIRECT=false\nSECURE_COOKIES=false\nSECURE_HSTS_SECONDS=0\n' >>"$WORK/.env"
BASE="http://127.0.0.1:$WEB_PORT"
BASE2="http://127.0.0.1:$WEB2_PORT"  # web2 of the scale-out (step 6)

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
wait_for_web() {  # [BASE SERVICE]: $BASE and web by default
  local base=${1:-$BASE} service=${2:-web} i code
  for i in $(seq 180); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$base/accounts/login/" || true)
    [ "$code" = 200 ] && return 0
    [ "$(podman inspect -f '{{.State.Running}}' "$(cname "$service")")" = true ] || fail "the $service container stopped"
    sleep 1
  done
  fail "$service did not answer 200 on $base/accounts/login/ in 180 s (last: $code)"
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
csrf_token() { sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1; }
login() {  # USER [BASE JAR]: a session in JAR ($JAR) through BASE's ($BASE's) login form (CSRF cookie and token)
  local user=$1 base=${2:-$BASE} jar=${3:-$JAR} token code
  rm -f "$jar"
  token=$(curl -sf -c "$jar" -b "$jar" "$base/accounts/login/" | csrf_token || true)
  [ -n "$token" ] || fail "no CSRF token on the login page of $base"
  code=$(curl -s -o "$WORK/login.html" -w '%{http_code} %{redirect_url}' -c "$jar" -b "$jar" \
    -H "Referer: $base/accounts/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
    --data-urlencode "username=$user" --data-urlencode "password=$DEMO_PASSWORD" "$base/accounts/login/")
  [ "${code%% *}" = 302 ] || fail "$user did not log in on $base (answer $code)"
  grep -q sessionid "$jar" || fail "no session cookie for $user from $base"
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
healthcheck() {  # SERVICE [FILE]: runs the service's compose health check in its container, as Docker does
  # (podman-compose 1.0 mangles the CMD form and Podman runs health checks only under systemd).
  local argv
  mapfile -d '' argv < <(python3 - "${2:-$WORK/docker-compose.yml}" "$1" <<'PY'
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

step "down (volumes kept) and up again: db and web restarted from scratch (API_THROTTLE_USER=$THROTTLE_RATE/minute)"
pc down -t 10
# From here on each user may make THROTTLE_RATE API requests a minute (the scale-out's throttle check);
# the steps before polled the PDF export more often than that.
printf 'API_THROTTLE_USER=%s/minute\n' "$THROTTLE_RATE" >>"$WORK/.env"
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

# ---------------------------------------------------------------------------------------------
step "scale-out: web2 (gunicorn only) and worker2 join (stack/compose.scale-out.yml); web2 answers on $BASE2"
# The override repeats web's and worker's settings (YAML anchors do not cross files): they must agree.
python3 - "$WORK/docker-compose.yml" "$WORK/compose.scale-out.yml" <<'PY' || fail "stack/compose.scale-out.yml differs from docker-compose.yml"
import sys, yaml
base = yaml.safe_load(open(sys.argv[1]))["services"]
extra = yaml.safe_load(open(sys.argv[2]))["services"]
assert set(extra) == {"web2", "worker2"}, set(extra)
for new, old in (("web2", "web"), ("worker2", "worker")):
    a, b = extra[new], base[old]
    for key in ("image", "env_file", "environment", "volumes", "restart", "healthcheck", "shm_size"):
        assert a.get(key) == b.get(key), (new, key, a.get(key), b.get(key))
    for backend in ("db", "redis"):
        assert a["depends_on"][backend] == b["depends_on"][backend], (new, backend)
assert extra["worker2"]["command"] == base["worker"]["command"]
gunicorn = base["web"]["command"].split("&& exec ", 1)[1].rstrip('"')
assert extra["web2"]["command"] == gunicorn, (extra["web2"]["command"], gunicorn)
assert "migrate" not in extra["web2"]["command"]
assert extra["web2"]["depends_on"]["web"] == {"condition": "service_healthy"}
assert extra["web2"]["ports"] == ["${WEB_BIND:-127.0.0.1}:${WEB2_PORT:-8001}:8000"]
PY
# The local app image for the two, as compose.local-images.yml does for the others.
printf 'services:\n  web2:\n    image: %s\n  worker2:\n    image: %s\n' "$REFORM_IMAGE" "$REFORM_IMAGE" \
  >"$WORK/compose.scale-out-images.yml"
pcs up -d --no-build web2 worker2
wait_for_web "$BASE2" web2
podman logs "$(cname web2)" 2>&1 | grep -qi "migrat" && fail "web2 ran migrations (only web may)"
HOST1=$(podman inspect -f '{{.Config.Hostname}}' "$(cname worker)")
HOST2=$(podman inspect -f '{{.Config.Hostname}}' "$(cname worker2)")
[ "$HOST1" != "$HOST2" ] || fail "the two workers have the same host name ($HOST1): one Celery node name"
for i in $(seq 60); do
  podman exec "$(cname worker)" celery -A reform inspect ping --timeout 5 >"$WORK/ping.log" 2>&1 || true
  grep -q "celery@$HOST1: OK" "$WORK/ping.log" && grep -q "celery@$HOST2: OK" "$WORK/ping.log" && break
  sleep 1
done
grep -q "celery@$HOST2: OK" "$WORK/ping.log" || { cat "$WORK/ping.log"; fail "worker2 does not answer celery inspect ping"; }
grep -q "celery@$HOST1: OK" "$WORK/ping.log" || { cat "$WORK/ping.log"; fail "worker does not answer celery inspect ping"; }
healthcheck web2 "$WORK/compose.scale-out.yml"
healthcheck worker2 "$WORK/compose.scale-out.yml"
info "web2 and worker2 are healthy; celery inspect ping: $(grep -c ': OK' "$WORK/ping.log") nodes, celery@$HOST1 and celery@$HOST2"

step "sessions (PostgreSQL): a log-in on either web is valid on the other; a log-out on one ends it on both"
JAR1="$WORK/cookies-web1.txt"
JAR2="$WORK/cookies-web2.txt"
signed_in() {  # BASE JAR: the board's review page answers 200 (a session), not 302 to the log-in page
  curl -s -o /dev/null -w '%{http_code}' -b "$2" "$1/board/review/"
}
login board "$BASE" "$JAR1"
[ "$(signed_in "$BASE2" "$JAR1")" = 200 ] || fail "a session made on web1 is not valid on web2"
login board "$BASE2" "$JAR2"
[ "$(signed_in "$BASE" "$JAR2")" = 200 ] || fail "a session made on web2 is not valid on web1"
# Log out on web2 the session made on web1 (the log-out form's CSRF token from a web2 page).
token=$(curl -s -b "$JAR1" -c "$JAR1" "$BASE2/board/review/" | csrf_token || true)
[ -n "$token" ] || fail "no CSRF token on web2's page"
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$JAR1" -c "$JAR1" -H "Referer: $BASE2/board/review/" \
  --data-urlencode "csrfmiddlewaretoken=$token" "$BASE2/accounts/logout/")
[ "$code" = 302 ] || fail "the log-out on web2 answered $code"
[ "$(signed_in "$BASE" "$JAR1")" = 302 ] || fail "a session ended on web2 is still valid on web1"
[ "$(signed_in "$BASE" "$JAR2")" = 200 ] || fail "the other session ended too"
info "web1 -> web2 and web2 -> web1: 200; logged out on web2 -> 302 on web1"

step "caches (Redis): a figure cached through web1, a school-month written through web2, web1 reads the new figure"
redis_db1() { podman exec "$(cname redis)" redis-cli -n 1 "$@"; }
PRINCIPALS=$(curl -s -b "$JAR2" "$BASE/api/v1/schools/?ordering=code&page_size=2" \
  | python3 -c 'import json, sys; print(" ".join("%s:%s" % (s["id"], s["code"]) for s in json.load(sys.stdin)["results"]))' || true)
read -r SCHOOL_A SCHOOL_B <<<"$PRINCIPALS"
[ -n "$SCHOOL_B" ] || fail "no two schools in the API: $PRINCIPALS"
P_TOKEN=$(in_web python manage.py issue_token "principal-${SCHOOL_A#*:}" --mark-system | tail -1)
[ -n "$P_TOKEN" ] || fail "no API token for principal-${SCHOOL_A#*:}"
SERIES="/api/v1/series/?indicator=overtime_80h&fiscal_year=2021&grouping=school&school=${SCHOOL_A%%:*}"
april_2021() {  # BASE: the school's April FY2021 share of staff over 80 h in the series ("n/staff"), or "none"
  curl -s -H "Authorization: Token $P_TOKEN" -H 'Accept: application/json' "$1$SERIES" >"$WORK/series.json"
  python3 - "$WORK/series.json" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["monthly"] if (r["fiscal_year"], r["month"]) == (2021, 4)]
print(f"{rows[0]['numerator']}/{rows[0]['denominator']}" if rows else "none")
PY
}
data_version() {  # the figures' data version (metrics/rollups.py) as Redis holds it
  podman exec "$(cname redis)" redis-cli -n 1 --raw get reform:1:metrics:data-version | grep -ao '[0-9a-f]\{16\}' || true
}
cached_under() { podman exec "$(cname redis)" redis-cli -n 1 --scan --pattern "reform:1:figures:$1:*" | wc -l; }
V1=$(data_version)
[ -n "$V1" ] || fail "no data version (reform:1:metrics:data-version) in Redis's database 1"
n1=$(cached_under "$V1")
before=$(april_2021 "$BASE")
[ "$before" = none ] || fail "FY2021 April of ${SCHOOL_A#*:} already has a figure: $before"
[ "$(cached_under "$V1")" -gt "$n1" ] || fail "web1's answer was not cached in Redis under data version $V1"
[ "$(april_2021 "$BASE")" = none ] || fail "web1's second read differs"
created=$(curl -s -w '\n%{http_code}' -H "Authorization: Token $P_TOKEN" -H 'Content-Type: application/json' \
  -d "{\"school\": ${SCHOOL_A%%:*}, \"fiscal_year\": 2021, \"month\": 4, \"staff_count\": 40, \"over_80h_count\": 6,
       \"left_by_19_count\": 20, \"leave_days_total\": \"15.0\", \"leave_10plus_count\": 0, \"status\": \"submitted\"}" \
  "$BASE2/api/v1/school-months/")
[ "$(tail -1 <<<"$created")" = 201 ] || fail "POST /api/v1/school-months/ on web2 answered: $created"
V2=$(data_version)
[ -n "$V2" ] && [ "$V2" != "$V1" ] || fail "the write through web2 did not change the data version in Redis ($V1)"
after=$(april_2021 "$BASE")
[ "$after" = 6/40 ] || fail "web1 still answers '$after' for FY2021 April after web2 stored 6/40 (a stale cache)"
[ "$(april_2021 "$BASE2")" = 6/40 ] || fail "web2 does not answer 6/40"
info "web1: $before (cached under data version $V1); principal-${SCHOOL_A#*:} writes 6/40 through web2 (201);"
info "data version now $V2; web1 and web2: $after"

step "throttles (Redis): $THROTTLE_RATE API requests a minute per user across both webs, not $THROTTLE_RATE each"
T_TOKEN=$(in_web python manage.py issue_token "principal-${SCHOOL_B#*:}" --mark-system | tail -1)
[ -n "$T_TOKEN" ] || fail "no API token for principal-${SCHOOL_B#*:}"
codes=()
first_429=0
for i in $(seq $((2 * THROTTLE_RATE + 2))); do
  base=$BASE
  [ $((i % 2)) -eq 0 ] && base=$BASE2
  code=$(curl -s -o "$WORK/throttle.json" -D "$WORK/throttle.headers" -w '%{http_code}' \
    -H "Authorization: Token $T_TOKEN" "$base/api/v1/school-types/")
  codes+=("$code")
  case "$code" in
    200) [ "$first_429" -eq 0 ] || fail "request $i ($base) answered 200 after request $first_429 was refused" ;;
    429)
      [ "$first_429" -gt 0 ] && break  # refused on both webs
      first_429=$i
      grep -qi '^retry-after:' "$WORK/throttle.headers" || fail "the 429 has no Retry-After header"
      ;;
    *) fail "request $i ($base) answered $code" ;;
  esac
done
[ "$first_429" -gt 0 ] || fail "$((2 * THROTTLE_RATE + 2)) requests, none refused: each web counts on its own"
[ "$first_429" -eq $((THROTTLE_RATE + 1)) ] \
  || fail "the first 429 came at request $first_429, not $((THROTTLE_RATE + 1)): the webs do not share the counter"
refused_on=web1
[ $((first_429 % 2)) -eq 0 ] && refused_on=web2
info "requests 1-$THROTTLE_RATE, alternately on web1 and web2: 200; request $first_429 ($refused_on) and the next: 429"

step "uploads (media volume): a monthly CSV previewed on web1 is confirmed on web2; its rows are stored"
login board "$BASE" "$JAR1"
CODES=$(curl -s -b "$JAR1" "$BASE/api/v1/schools/?ordering=code&page_size=3" \
  | python3 -c 'import json, sys; print(" ".join(s["code"] for s in json.load(sys.stdin)["results"]))' || true)
{
  echo "school code,fiscal year,month,staff,over 80h,left by 19,leave days,leave 10+"
  n=0
  for code in $CODES; do
    n=$((n + 1))
    echo "$code,2021,5,$((30 + n)),$n,$((10 + n)),$((20 + n)).5,0"
  done
} >"$WORK/upload.csv"
[ "$(wc -l <"$WORK/upload.csv")" = 4 ] || fail "no three schools for the upload: $CODES"
token=$(curl -s -b "$JAR1" -c "$JAR1" "$BASE/board/import/" | csrf_token || true)
[ -n "$token" ] || fail "no CSRF token on web1's import page"
code=$(curl -s -o "$WORK/preview.html" -w '%{http_code}' -b "$JAR1" -c "$JAR1" -H "Referer: $BASE/board/import/" \
  -F "csrfmiddlewaretoken=$token" -F status=submitted -F "file=@$WORK/upload.csv;type=text/csv" "$BASE/board/import/")
[ "$code" = 200 ] || fail "the upload to web1 answered $code"
HELD=$(sed -n 's/.*name="token" value="\([^"]*\)".*/\1/p' "$WORK/preview.html" | head -1)
[ -n "$HELD" ] || fail "web1's preview has no confirmation form (token): $(grep -o 'class="[^"]*error[^"]*"[^<]*' "$WORK/preview.html" | head -3)"
held=$(podman exec "$(cname web2)" sh -c "ls /app/media/imports/*/ | grep -c -- '-$HELD.csv'" || true)
[ "$held" = 1 ] || fail "web2 does not see the file web1 holds for the preview"
token=$(csrf_token <"$WORK/preview.html")
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$JAR1" -c "$JAR1" -H "Referer: $BASE2/board/import/" \
  --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "token=$HELD" --data-urlencode status=submitted \
  "$BASE2/board/import/")
[ "${code%% *}" = 302 ] || fail "the confirmation on web2 answered $code"
stored=$(curl -s -b "$JAR1" "$BASE/api/v1/school-months/?fiscal_year=2021&month=5&ordering=school_id" \
  | python3 -c 'import json, sys; print(" ".join("%s:%s" % (r["staff_count"], r["status"]) for r in json.load(sys.stdin)["results"]))' || true)
[ "$stored" = "31:submitted 32:submitted 33:submitted" ] || fail "the rows stored for FY2021 May are '$stored'"
held=$(podman exec "$(cname web)" sh -c "ls /app/media/imports/*/ | grep -c -- '-$HELD.csv'" || true)
[ "$held" = 0 ] || fail "the held file is still there after the import"
info "preview on web1 (file held in the media volume, seen by web2), confirmed on web2 (302), rows read on web1: $stored"

step "exports (Celery, media volume): asked for on web2, built by a worker, downloaded from web1"
built() { podman logs "$(cname "$1")" 2>&1 | grep -c "build_report_export\[.*succeeded" || true; }
built1=$(built worker)
built2=$(built worker2)
created=$(api -H 'Content-Type: application/json' -d '{"fiscal_year": 2020, "compare_year": 2019, "format": "xlsx"}' \
  -w '\n%{http_code}' "$BASE2/api/v1/exports/")
[ "$(tail -1 <<<"$created")" = 201 ] || fail "POST /api/v1/exports/ on web2 answered: $created"
EXPORT2=$(head -1 <<<"$created" | json id)
status=""
for i in $(seq 120); do
  sleep 1
  export_json=$(api -w '\n%{http_code}' "$BASE/api/v1/exports/$EXPORT2/")
  [ "$(tail -1 <<<"$export_json")" = 429 ] && { sleep 2; continue; }  # the lowered rate: wait
  export_json=$(head -1 <<<"$export_json")
  status=$(json status <<<"$export_json" || true)
  case "$status" in
    done) break ;;
    failed) fail "export $EXPORT2 failed: $(json error <<<"$export_json")" ;;
  esac
done
[ "$status" = done ] || fail "export $EXPORT2 is still '$status' after 120 s"
builder=""
[ "$(built worker)" -gt "$built1" ] && builder="worker"
[ "$(built worker2)" -gt "$built2" ] && builder="${builder:+$builder and }worker2"
[ -n "$builder" ] || fail "neither worker's log shows the build of export $EXPORT2"
path=$(json download_url <<<"$export_json" | sed 's|^https\?://[^/]*||')
code=$(api -o "$WORK/report.xlsx" -w '%{http_code}' "$BASE$path")
[ "$code" = 200 ] || fail "the download of export $EXPORT2 from web1 answered $code"
[ "$(head -c 2 "$WORK/report.xlsx")" = PK ] || fail "the download is not an Excel file"
info "export $EXPORT2 (xlsx): built by $builder in ${i}s; web1 serves it ($(stat -c %s "$WORK/report.xlsx") bytes)"

finish_step
