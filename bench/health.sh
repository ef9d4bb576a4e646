#!/usr/bin/env bash
# Load benchmark: crema's GET /health against nginx serving the same small JSON file, on
# this machine, in one run (SPEC §14: GET /health at ≥ 80% of nginx's requests/s).
#
#   bench/health.sh
#
# Environment (defaults in brackets):
#   DURATION [10s]   length of each measured wrk run      CONNECTIONS [64]  keep-alive connections
#   ROUNDS [5]       measured rounds per server, alternated (nginx, crema, nginx, ...); the
#                    median of each figure is reported
#   WRK_THREADS [1]  wrk threads                          WARMUP [3s]       unmeasured first run
#   CREMA_BIN [build/release/crema]  the binary to measure; built (Release) when it is the
#                    default and missing or stale
#
# crema runs with the rate limits off (CREMA_PUBLIC_RATE_PER_MIN=0, CREMA_USER_RATE_PER_MIN=0,
# CREMA_AUTH_RATE_PER_MIN=0), CREMA_LOG_LEVEL=warn (no access log), a temporary SQLite
# database and its default thread count (one per core). nginx runs one worker per core with
# access_log off. wrk runs on the same machine and shares its cores with the server under
# test, so absolute figures are lower than on a dedicated load generator; the ratio is the
# figure that carries over. Raw wrk output goes to bench/results/ (not committed).
# This is a manual job: it is never part of .ci/run.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

help_or_no_args "$0" "$@"

duration=${DURATION:-10s}
connections=${CONNECTIONS:-64}
rounds=${ROUNDS:-5}
wrk_threads=${WRK_THREADS:-1}
warmup=${WARMUP:-3s}

bash scripts/deps.sh build bench

[[ -n ${CREMA_BIN:-} ]] || bench_build build/release crema
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")

bench_tmp crema-bench  # mode 755: nginx workers run as an unprivileged user and read from it
nginx_started=0
stop_nginx() {
  if (( nginx_started )); then nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -s stop 2>/dev/null; fi
}
bench_at_exit stop_nginx

cores=$(nproc)

# --- nginx: one worker per core, a 15-byte JSON file, access log off -----------------------
nginx_port=$(free_port)
mkdir -p "$tmp/nginx/www" "$tmp/nginx/logs"
printf '{"status":"ok"}' >"$tmp/nginx/www/health"
chmod -R a+rX "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes $cores;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  open_file_cache max=64 inactive=60s;
  keepalive_timeout 75s;
  keepalive_requests 100000000;
  default_type application/json;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx/www;
    location = /health { }
  }
}
EOF
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -t -q
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
nginx_started=1

# --- crema: Release, SQLite in the temp dir, rate limits off, no access log ----------------
bench_crema_env "$(free_port)" ''
bench_serve
bench_wait_ready nginx "$nginx_port"

bench_results health

# to_ms "1.23ms" → 1.23 (wrk prints us, ms or s)
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

# run_wrk NAME PORT DURATION → appends "rps p50 p99 errors" to $tmp/NAME.txt
run_wrk() {
  local name=$1 port=$2 dur=$3 out
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"$dur" --latency "http://127.0.0.1:$port/health")
  printf '### %s %s\n%s\n\n' "$name" "$dur" "$out" >>"$raw"
  [[ ${4:-} == warmup ]] && return 0
  local rps p50 p99 errs
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { for (i = 3; i <= NF; i += 2) n += $(i + 1) } END { print n + 0 }' <<<"$out")
  echo "$rps $p50 $p99 $errs" >>"$tmp/$name.txt"
  local note=''
  if (( errs > 0 )); then note="   ($errs errors)"; fi
  printf '  %-6s round: %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms%s\n' "$name" "$rps" "$p50" "$p99" "$note"
}

median() {  # median of column $1 of file $2
  awk -v c="$1" '{ print $c }' "$2" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

model=$(lscpu 2>/dev/null | awk -F: '/^Model name/ { gsub(/^[ \t]+/, "", $2); print $2; exit }')
mem=$(free -g 2>/dev/null | awk '/^Mem:/ { print $2 " GiB" }')
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
{
  echo "machine: $cores cores ($model), $mem, $os, kernel $(uname -r)"
  echo "crema:   $("$crema_bin" --version 2>/dev/null | head -n1 || echo '?'), $crema_bin"
  echo "nginx:   $(nginx -v 2>&1 | sed 's/^nginx version: //'), $cores workers, access_log off"
  echo "load:    wrk -t$wrk_threads -c$connections -d$duration --latency, $rounds rounds each, alternated"
} | tee "$raw"
echo "note:    wrk and the server share the same $cores cores; compare the ratio, not absolute figures"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" | tee -a "$raw"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "WARNING: the machine is busy (load average $load_before): something else competes for the cores"
fi
echo

echo "warm-up ($warmup each)"
run_wrk nginx "$nginx_port" "$warmup" warmup
run_wrk crema "$crema_port" "$warmup" warmup
echo "measuring"
for _ in $(seq "$rounds"); do
  run_wrk nginx "$nginx_port" "$duration"
  run_wrk crema "$crema_port" "$duration"
done

n_rps=$(median 1 "$tmp/nginx.txt"); c_rps=$(median 1 "$tmp/crema.txt")
n_p50=$(median 2 "$tmp/nginx.txt"); c_p50=$(median 2 "$tmp/crema.txt")
n_p99=$(median 3 "$tmp/nginx.txt"); c_p99=$(median 3 "$tmp/crema.txt")
errors=$(awk '{ n += $4 } END { print n + 0 }' "$tmp/nginx.txt" "$tmp/crema.txt")
ratio=$(awk -v a="$c_rps" -v b="$n_rps" 'BEGIN { printf "%.1f", 100 * a / b }')

echo
printf 'median of %d rounds          req/s     p50 ms    p99 ms\n' "$rounds"
printf '  nginx (static file)  %10.0f  %9.3f %9.3f\n' "$n_rps" "$n_p50" "$n_p99"
printf '  crema GET /health    %10.0f  %9.3f %9.3f\n' "$c_rps" "$c_p50" "$c_p99"
printf 'crema / nginx: %s%% of the requests/s (SPEC §14 asks for at least 80%%; p99 under 5 ms)\n' "$ratio"
if (( errors > 0 )); then
  printf 'WARNING: %d non-2xx responses or socket errors; the figures are suspect\n' "$errors"
fi
echo "raw wrk output: ${raw#"$root"/}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
{
  echo
  echo "median nginx: $n_rps req/s, p50 $n_p50 ms, p99 $n_p99 ms"
  echo "median crema: $c_rps req/s, p50 $c_p50 ms, p99 $c_p99 ms"
  echo "ratio crema/nginx: $ratio%"
} >>"$raw"
