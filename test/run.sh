#!/usr/bin/env bash
# The one test command (README): installs what the tests need, builds, runs every mocha test once.
# It ends with mocha's own summary and a line "N passed, N failed" (test/support/reporter.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

bash test/support/install-deps.sh

# Install JS dependencies when missing or when the lock file changed since the last install.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsc -p tsconfig.json
npm run --silent build:dashboard

exec npx mocha "$@"
