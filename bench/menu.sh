#!/usr/bin/env bash
# Load benchmark: crema's GET /api/v1/menu (the demo café of `crema seed-demo`) against
# nginx serving the identical JSON body from a file, on this machine, in one run (SPEC §14:
# GET /api/v1/menu at ≥ 70% of nginx's requests/s, p99 < 5 ms at 64 connections) — once per
# content coding (SPEC §13): uncompressed (no Accept-Encoding), gzip and Brotli. nginx
# serves the compressed copies with gzip_static and brotli_static (Debian's
# libnginx-mod-http-brotli-static), from the very bytes crema sends for that coding, so both
# put the same bytes on the wire.
#
#   bench/menu.sh
#
# Environment (defaults in brackets):
#   DURATION [10s]   length of each measured wrk run      CONNECTIONS [64]  keep-alive connections
#   ROUNDS [5]       measured rounds per server, alternated (nginx, crema, nginx, ...); the
#                    median of each figure is reported
#   WRK_THREADS [1]  wrk threads                          WARMUP [3s]       unmeasured first run
#   ENCODINGS ["identity gzip br"]  the codings measured, each as Accept-Encoding
#   CREMA_BIN [build/release/crema]  the binary to measure; built (Release) when it is the
#                    default and missing or stale
#
# crema's database is seeded with `crema seed-demo` first; the menu is then served from its
# in-memory cache (ETag; the body is rebuilt only after a change, or once a second when no
# Redis carries invalidations between instances, as here). wrk sends no If-None-Match, so
# every answer is a full 200 with the body. crema runs with the rate limits off (CREMA_PUBLIC_RATE_PER_MIN=0, CREMA_USER_RATE_PER_MIN=0,
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
read -r -a encodings <<<"${ENCODINGS:-identity gzip br}"
brotli_module=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so

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

# --- crema first: the demo menu, whose body nginx will serve too ---------------------------
bench_crema_env "$(free_port)" ''
bench_crema seed-demo
bench_serve

# --- nginx: one worker per core, the same menu body as a file, access log off -------------
nginx_port=$(free_port)
mkdir -p "$tmp/nginx/www/api/v1" "$tmp/nginx/logs"
cat >"$tmp/nginx/nginx.conf" <<EOF
load_module $brotli_module;
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
    # gzip_http_version 1.0: the script's own checks fetch with HTTP/1.0 (wrk speaks 1.1).
    location = /api/v1/menu { gzip_static on; gzip_http_version 1.0; brotli_static on; }
  }
}
EOF

# body PORT PATH [CODING]: the raw body of one GET (HTTP/1.0, so the server closes after it),
# asked with Accept-Encoding: CODING; binary-safe (bash reads the head from the socket one
# byte at a time, cat takes the rest).
body() {
  local ask='' line
  [[ -n ${3:-} && $3 != identity ]] && ask="Accept-Encoding: $3"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%s\r\n' "$2" "$ask" >&3
  while IFS= read -r line <&3; do [[ $line == $'\r' || -z $line ]] && break; done
  cat <&3
  exec 3>&-
}
body "$crema_port" /api/v1/menu >"$tmp/nginx/www/api/v1/menu"
# The compressed copies crema sends, for nginx's gzip_static and brotli_static.
body "$crema_port" /api/v1/menu gzip >"$tmp/nginx/www/api/v1/menu.gz"
body "$crema_port" /api/v1/menu br >"$tmp/nginx/www/api/v1/menu.br"
# Checked only when gzip is measured: ENCODINGS=identity also measures a binary from before
# compression (an old/new comparison).
if [[ " ${encodings[*]} " == *" gzip "* ]]; then
  gzip -dc "$tmp/nginx/www/api/v1/menu.gz" | cmp -s - "$tmp/nginx/www/api/v1/menu" ||
    bench_fail "crema's gzip copy does not decode to the menu"
fi
declare -A wire_bytes=(
  [identity]=$(wc -c <"$tmp/nginx/www/api/v1/menu")
  [gzip]=$(wc -c <"$tmp/nginx/www/api/v1/menu.gz")
  [br]=$(wc -c <"$tmp/nginx/www/api/v1/menu.br")
)
printf '{"status":"ok"}' >"$tmp/nginx/www/health"
menu_bytes=$(wc -c <"$tmp/nginx/www/api/v1/menu")
grep -q '"categories"' "$tmp/nginx/www/api/v1/menu" ||
  bench_fail "GET /api/v1/menu did not answer a menu"
chmod -R a+rX "$tmp/nginx"
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -t -q
nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf"
nginx_started=1
bench_wait_ready nginx "$nginx_port"

bench_results menu

# to_ms "1.23ms" → 1.23 (wrk prints us, ms or s)
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000
    printf "%.3f", n }'
}

