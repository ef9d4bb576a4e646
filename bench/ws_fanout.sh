#!/usr/bin/env bash
# WebSocket fan-out benchmark (SPEC §14: 10,000 concurrent clients each receiving the event
# within 250 ms p99 of the commit; resident memory under 300 MB at that load).
#
#   bench/ws_fanout.sh                 # 10,000 clients, 20 events
#   CLIENTS=2000 EVENTS=50 bench/ws_fanout.sh
#
# Environment (defaults in brackets):
#   CLIENTS [10000]   WebSocket clients (the admin: each is on the `orders` and `menu` channels)
#   EVENTS [20]       events measured, one at a time, GAP_MS [200] apart
#   EVENT [order_created]  order_created (POST /api/v1/orders) or menu_updated (PUT …/stock)
#   PARALLEL [256]    handshakes in flight while connecting
#   CREMA_BIN [build/release/crema]  the server; built (Release) when it is the default
#   FANOUT_BIN [build/release/bench/crema_ws_fanout]  the load client (built likewise)
#
# What it does: starts crema on a temporary SQLite database (rate limits off,
# CREMA_WS_PER_USER=CLIENTS, CREMA_LOG_LEVEL=warn, default threads), creates an admin with `crema create-admin`, signs
# in, creates one product, then runs the load client (bench/tools/ws_fanout.cpp), which
# connects CLIENTS WebSocket clients with the admin's token and, EVENTS times, places a
# takeaway order of that product with POST /api/v1/orders (published as `order_created`
# after its commit; with EVENT=menu_updated it switches the product's availability with PUT
# /api/v1/menu/items/{id}/stock instead) and times each client's frame from just before the
# request was sent (an upper bound of "commit to frame"). The server's resident memory is
# read from /proc.
# The load client runs on the same machine and shares its cores. Raw output goes to
# bench/results/ (not committed). This is a manual job: it is never part of .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

help_or_no_args "$0" "$@"

clients=${CLIENTS:-10000}
events=${EVENTS:-20}
event=${EVENT:-order_created}
gap_ms=${GAP_MS:-200}
parallel=${PARALLEL:-256}
crema_bin=${CREMA_BIN:-build/release/crema}
fanout_bin=${FANOUT_BIN:-build/release/bench/crema_ws_fanout}

# Every client is a file descriptor, on both sides.
want_fds=$((clients + 1024))
if (( $(ulimit -n) < want_fds )); then
  ulimit -n "$want_fds" 2>/dev/null ||
    { echo "ws_fanout.sh: cannot raise ulimit -n to $want_fds (now $(ulimit -n))" >&2; exit 1; }
fi

if [[ -z ${CREMA_BIN:-} || -z ${FANOUT_BIN:-} ]]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  gen=()
  if [[ ! -f build/release/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  cmake -S . -B build/release "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCREMA_BUILD_BENCH=ON >/dev/null
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' build/release/CMakeCache.txt ||
    { echo "ws_fanout.sh: build/release is not a Release build" >&2; exit 1; }
  cmake --build build/release --target crema crema_ws_fanout
fi
for b in "$crema_bin" "$fanout_bin"; do
  [[ -x $b ]] || { echo "ws_fanout.sh: no executable at $b" >&2; exit 1; }
done
crema_bin=$(cd "$(dirname "$crema_bin")" && pwd)/$(basename "$crema_bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-bench.XXXXXX")
crema_pid=''
# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n $crema_pid ]]; then
    kill -TERM "$crema_pid" 2>/dev/null || true
    wait "$crema_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port=$(free_port)
mkdir -p "$tmp/crema"
# Every client uses the admin's token: the per-user socket cap (CREMA_WS_PER_USER, 10 by
# default) is raised to the number of clients, or all but the newest 10 would be closed.
crema_env=("CREMA_LISTEN=127.0.0.1:$port" "CREMA_DATABASE_URL=sqlite://$tmp/crema/crema.db"
           "CREMA_DATA_DIR=$tmp/crema/var" "CREMA_MEDIA_DIR=$tmp/crema/var/media"
           CREMA_PUBLIC_RATE_PER_MIN=0 CREMA_USER_RATE_PER_MIN=0 CREMA_AUTH_RATE_PER_MIN=0
           "CREMA_WS_PER_USER=$clients" CREMA_LOG_LEVEL=warn)
email=bench-admin@example.com
password='bench password 0123456789'
(cd "$tmp/crema" && printf '%s\n' "$password" |
   env "${crema_env[@]}" "$crema_bin" create-admin --email "$email" --password-stdin) \
  >"$tmp/admin.log" 2>&1 || { echo "ws_fanout.sh: create-admin failed:" >&2; cat "$tmp/admin.log" >&2; exit 1; }
(
  cd "$tmp/crema"
  exec env "${crema_env[@]}" "$crema_bin" serve
) >"$tmp/crema.log" 2>&1 &
crema_pid=$!

# request METHOD PATH [BODY] [TOKEN]: the body of one answer (HTTP/1.0, bash's /dev/tcp).
request() {
  local method=$1 path=$2 body=${3:-} token=${4:-} response auth=''
  [[ -n $token ]] && auth="Authorization: Bearer $token"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "$auth" "${#body}" "$body" >&3
  response=$(cat <&3)
  exec 3>&-
  printf '%s' "${response#*$'\r\n\r\n'}"
}
json_field() {  # JSON FIELD: a top-level string field (the bodies here are flat enough)
  sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$1"
}

for _ in $(seq 200); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  kill -0 "$crema_pid" 2>/dev/null || { echo "ws_fanout.sh: crema exited:" >&2; cat "$tmp/crema.log" >&2; exit 1; }
  sleep 0.05
done
login=$(request POST /api/v1/auth/login "{\"email\":\"$email\",\"password\":\"$password\"}")
token=$(json_field "$login" token)
[[ -n $token ]] || { echo "ws_fanout.sh: login failed: $login" >&2; exit 1; }
made=$(request POST /api/v1/products '{"name":"Fan-out bun","category":"Bench","price":2}' "$token")
product=$(json_field "$made" id)
[[ -n $product ]] || { echo "ws_fanout.sh: product creation failed: $made" >&2; exit 1; }

results_dir=$root/bench/results
mkdir -p "$results_dir"
raw=$results_dir/ws_fanout-$(date -u +%Y%m%dT%H%M%SZ).txt
echo "machine: $(nproc) cores, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$raw"
echo "crema: $crema_bin (pid $crema_pid), port $port; $clients clients, $events $event events, ${gap_ms} ms apart" | tee -a "$raw"
rc=0
"$fanout_bin" --port "$port" --token "$token" --product "$product" --clients "$clients" \
  --events "$events" --gap-ms "$gap_ms" --parallel "$parallel" --server-pid "$crema_pid" \
  --event "$event" 2>&1 | tee -a "$raw" || rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
echo "raw output: $raw"
exit "$rc"
