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

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

case ${1:-} in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
[[ $# -eq 1 ]] || { echo "profile.sh: give one of health, menu, orders (see --help)" >&2; exit 2; }
target=$1
case $target in health|menu|orders) ;; *) echo "profile.sh: health, menu or orders" >&2; exit 2 ;; esac
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
percent=${PERCENT:-1}
crema_bin=${CREMA_BIN:-build/release/crema}
[[ -x $crema_bin ]] || { echo "profile.sh: no crema binary at $crema_bin" >&2; exit 1; }
crema_bin=$(cd "$(dirname "$crema_bin")" && pwd)/$(basename "$crema_bin")
command -v perf >/dev/null || { echo "profile.sh: perf is not installed (apt: linux-perf)" >&2; exit 1; }
bash scripts/deps.sh bench

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-profile.XXXXXX")
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
mkdir -p "$tmp/run"
crema_env=("CREMA_LISTEN=127.0.0.1:$port" "CREMA_DATABASE_URL=${DATABASE_URL:-sqlite://$tmp/crema.db}"
           "CREMA_DATA_DIR=$tmp/var" "CREMA_MEDIA_DIR=$tmp/var/media" CREMA_PUBLIC_RATE_PER_MIN=0
           CREMA_USER_RATE_PER_MIN=0 CREMA_AUTH_RATE_PER_MIN=0 CREMA_LOG_LEVEL=warn)
if [[ $target == menu ]]; then
  (cd "$tmp/run" && env "${crema_env[@]}" "$crema_bin" seed-demo) >"$tmp/seed.log" 2>&1 ||
    { echo "profile.sh: seed-demo failed:" >&2; cat "$tmp/seed.log" >&2; exit 1; }
fi
password='profile password 0123456789'
if [[ $target == orders ]]; then
  printf '%s' "$password" | env "${crema_env[@]}" "$crema_bin" create-admin \
    --email profile@crema.test --password-stdin >"$tmp/admin.log" 2>&1 ||
    { echo "profile.sh: create-admin failed:" >&2; cat "$tmp/admin.log" >&2; exit 1; }
fi
(cd "$tmp/run" && exec env "${crema_env[@]}" "$crema_bin" serve) >"$tmp/crema.log" 2>&1 &
crema_pid=$!
for _ in $(seq 200); do
  curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  kill -0 "$crema_pid" 2>/dev/null || { echo "profile.sh: crema exited:" >&2; cat "$tmp/crema.log" >&2; exit 1; }
  sleep 0.05
done

url="http://127.0.0.1:$port/health"
script=()
case $target in
  menu) url="http://127.0.0.1:$port/api/v1/menu" ;;
  orders)
    api() {
      curl -fsS -X "$1" "http://127.0.0.1:$port$2" -H 'Content-Type: application/json' \
        ${token:+-H "Authorization: Bearer $token"} --data "$3"
    }
    json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
    token=''
    token=$(api POST /api/v1/auth/login \
      "{\"email\":\"profile@crema.test\",\"password\":\"$password\"}" | json_field token)
    product=$(api POST /api/v1/products \
      '{"name":"Profile croissant","category":"Bench","price":1.8,"stock":1000000000}' |
      json_field id)
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

results_dir=$root/bench/results
mkdir -p "$results_dir"
report=$results_dir/profile-$target-$(date -u +%Y%m%dT%H%M%SZ).txt
wrk -t1 -c"$connections" -d3s "${script[@]}" "$url" >/dev/null  # warm-up, not profiled
perf record -F 999 -p "$crema_pid" -o "$tmp/perf.data" -- sleep "${duration%s}" 2>"$tmp/perf.err" &
perf_pid=$!
out=$(wrk -t1 -c"$connections" -d"$duration" --latency "${script[@]}" "$url")
wait "$perf_pid" || { echo "profile.sh: perf record failed:" >&2; cat "$tmp/perf.err" >&2; exit 1; }
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
