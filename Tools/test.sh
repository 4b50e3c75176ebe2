#!/usr/bin/env bash
# The full test suite: installs what is missing, builds, starts a throwaway PostgreSQL cluster on
# loopback (the PostgreSQL half of the store conformance suite runs against it), runs every test
# (Swift Testing), which includes running the independent Python verifier against the same ledgers
# as `blotter verify` and schemathesis against the HTTP server, and stops the cluster; then fuzzes
# every decoder of outside input for a few seconds each (Tools/fuzz.sh; BLOTTER_FUZZ_SECONDS, 0 to
# skip when running a subset by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
bash Tools/setup.sh
# The HTTP API is checked against its OpenAPI document by schemathesis (PyPI), which the tests run.
if ! command -v schemathesis >/dev/null 2>&1; then
    echo "test.sh: installing schemathesis" >&2
    python3 -m pip install --quiet schemathesis 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages schemathesis \
        || { echo "test.sh: run: python3 -m pip install schemathesis" >&2; exit 1; }
    # pip puts scripts in ~/.local/bin for a user install, which may not be on PATH.
    export PATH="$HOME/.local/bin:$PATH"
    command -v schemathesis >/dev/null 2>&1 \
        || { echo "test.sh: schemathesis was installed but is not on PATH; add pip's script directory to PATH" >&2; exit 1; }
fi
swift build --build-tests

pgdir=$(mktemp -d /tmp/blotter-test-pg.XXXXXX)
trap 'bash Tools/postgres.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
if ! url=$(bash Tools/postgres.sh start "$pgdir"); then
    echo "test.sh: PostgreSQL could not be started (see above); the PostgreSQL tests cannot run" >&2
    exit 1
fi
export BLOTTER_TEST_POSTGRES=$url
status=0
if [ $# -eq 0 ]; then
    # The HTTP server's tests run on their own after the rest: run beside the suite's synchronous,
    # CPU-bound tests on two cores, the server's request handlers wait behind them for the
    # cooperative threads and the tests' clients time out.
    swift test --skip-build --skip "ServerTests|ServerProcessTests" || status=$?
    swift test --skip-build --filter "ServerTests|ServerProcessTests" || status=$?
else
    swift test --skip-build "$@" || status=$?
fi
seconds=${BLOTTER_FUZZ_SECONDS:-3}
if [ "$seconds" != 0 ]; then bash Tools/fuzz.sh "$seconds" || status=$?; fi
exit $status
