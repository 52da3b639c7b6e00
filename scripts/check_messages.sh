#!/usr/bin/env bash
# Checks the Japanese catalogue (locale/ja/LC_MESSAGES/django.po and .mo) against the code,
# without touching the working tree: runs makemessages, with the options `make messages` uses
# (given as arguments), on a throwaway copy of the tree and fails, naming the msgids, when
#   - a string in the code or templates has no Japanese translation,
#   - an entry is fuzzy (#, fuzzy: a guess by makemessages, or marked for review),
#   - an obsolete entry (#~) is left, or would be (its string is no longer in the code),
#   - django.po differs from what `make messages` would write in anything else than the
#     references (#: lines), the order of the entries and POT-Creation-Date (these change
#     whenever code moves),
#   - django.mo is not compiled from django.po, or django.po does not compile (msgfmt --check).
# Run it as `make check-messages`; needs GNU gettext (Debian package gettext).
# Usage: PY=.venv/bin/python scripts/check_messages.sh MAKEMESSAGES-OPTIONS...
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  echo "usage: PY=.venv/bin/python $0 MAKEMESSAGES-OPTIONS...  (run as: make check-messages)" >&2
  exit 2
fi
for tool in msgattrib msgcat msgfmt msgunfmt msgmerge xgettext; do
  command -v "$tool" >/dev/null || { echo "check-messages: $tool not found (apt-get install gettext)" >&2; exit 2; }
done
PY=${PY:-.venv/bin/python}
case $PY in */*) PY="$(cd "$(dirname "$PY")" && pwd)/$(basename "$PY")" ;; esac

PO=locale/ja/LC_MESSAGES/django.po
MO=locale/ja/LC_MESSAGES/django.mo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { failed=1; printf '\ncheck-messages: %s\n' "$1"; }

# The entries of a catalogue on stdin, without its header (msgid "" with no msgctxt).
entries() { awk 'BEGIN { RS = ""; ORS = "\n\n" } !/(^|\n)msgid ""\nmsgstr/ || /(^|\n)msgctxt/'; }

# 1. The catalogue makemessages would write, from a copy of the working tree (the settings
#    need a SECRET_KEY or DEBUG; the copy has no .env).
mkdir "$tmp/src"
tar -c --exclude=./.git --exclude=./.venv --exclude=./.env --exclude=./staticfiles --exclude=./media \
  --exclude=./node_modules --exclude=./static/vendor --exclude=./db.sqlite3 --exclude=./bench/results \
  --exclude=__pycache__ --exclude=.pytest_cache . | tar -x -C "$tmp/src"
(cd "$tmp/src" && DEBUG=true "$PY" manage.py makemessages -v0 "$@")
new="$tmp/src/$PO"

out=$(msgattrib --untranslated --no-obsolete --no-wrap "$new" | entries)
[ -z "$out" ] || { fail "strings with no Japanese translation (run make messages, then fill their msgstr in $PO):"; printf '%s\n' "$out"; }

out=$(msgattrib --only-fuzzy --no-obsolete --no-wrap "$new" | entries)
[ -z "$out" ] || { fail "fuzzy entries (check the Japanese, fix it and remove the fuzzy flag and the #| lines):"; printf '%s\n' "$out"; }

out=$(msgattrib --only-obsolete --no-wrap "$new" | entries)
[ -z "$out" ] || { fail "obsolete entries: no longer in the code (reuse their Japanese if a string was reworded, then delete them):"; printf '%s\n' "$out"; }

# 2. Anything else makemessages would change (flags, translator comments, the header);
#    references, order and POT-Creation-Date are ignored. Only once the entries are right.
normalize() { msgcat --no-location --sort-output --no-wrap "$1" | grep -v '^"POT-Creation-Date: '; }
if [ "$failed" -ne 0 ]; then
  :  # the entries above would show up again in the difference
elif ! normalize "$PO" >"$tmp/committed.po" || ! normalize "$new" >"$tmp/regenerated.po"; then
  fail "$PO does not parse"
elif ! out=$(diff -u --label "$PO (committed)" --label "$PO (make messages)" "$tmp/committed.po" "$tmp/regenerated.po"); then
  fail "$PO is not up to date with the code (run make messages):"; printf '%s\n' "$out"
fi

# 3. django.mo is django.po compiled.
if ! msgfmt --check -o "$tmp/django.mo" "$PO"; then
  fail "$PO does not compile (msgfmt --check)"
elif [ ! -f "$MO" ]; then
  fail "$MO is missing (run make messages)"
else
  unmo() { msgunfmt --no-wrap "$1" | grep -v '^"POT-Creation-Date: '; }
  if ! out=$(diff -u --label "$MO (committed)" --label "$PO (compiled)" <(unmo "$MO") <(unmo "$tmp/django.mo")); then
    fail "$MO is not compiled from $PO (run make messages):"; printf '%s\n' "$out"
  fi
fi

if [ "$failed" -ne 0 ]; then
  exit 1
fi
echo "check-messages: $PO and django.mo are complete and up to date ($(msgfmt --statistics -o /dev/null "$PO" 2>&1))"
