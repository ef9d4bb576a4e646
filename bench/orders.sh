#!/usr/bin/env bash
# Load benchmark: POST /api/v1/orders (SPEC §14: ≥ 2,000 orders/s on SQLite with p99 < 50 ms
# at 32 connections; on PostgreSQL with fsync on, ≥ 50% of pgbench's TPC-B-like tps).
#
#   bench/orders.sh
#
# Environment (defaults in brackets):
#   DURATION [10s]    length of the measured wrk run     CONNECTIONS [32]  keep-alive connections
#   WRK_THREADS [1]   wrk threads                        WARMUP [3s]       unmeasured first run
#   DATABASE_URL [a fresh SQLite file]  e.g. postgresql://postgres@127.0.0.1:PORT/bench (an
#                     empty database; the script migrates it)
#   PGBENCH_URL [none]  with a PostgreSQL DATABASE_URL: another empty database of the same
#                     cluster where pgbench's default (TPC-B-like) script runs first, with the
#                     same connections and duration, for the bar's ratio
#   CREMA_BIN [build/release/crema]  the binary to measure; built (Release) when it is the
#                     default and missing or stale
#   PRODUCTS [1]      tracked products on the menu; each order buys one of them at random.
#                     1 is the worst case: every order reserves the same inventory row, so
#                     orders queue on that row's lock through each commit's WAL flush.
#                     10 spreads orders over as many rows as pgbench's scale 10 has branches.
#
# Every request places a takeaway order of one tracked product (stock reserved, order number
# taken, history written: the whole use case) as a staff member. crema runs with the rate
# limits off (CREMA_PUBLIC_RATE_PER_MIN=0, CREMA_USER_RATE_PER_MIN=0,
# CREMA_AUTH_RATE_PER_MIN=0) and CREMA_LOG_LEVEL=warn (no access log). wrk runs on the same
# machine and shares its cores. Raw wrk output goes to bench/results/ (not committed).
# This is a manual job: it is never part of .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

help_or_no_args "$0" "$@"

duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
wrk_threads=${WRK_THREADS:-1}
warmup=${WARMUP:-3s}
crema_bin=${CREMA_BIN:-build/release/crema}

bash scripts/deps.sh build bench

