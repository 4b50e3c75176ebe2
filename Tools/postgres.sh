#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the tests and benchmarks.
#
#   Tools/postgres.sh start DIR [PORT]   initdb in DIR/data, start on 127.0.0.1:PORT (default: a free
#                                        port), print the superuser URL (postgres://blotter:…@127.0.0.1:PORT/postgres)
#   Tools/postgres.sh replica DIR PRIMARY_PORT [PORT]
#                                        a streaming hot-standby replica of that primary (pg_basebackup -R)
#   Tools/postgres.sh kill DIR           stop the primary at once (as a crash would)
#   Tools/postgres.sh restart DIR        start the primary again on its port
#   Tools/postgres.sh stop DIR           stop every cluster under DIR
#
# Installs Debian's postgresql package when no server is found. The server refuses to run as root,
# so as root the cluster belongs to the system user `blotter-pg` (created when missing).
set -euo pipefail

find_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

BIN=$(find_bin || true)
if [ -z "$BIN" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "postgres.sh: installing postgresql" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        BIN=$(find_bin)
    else
        echo "postgres.sh: no PostgreSQL server found; run: sudo apt-get install -y postgresql" >&2
        exit 1
    fi
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        id blotter-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin blotter-pg
        runuser -u blotter-pg -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

PASSWORD=blotter-test-only

start_cluster() { # DATADIR PORT LOG
    as_owner "$BIN/pg_ctl" -D "$1" -l "$3" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$2 -c unix_socket_directories=$1 -c max_wal_senders=4 -c wal_level=replica -c hot_standby=on" \
        start >/dev/null || { echo "postgres.sh: the server did not start; its log:" >&2; cat "$3" >&2; exit 1; }
}

cmd=${1:-}
case "$cmd" in
start)
    dir=$(realpath -m "$2"); port=${3:-$(free_port)}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && { id blotter-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin blotter-pg; chown blotter-pg "$dir"; chmod 755 "$dir"; }
    echo "$PASSWORD" > "$dir/pwfile"; chmod 644 "$dir/pwfile"
    as_owner "$BIN/initdb" -D "$dir/data" -U blotter --pwfile="$dir/pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --locale=C.UTF-8 --encoding=UTF8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "host replication blotter 127.0.0.1/32 scram-sha-256" | as_owner tee -a "$dir/data/pg_hba.conf" >/dev/null
    start_cluster "$dir/data" "$port" "$dir/server.log"
    echo "$port" > "$dir/port"
    echo "postgres://blotter:$PASSWORD@127.0.0.1:$port/postgres"
    ;;
replica)
    dir=$(realpath -m "$2"); primary=$3; port=${4:-$(free_port)}
    PGPASSWORD=$PASSWORD as_owner env PGPASSWORD=$PASSWORD "$BIN/pg_basebackup" -h 127.0.0.1 -p "$primary" -U blotter \
        -D "$dir/replica" -R -X stream --checkpoint=fast >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    start_cluster "$dir/replica" "$port" "$dir/replica.log"
    echo "$port" > "$dir/replica-port"
    echo "postgres://blotter:$PASSWORD@127.0.0.1:$port/postgres"
    ;;
kill)   # stops the primary at once, as a crash would (pg_ctl -m immediate)
    dir=$(realpath -m "$2")
    as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
restart) # starts the primary again on its port
    dir=$(realpath -m "$2")
    start_cluster "$dir/data" "$(cat "$dir/port")" "$dir/server.log"
    ;;
stop)
    dir=$(realpath -m "$2")
    for d in "$dir/replica" "$dir/data"; do
        [ -f "$d/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$d" -m fast -w stop >/dev/null 2>&1 || true
    done
    ;;
*)
    echo "usage: Tools/postgres.sh start DIR [PORT] | replica DIR PRIMARY_PORT [PORT] | kill DIR | restart DIR | stop DIR" >&2
    exit 2
    ;;
esac
