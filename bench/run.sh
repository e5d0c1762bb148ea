#!/usr/bin/env bash
# Runs every benchmark (bench/*/run.sh or bench/*.ts compiled to dist/bench). Results go to docs/benchmarks.md by hand,
# with the command that produced them.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p tsconfig.json
for b in dist/bench/*/index.js; do
  [ -e "$b" ] || continue
  echo "== $b"
  node "$b"
done