if [[ -z ${CREMA_BIN:-} ]]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  gen=()
  if [[ ! -f build/release/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  cmake -S . -B build/release "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release --target crema
fi
[[ -x $crema_bin ]] || { echo "orders.sh: no crema binary at $crema_bin" >&2; exit 1; }
crema_bin=$(cd "$(dirname "$crema_bin")" && pwd)/$(basename "$crema_bin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-bench.XXXXXX")
crema_pid=''
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
db_url=${DATABASE_URL:-sqlite://$tmp/crema.db}
crema_env=("CREMA_LISTEN=127.0.0.1:$port" "CREMA_DATABASE_URL=$db_url" "CREMA_DATA_DIR=$tmp/var"
           "CREMA_MEDIA_DIR=$tmp/var/media" CREMA_PUBLIC_RATE_PER_MIN=0 CREMA_USER_RATE_PER_MIN=0
           CREMA_AUTH_RATE_PER_MIN=0 CREMA_LOG_LEVEL=warn)
password='bench password 0123456789'
printf '%s' "$password" | env "${crema_env[@]}" "$crema_bin" create-admin \
  --email bench@crema.test --password-stdin >"$tmp/admin.log" 2>&1 ||
  { echo "orders.sh: create-admin failed:" >&2; cat "$tmp/admin.log" >&2; exit 1; }
env "${crema_env[@]}" "$crema_bin" serve >"$tmp/crema.log" 2>&1 &
crema_pid=$!
for _ in $(seq 200); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$crema_pid" 2>/dev/null || { echo "orders.sh: crema exited:" >&2; cat "$tmp/crema.log" >&2; exit 1; }
  sleep 0.05
done

api() {  # METHOD PATH BODY → the JSON answer
  curl -fsS -X "$1" "http://127.0.0.1:$port$2" -H 'Content-Type: application/json' \
    ${token:+-H "Authorization: Bearer $token"} --data "$3"
}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
token=''
token=$(api POST /api/v1/auth/login "{\"email\":\"bench@crema.test\",\"password\":\"$password\"}" |
  json_field token)
products=${PRODUCTS:-1}
[[ $products =~ ^[1-9][0-9]*$ ]] || { echo "orders.sh: PRODUCTS must be a positive integer" >&2; exit 2; }
bodies=''
for i in $(seq "$products"); do
  product=$(api POST /api/v1/products \
    "{\"name\":\"Bench croissant $i\",\"category\":\"Bench\",\"price\":1.8,\"prep_minutes\":3,\"stock\":1000000000}" |
    json_field id)
  bodies+="  '{\"type\":\"takeaway\",\"items\":[{\"product_id\":\"$product\",\"quantity\":1}]}',"$'\n'
done

cat >"$tmp/order.lua" <<LUA
local bodies = {
$bodies}
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
math.randomseed(os.time())
request = function()
  return wrk.format(nil, nil, nil, bodies[math.random(#bodies)])
end
LUA

results_dir=$root/bench/results
mkdir -p "$results_dir"
raw=$results_dir/orders-$(date -u +%Y%m%dT%H%M%SZ).txt
store=sqlite
[[ $db_url == postgres* ]] && store=postgresql
{
  echo "machine: $(nproc) cores, $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
  echo "crema:   $("$crema_bin" --version 2>/dev/null | head -n1 || echo '?') on $store"
  echo "load:    wrk -t$wrk_threads -c$connections -d$duration --latency POST /api/v1/orders ($products product(s))"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$raw"
# PostgreSQL: start from a clean checkpoint, so dirty pages left by an earlier run (pgbench's
# million-row load, a dropped database) are not flushed during this one. Same for pgbench.
checkpoint() { command -v psql >/dev/null && psql -q "$1" -c CHECKPOINT >/dev/null 2>&1 || true; }
[[ $store == postgresql ]] && checkpoint "$db_url"
wrk -t"$wrk_threads" -c"$connections" -d"$warmup" -s "$tmp/order.lua" "http://127.0.0.1:$port/api/v1/orders" >/dev/null
out=$(wrk -t"$wrk_threads" -c"$connections" -d"$duration" --latency -s "$tmp/order.lua" \
  "http://127.0.0.1:$port/api/v1/orders")
printf '%s\n' "$out" >>"$raw"
rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } END { print n + 0 }' <<<"$out")
echo "POST /api/v1/orders: $rps orders/s, p50 $p50, p99 $p99, non-2xx $errs" | tee -a "$raw"

if [[ $store == postgresql && -n ${PGBENCH_URL:-} ]]; then
  pgbench=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
  [[ -x $pgbench ]] || { echo "orders.sh: pgbench not found" >&2; exit 1; }
  kill -TERM "$crema_pid" 2>/dev/null || true  # the cores are pgbench's now
  wait "$crema_pid" 2>/dev/null || true
  crema_pid=''
  "$pgbench" -i -q -s 10 "$PGBENCH_URL" >>"$raw" 2>&1
  checkpoint "$PGBENCH_URL"
  secs=${duration%s}
  pg_out=$("$pgbench" -c "$connections" -j 2 -T "$secs" "$PGBENCH_URL" 2>&1)
  printf '%s\n' "$pg_out" >>"$raw"
  tps=$(awk '/^tps = / { print $3; exit }' <<<"$pg_out")
  ratio=$(awk -v a="$rps" -v b="$tps" 'BEGIN { if (b > 0) printf "%.1f", 100 * a / b }')
  echo "pgbench (TPC-B-like, scale 10, -c$connections): $tps tps; crema orders/s = $ratio% of it" |
    tee -a "$raw"
fi
echo "raw output: $raw"
