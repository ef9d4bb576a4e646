#!/usr/bin/env bash
# A throwaway Redis on loopback, for tests and benchmarks.
#
#   scripts/redis-server.sh start PORT DIR   start redis-server on 127.0.0.1:PORT with its pid
#                                            file and log in DIR, wait until it answers and
#                                            print its URL on stdout: redis://127.0.0.1:PORT/0
#   scripts/redis-server.sh stop DIR         stop it; fine if it is not running
#   scripts/redis-server.sh status DIR       exit 0 when running, 3 otherwise
#
# Nothing is persisted (no RDB snapshots, no AOF). Separate DIRs are independent.
set -euo pipefail

die() { printf 'redis-server.sh: %s\n' "$*" >&2; exit 1; }
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" >&2
  exit 2
}

pid_of() {  # prints the pid of DIR's server when it is running
  local f="$1/redis.pid" pid
  [[ -f $f ]] || return 1
  pid=$(<"$f")
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  # A recycled pid that is not a redis-server is not ours.
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  echo "$pid"
}

answers() {  # PING over a plain TCP socket; needs no redis-cli
  local port=$1 reply
  { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || reply=
  exec 3>&-
  [[ $reply == +PONG* ]]
}

cmd=${1:-}
case $cmd in
  start)
    [[ $# -eq 3 ]] || usage
    port=$2 dir=$3
    # Accept `start DIR PORT` too, the order scripts/pg-cluster.sh uses.
    if [[ ! $port =~ ^[0-9]+$ && $dir =~ ^[0-9]+$ ]]; then port=$3 dir=$2; fi
    [[ $port =~ ^[0-9]+$ && $port -ge 1 && $port -le 65535 ]] || die "bad port '$port'"
    command -v redis-server >/dev/null 2>&1 ||
      die "redis-server not found (apt-get install redis-server, or run scripts/deps.sh test)"
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    pid_of "$dir" >/dev/null && die "a server is already running from $dir"
    rm -f "$dir/redis.pid"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" \
      >/dev/null || die "redis-server did not start"
    for _ in $(seq 100); do
      if answers "$port"; then
        # It answers: make sure it is ours and not another server already on that port.
        pid_of "$dir" >/dev/null && { echo "redis://127.0.0.1:$port/0"; exit 0; }
      fi
      if [[ -f $dir/redis.log ]] && grep -q 'Could not create server TCP listening socket' "$dir/redis.log"; then
        break
      fi
      sleep 0.05
    done
    tail -n 5 "$dir/redis.log" >&2 2>/dev/null || true
    if pid=$(pid_of "$dir"); then kill "$pid" 2>/dev/null || true; fi
    die "Redis did not start on 127.0.0.1:$port"
    ;;
  stop)
    [[ $# -eq 2 ]] || usage
    dir=$2
    pid=$(pid_of "$dir") || { printf 'redis-server.sh: not running from %s\n' "$dir" >&2; exit 0; }
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || exit 0
      sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
    ;;
  status)
    [[ $# -eq 2 ]] || usage
    if pid=$(pid_of "$2"); then echo "redis-server running (pid $pid)"; else echo "not running"; exit 3; fi
    ;;
  *) usage ;;
esac