# run_wrk NAME PORT DURATION CODING [warmup] → appends "rps p50 p99 errors transfer/s" to
# $tmp/NAME-CODING.txt
run_wrk() {
  local name=$1 port=$2 dur=$3 coding=$4 out
  local header=()
  [[ $coding != identity ]] && header=(-H "Accept-Encoding: $coding")
  out=$(wrk -t"$wrk_threads" -c"$connections" -d"$dur" --latency "${header[@]}" \
    "http://127.0.0.1:$port/api/v1/menu")
  printf '### %s %s %s\n%s\n\n' "$name" "$coding" "$dur" "$out" >>"$raw"
  [[ ${5:-} == warmup ]] && return 0
  local rps p50 p99 errs transfer
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  transfer=$(awk '/^Transfer\/sec:/ { print $2 }' <<<"$out")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
  errs=$(awk '/Non-2xx or 3xx responses:/ { n += $NF } /Socket errors:/ { for (i = 3; i <= NF; i += 2) n += $(i + 1) } END { print n + 0 }' <<<"$out")
  echo "$rps $p50 $p99 $errs $transfer" >>"$tmp/$name-$coding.txt"
  local note=''
  if (( errs > 0 )); then note="   ($errs errors)"; fi
  printf '  %-6s %-8s round: %10.0f req/s   p50 %7.3f ms   p99 %7.3f ms   %s/s%s\n' \
    "$name" "$coding" "$rps" "$p50" "$p99" "$transfer" "$note"
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
  echo "body:    the demo menu, $menu_bytes bytes of JSON (the same file for nginx);" \
       "gzip ${wire_bytes[gzip]} bytes, br ${wire_bytes[br]} bytes (crema's copies, made once" \
       "per cache refresh; nginx serves the same files with gzip_static/brotli_static)"
  echo "load:    wrk -t$wrk_threads -c$connections -d$duration --latency, $rounds rounds each," \
       "alternated, per coding: ${encodings[*]}"
} | tee "$raw"
echo "note:    wrk and the server share the same $cores cores; compare the ratio, not absolute figures"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load average before: $load_before" | tee -a "$raw"
if awk -v l="${load_before%% *}" 'BEGIN { exit !(l > 0.5) }'; then
  echo "WARNING: the machine is busy (load average $load_before): something else competes for the cores"
fi
echo

# Every answer must really come in the coding asked for (and nginx must serve its copy).
for coding in "${encodings[@]}"; do
  for port in "$crema_port" "$nginx_port"; do
    got=$(body "$port" /api/v1/menu "$coding" | wc -c)
    if [[ $got != "${wire_bytes[$coding]}" ]]; then
      echo "menu.sh: port $port answered $got bytes for $coding, not ${wire_bytes[$coding]}" >&2
      exit 1
    fi
  done
done

errors=0
summary=()
for coding in "${encodings[@]}"; do
  echo "$coding: warm-up ($warmup each)"
  run_wrk nginx "$nginx_port" "$warmup" "$coding" warmup
  run_wrk crema "$crema_port" "$warmup" "$coding" warmup
  echo "$coding: measuring"
  for _ in $(seq "$rounds"); do
    run_wrk nginx "$nginx_port" "$duration" "$coding"
    run_wrk crema "$crema_port" "$duration" "$coding"
  done
  n="$tmp/nginx-$coding.txt"
  c="$tmp/crema-$coding.txt"
  n_rps=$(median 1 "$n"); c_rps=$(median 1 "$c")
  n_p50=$(median 2 "$n"); c_p50=$(median 2 "$c")
  n_p99=$(median 3 "$n"); c_p99=$(median 3 "$c")
  errors=$((errors + $(awk '{ n += $4 } END { print n + 0 }' "$n" "$c")))
  ratio=$(awk -v a="$c_rps" -v b="$n_rps" 'BEGIN { printf "%.1f", 100 * a / b }')
  summary+=("$(printf '%-8s %7d B  nginx %8.0f req/s p50 %6.3f p99 %6.3f ms   crema %8.0f req/s p50 %6.3f p99 %6.3f ms   %5s%%' \
    "$coding" "${wire_bytes[$coding]}" "$n_rps" "$n_p50" "$n_p99" "$c_rps" "$c_p50" "$c_p99" "$ratio")")
  echo
done

echo "median of $rounds rounds, per coding (bytes: the menu's body on the wire)"
for line in "${summary[@]}"; do echo "  $line"; done
echo "crema / nginx: the last column (SPEC §14 asks for at least 70% of the requests/s; p99 under 5 ms)"
if (( errors > 0 )); then
  printf 'WARNING: %d non-2xx responses or socket errors; the figures are suspect\n' "$errors"
fi
echo "raw wrk output: ${raw#"$root"/}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
{
  echo
  for line in "${summary[@]}"; do echo "$line"; done
} >>"$raw"
