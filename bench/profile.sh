#!/usr/bin/env bash
# Where the time goes on a hot path: `perf record` on the crema process while wrk loads it,
# then the flat profile (self time by function) of that process.
#
#   bench/profile.sh health|menu|orders
#
# Environment (defaults in brackets):
#   DURATION [10s]    length of the profiled wrk run      CONNECTIONS [32]  connections
#   DATABASE_URL [a fresh SQLite file]  e.g. an empty PostgreSQL database for `orders`
#   CREMA_BIN [build/release/crema]     a Release binary (symbols are enough: no -g needed)
#   PERCENT [1]       functions under this share of the samples are left out
#
# health: GET /health; menu: GET /api/v1/menu of `crema seed-demo`'s café; orders: POST
# /api/v1/orders of one tracked product as a staff member (as bench/orders.sh). Rate limits
# are off and the access log is off (CREMA_LOG_LEVEL=warn). The report goes to
# bench/results/profile-TARGET-*.txt (not committed); its summary belongs in
# docs/PERFORMANCE.md with what was changed because of it. Never part of .ci/run.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
[[ $# -eq 1 ]] || { echo "profile.sh: give one of health, menu, orders (see --help)" >&2; exit 2; }
target=$1
case $target in health|menu|orders) ;; *) echo "profile.sh: health, menu or orders" >&2; exit 2 ;; esac
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
percent=${PERCENT:-1}
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")
command -v perf >/dev/null || bench_fail "perf is not installed (apt: linux-perf)"
bash scripts/deps.sh bench

bench_tmp crema-profile
port=$(free_port)
bench_crema_env "$port" "${DATABASE_URL:-}"
if [[ $target == menu ]]; then bench_crema seed-demo; fi
password='profile password 0123456789'
if [[ $target == orders ]]; then bench_create_admin profile@crema.test "$password"; fi
bench_serve

url="http://127.0.0.1:$port/health"
script=()
case $target in
  menu) url="http://127.0.0.1:$port/api/v1/menu" ;;
  orders)
    token=$(bench_login profile@crema.test "$password")
    made=$(bench_request POST /api/v1/products \
      '{"name":"Profile croissant","category":"Bench","price":1.8,"stock":1000000000}' "$token")
    product=$(bench_json_field "$made" id)
    [[ -n $product ]] || bench_fail "product creation failed: $made"
    cat >"$tmp/order.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"type":"takeaway","items":[{"product_id":"$product","quantity":1}]}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $token"
LUA
    url="http://127.0.0.1:$port/api/v1/orders"
    script=(-s "$tmp/order.lua")
    ;;
esac

bench_results "profile-$target"
report=$raw
wrk -t1 -c"$connections" -d3s "${script[@]}" "$url" >/dev/null  # warm-up, not profiled
perf record -F 999 -p "$crema_pid" -o "$tmp/perf.data" -- sleep "${duration%s}" 2>"$tmp/perf.err" &
perf_pid=$!
out=$(wrk -t1 -c"$connections" -d"$duration" --latency "${script[@]}" "$url")
wait "$perf_pid" || bench_fail "perf record failed: $(cat "$tmp/perf.err")"
{
  echo "machine: $(nproc) cores, load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "crema:   $("$crema_bin" --version 2>/dev/null | head -n1 || echo '?')"
  echo "load:    wrk -t1 -c$connections -d$duration $url"
  awk '/^Requests\/sec:/ { print "         " $0 }' <<<"$out"
  echo
  echo "self time by binary:"
  perf report -i "$tmp/perf.data" --stdio -q --no-children --sort dso --percent-limit 1 \
    2>/dev/null | sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' | grep -v '^$'
  echo
  echo "self time by function (perf record -F 999 on the crema process, flat profile):"
  perf report -i "$tmp/perf.data" --stdio -q --no-children --sort dso,symbol \
    --percent-limit "$percent" 2>/dev/null |
    sed -E 's/[[:space:]]+(-[[:space:]]+)*$//' | cut -c1-200 | grep -v '^$'
} | tee "$report"
echo "report: $report"
