#!/usr/bin/env bash
# Installs what Blotter needs on a fresh Debian/Ubuntu machine, or says exactly what is missing.
# Needs: Swift 6.1 or later (swift.org toolchain), OpenSSL, SQLite and zlib headers, pkg-config, Python 3 with
# `cryptography`, `rfc8785` and `psycopg` (for the independent verifier).
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
pkg-config --exists openssl 2>/dev/null || missing+=(libssl-dev)
{ [ -f /usr/include/sqlite3.h ] || pkg-config --exists sqlite3 2>/dev/null; } || missing+=(libsqlite3-dev)
{ [ -f /usr/include/zlib.h ] || pkg-config --exists zlib 2>/dev/null; } || missing+=(zlib1g-dev)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-pip)

if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: missing system packages: ${missing[*]}" >&2
        echo "setup: run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: Swift is not on PATH; install a toolchain from swift.org (Swift 6.1 or later)" >&2
    exit 1
fi
swift_version=$(swift --version 2>/dev/null | sed -nE 's/.*Swift version ([0-9]+)\.([0-9]+).*/\1 \2/p' | head -1)
read -r swift_major swift_minor <<<"${swift_version:-0 0}"
if [ "$swift_major" -lt 6 ] || { [ "$swift_major" -eq 6 ] && [ "$swift_minor" -lt 1 ]; }; then
    echo "setup: $(swift --version 2>/dev/null | head -1 || echo 'swift --version failed'); Blotter needs Swift 6.1 or later (swift.org)" >&2
    exit 1
fi

if ! python3 -c "import cryptography, rfc8785, psycopg" 2>/dev/null; then
    echo "setup: installing Python packages cryptography, rfc8785 and psycopg" >&2
    python3 -m pip install --quiet cryptography rfc8785 "psycopg[binary]" 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages cryptography rfc8785 "psycopg[binary]" \
        || { echo "setup: run: python3 -m pip install cryptography rfc8785 'psycopg[binary]'" >&2; exit 1; }
fi
