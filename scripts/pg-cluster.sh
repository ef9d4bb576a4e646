#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback, for tests and benchmarks.
#
#   scripts/pg-cluster.sh start DIR PORT   create the cluster in DIR (unless DIR already
#                                          holds one), start it on 127.0.0.1:PORT and print
#                                          its admin URL on stdout:
#                                          postgresql://postgres@127.0.0.1:PORT/postgres
#   scripts/pg-cluster.sh stop DIR         fast shutdown; fine if it is not running
#   scripts/pg-cluster.sh status DIR       exit 0 when running, 3 when stopped, 4 when DIR
#                                          holds no cluster
#
# DIR holds the data directory (DIR/data), the server log (DIR/server.log) and the Unix
# socket. Authentication is `trust`, so never point this at a shared machine's real port.
# Durability is off for speed (fsync, synchronous_commit, full_page_writes); set
# PG_FSYNC=on to keep PostgreSQL's defaults, as benchmarks must.
# As root, initdb and the server run as the `postgres` user (PostgreSQL refuses root) and
# DIR is handed to that user; otherwise they run as the current user. Separate DIRs are
# independent, so several clusters may be started at once.
set -euo pipefail

die() { printf 'pg-cluster: %s\n' "$*" >&2; exit 1; }
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

find_bindir() {
  local d
  for d in "${PG_BINDIR:-}" /usr/lib/postgresql/15/bin; do
    [[ -n $d && -x $d/pg_ctl && -x $d/initdb ]] && { echo "$d"; return; }
  done
  if command -v pg_config >/dev/null 2>&1; then
    d=$(pg_config --bindir)
    [[ -x $d/pg_ctl && -x $d/initdb ]] && { echo "$d"; return; }
  fi
  die "PostgreSQL server binaries not found (apt-get install postgresql-15, or run scripts/deps.sh test)"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

cmd=${1:-}
[[ $cmd == start || $cmd == stop || $cmd == status ]] || usage
[[ $# -ge 2 ]] || usage
dir=$2
bindir=$(find_bindir)
data="$dir/data"

case $cmd in
  start)
    [[ $# -eq 3 ]] || usage
    port=$3
    [[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || die "bad port '$port'"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    data="$dir/data"
    if [[ $(id -u) -eq 0 ]]; then
      getent passwd postgres >/dev/null || die "no 'postgres' user (it comes with postgresql-15)"
      chown postgres: "$dir"
      runuser -u postgres -- test -w "$dir" ||
        die "the postgres user cannot reach $dir (a parent directory is closed to it); use a directory under /tmp"
    fi
    if as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; then
      die "a server is already running in $data"
    fi
    if [[ ! -f $data/PG_VERSION ]]; then
      # C.UTF-8 gives real Unicode case rules (lower('É')); fall back to plain C elsewhere.
      locale_opt=(--no-locale)
      if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale_opt=(--locale=C.UTF-8); fi
      if ! (cd "$dir" && as_owner "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 \
              "${locale_opt[@]}" --no-sync >"$dir/initdb.log" 2>&1); then
        cat "$dir/initdb.log" >&2
        die "initdb failed in $data"
      fi
    fi
    opts="-p $port -c listen_addresses=127.0.0.1 -c max_connections=200"
    # The socket path must fit in 107 bytes; without a short enough DIR, TCP only.
    if (( ${#dir} + 20 < 100 )); then
      opts+=" -k '$dir'"
    else
      opts+=" -c unix_socket_directories=''"
    fi
    if [[ ${PG_FSYNC:-off} != on ]]; then
      opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if ! (cd "$dir" && as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
            -o "$opts" start >/dev/null 2>&1); then
      tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
      die "PostgreSQL did not start on 127.0.0.1:$port (data in $data)"
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [[ $# -eq 2 ]] || usage
    if [[ ! -f $data/PG_VERSION ]]; then
      printf 'pg-cluster: no cluster in %s; nothing to stop\n' "$dir" >&2
      exit 0
    fi
    set +e
    (cd / && as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1)
    rc=$?
    set -e
    if [[ $rc -ne 0 ]]; then
      printf 'pg-cluster: not running in %s\n' "$data" >&2
      exit 0
    fi
    if ! (cd / && as_owner "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 60 >/dev/null); then
      # Someone else may have stopped it between the two calls.
      (cd / && as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1) || exit 0
      die "pg_ctl stop failed for $data"
    fi
    ;;
  status)
    [[ $# -eq 2 ]] || usage
    [[ -f $data/PG_VERSION ]] || { printf 'pg-cluster: no cluster in %s\n' "$dir" >&2; exit 4; }
    (cd / && as_owner "$bindir/pg_ctl" status -D "$data")
    ;;
esac
