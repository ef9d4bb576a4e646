#!/usr/bin/env bash
# The CSV export of a year of orders (SPEC §15.5) on SQLite: the server's peak RSS and the
# time of one `GET /admin/orders?format=csv` over the whole year, at each size given.
#
#   bench/export.sh [ORDERS...]        (default: 200000 1000000)
#
# For each size: a fresh SQLite database filled by bench/tools/report_bench.cpp
# (`--fill-only`: the generated year of bench/reports.sh — 365 days, 1–4 lines per order,
# 20 staff, 20,000 customers), `crema serve` on it (one I/O thread per core, the default
# pool), an admin signed in, then curl downloads the year's CSV. The server's VmRSS and
# VmHWM (/proc/PID/status) are read before, sampled every 100 ms during, and read after
# the export (VmHWM first reset to the current RSS with `echo 5 > /proc/PID/clear_refs`,
# so the peak after is the export's own, not that of the Argon2id sign-in before it); the
# rows, bytes and time are printed. Takes minutes per million orders;
# never part of CI. Results also go to bench/results/export-*.txt.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case ${1:-} in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(200000 1000000)

if [[ -z ${CREMA_BIN:-} || -z ${REPORT_BENCH_BIN:-} ]]; then
  bench_build build/release -DCREMA_BUILD_BENCH=ON crema crema_report_bench
fi
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")
seed_bin=$(bench_bin "${REPORT_BENCH_BIN:-build/release/bench/crema_report_bench}")

bench_tmp crema-export
bench_results export
password='bench password 0123456789'
status_kb() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

{
  echo "# bench/export.sh $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)"
  echo "# $(nproc) cores, $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo) RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "orders | seed s | rows | CSV MB | export s | rows/s | RSS before MB | VmHWM before MB | peak RSS sampled during MB | VmHWM after (reset before) MB"
} | tee "$raw"

for n in "${sizes[@]}"; do
  bench_stop_crema
  rm -rf "$tmp/crema"
  mkdir -p "$tmp/crema"
  db_url=sqlite://$tmp/crema/crema.db
  t0=$(date +%s.%N)
  "$seed_bin" "$db_url" "$n" --fill-only 2>"$tmp/seed.log"
  seed_s=$(echo "$(date +%s.%N) - $t0" | bc)
  # Retention off: its first pass over a year of generated guest orders (tens of thousands
  # past 365 days, cleared 500 per write transaction) keeps SQLite's writer busy long
  # enough at start-up that the sign-in below times out (503); it is not what is measured.
  bench_crema_env "$(free_port)" "$db_url" CREMA_RETENTION_DAYS_GUEST_PII=0
  bench_create_admin bench@crema.test "$password"
  bench_serve
  token=$(bench_login bench@crema.test "$password") ||
    { echo "export.sh: sign-in failed; the server's log:" >&2; tail -40 "$tmp/crema.log" >&2; exit 1; }
  # Warm the server's allocator and code with a small page, as a client would.
  curl -sf -o /dev/null -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$crema_port/api/v1/admin/orders?format=csv&limit=100"
  rss_before=$(status_kb "$crema_pid" VmRSS)
  hwm_before=$(status_kb "$crema_pid" VmHWM)
  echo 5 >"/proc/$crema_pid/clear_refs"  # VmHWM := VmRSS: the peak from here on
  : >"$tmp/rss.samples"
  ( while kill -0 "$crema_pid" 2>/dev/null; do
      status_kb "$crema_pid" VmRSS >>"$tmp/rss.samples" 2>/dev/null || true
      sleep 0.1
    done ) &
  sampler=$!
  out=$(curl -sS -o "$tmp/orders.csv" -w '%{http_code} %{size_download} %{time_total}' \
    -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$crema_port/api/v1/admin/orders?format=csv&from=2025-12-01&to=2026-11-30")
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  read -r code bytes secs <<<"$out"
  [[ $code == 200 ]] || bench_fail "the export answered $code"
  hwm_after=$(status_kb "$crema_pid" VmHWM)
  peak=$(sort -n "$tmp/rss.samples" | tail -1)
  rows=$(($(wc -l <"$tmp/orders.csv") - 1))
  printf '%s | %.1f | %s | %.1f | %.1f | %.0f | %.1f | %.1f | %.1f | %.1f\n' "$n" "$seed_s" \
    "$rows" "$(echo "$bytes / 1048576" | bc -l)" "$secs" "$(echo "$rows / $secs" | bc -l)" \
    "$(echo "$rss_before / 1024" | bc -l)" "$(echo "$hwm_before / 1024" | bc -l)" \
    "$(echo "${peak:-0} / 1024" | bc -l)" \
    "$(echo "$hwm_after / 1024" | bc -l)" | tee -a "$raw"
  bench_stop_crema
done
echo "wrote $raw"
