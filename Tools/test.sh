#!/usr/bin/env bash
# The full test suite: installs what is missing, builds, runs every test (Swift Testing), which
# includes running the independent Python verifier against the same ledgers as `blotter verify`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
swift build --build-tests
swift test --skip-build "$@"
