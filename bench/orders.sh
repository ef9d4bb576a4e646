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

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

help_or_no_args "$0" "$@"

duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
wrk_threads=${WRK_THREADS:-1}
warmup=${WARMUP:-3s}

bash scripts/deps.sh build bench

[[ -n ${CREMA_BIN:-} ]] || bench_build build/release crema
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")

bench_tmp crema-bench
port=$(free_port)
db_url=${DATABASE_URL:-sqlite://$tmp/crema/crema.db}
bench_crema_env "$port" "$db_url"
password='bench password 0123456789'
bench_create_admin bench@crema.test "$password"
bench_serve
token=$(bench_login bench@crema.test "$password")
products=${PRODUCTS:-1}
[[ $products =~ ^[1-9][0-9]*$ ]] || { echo "orders.sh: PRODUCTS must be a positive integer" >&2; exit 2; }
bodies=''
for i in $(seq "$products"); do
  made=$(bench_request POST /api/v1/products \
    "{\"name\":\"Bench croissant $i\",\"category\":\"Bench\",\"price\":1.8,\"prep_minutes\":3,\"stock\":1000000000}" \
    "$token")
  product=$(bench_json_field "$made" id)
  [[ -n $product ]] || bench_fail "product creation failed: $made"
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

bench_results orders
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
  bench_stop_crema  # the cores are pgbench's now
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
