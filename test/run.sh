#!/usr/bin/env bash
# The one test command (README): installs what the tests need, builds, runs every mocha test once.
# It ends with mocha's own summary and a line "N passed, N failed" (test/support/reporter.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/support/install-deps.sh

# Install JS dependencies when missing or when the lock file's content changed since the last install
# (content, not mtime: a fresh checkout has a new lock file and the same dependencies).
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.sdn-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_hash" > node_modules/.sdn-lock-hash
fi
npx tsc -p tsconfig.json
npm run --silent build:dashboard

exec npx mocha "$@"
