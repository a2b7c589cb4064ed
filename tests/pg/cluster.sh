#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, reached only through a Unix socket.
#
#   tests/pg/cluster.sh start DIR   initdb (first time) and start a cluster in DIR;
#                                   prints one line on stdout: its sqlx/libpq URL,
#                                   postgres://postgres@localhost/postgres?host=DIR
#   tests/pg/cluster.sh stop DIR    stop it at once (no-op when it is not running)
#
# The data lives in DIR/data, the server's log in DIR/postgres.log, the socket in DIR
# (DIR/.s.PGSQL.5432): no TCP port is opened, so any number of clusters can run side
# by side. Trust authentication, no fsync: for tests only, never for real data.
# Uses Debian's binaries (the newest /usr/lib/postgresql/*/bin, or $PG_BIN); as
# root, the server runs as the `postgres` user (initdb refuses root) and DIR is
# handed to it.
set -euo pipefail

die() { echo "cluster.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: cluster.sh start|stop DIR"
cmd=$1
dir=$2

find_bin() {
    if [ -n "${PG_BIN:-}" ]; then
        [ -x "$PG_BIN/pg_ctl" ] || die "PG_BIN=$PG_BIN has no pg_ctl"
        echo "$PG_BIN"
        return
    fi
    local newest
    newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    [ -n "$newest" ] && [ -x "$newest/pg_ctl" ] ||
        die "no PostgreSQL in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    echo "$newest"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
# From / so that a working directory the postgres user cannot enter does not matter.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# The URL's host parameter, percent-encoded (sqlx decodes it as a form value: a
# raw '+' would read as a space).
url_encode() {
    local s=$1 out="" c i
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case $c in
            [A-Za-z0-9/._~-]) out+=$c ;;
            *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    echo "$out"
}

case $cmd in
start)
    bin=$(find_bin)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    # A socket path holds at most 107 bytes (sun_path).
    [ $((${#dir} + 15)) -le 107 ] || die "DIR is too long for a Unix socket path: $dir"
    case $dir in *"'"* | *\\*) die "DIR must not contain a quote or a backslash: $dir" ;; esac
    data=$dir/data
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root but there is no postgres user"
        chown postgres: "$dir"
        [ -d "$data" ] && chown -R postgres: "$data"
        as_owner test -w "$dir" ||
            die "the postgres user cannot reach $dir (a parent folder is closed to it)"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        if ! as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C \
            --no-sync >"$dir/initdb.log" 2>&1; then
            cat "$dir/initdb.log" >&2
            die "initdb failed"
        fi
        cat >>"$data/postgresql.conf" <<EOF

# cluster.sh: a throwaway test cluster
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi
    if as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
        die "a cluster is already running in $dir"
    fi
    if ! as_owner "$bin/pg_ctl" start -w -s -t 60 -D "$data" -l "$dir/postgres.log" >&2; then
        tail -n 20 "$dir/postgres.log" >&2 || true
        die "pg_ctl start failed (log: $dir/postgres.log)"
    fi
    echo "postgres://postgres@localhost/postgres?host=$(url_encode "$dir")"
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    bin=$(find_bin)
    data=$(cd "$dir/data" && pwd -P)
    if as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" stop -w -s -m immediate -D "$data" >&2
    fi
    ;;
*)
    die "usage: cluster.sh start|stop DIR"
    ;;
esac
