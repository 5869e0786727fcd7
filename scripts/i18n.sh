#!/usr/bin/env bash
# Translation catalogs of the interface (English and French), with Babel.
#   scripts/i18n.sh extract   gather every message from the code and templates into messages.pot
#   scripts/i18n.sh update    extract, then merge the new messages into each messages.po
#   scripts/i18n.sh compile   build the .mo files the application reads (git-ignored)
#   scripts/i18n.sh check     fail when a French message is missing or fuzzy
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=src/orchestre/web/translations
POT=$DIR/messages.pot
# Domain errors carry English messages; their literal first argument is extracted too,
# so error pages and toasts can show them translated.
KEYWORDS=(-k _ -k gettext -k ngettext:1,2 -k NotFound -k Conflict -k TransitionRefused
          -k Forbidden -k Unauthenticated -k Invalid -k TooLarge -k UnsupportedMedia
          -k RateLimited -k FieldError:3)

extract() {
  "$PYBABEL" extract -F babel.cfg --no-location --omit-header --sort-output --ignore-dirs ".* _* node_modules tests bench docs scripts migrations" \
    "${KEYWORDS[@]}" -o "$POT" . 2>&1 | grep -v "^extracting messages" || true
}

case "${1:-}" in
  extract)
    extract ;;
  update)
    extract
    for lang in en fr; do
      po=$DIR/$lang/LC_MESSAGES/messages.po
      if [ -f "$po" ]; then
        "$PYBABEL" update --no-fuzzy-matching --ignore-obsolete -i "$POT" -d "$DIR" -l "$lang"
      else
        "$PYBABEL" init -i "$POT" -d "$DIR" -l "$lang"
      fi
    done ;;
  compile)
    "$PYBABEL" compile --use-fuzzy -d "$DIR" -D messages ;;
  check)
    "$PYBABEL" compile --statistics -d "$DIR" -D messages -l fr 2>&1 | tee /dev/stderr \
      | grep -q "translated" ;;
  *)
    echo "usage: scripts/i18n.sh extract|update|compile|check" >&2
    exit 2 ;;
esac
