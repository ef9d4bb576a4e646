#!/usr/bin/env bash
# Attack tools against a running crema (issue 10, docs/SECURITY.md "Attack runs"): sqlmap on
# the routes that take search and filter input, testssl.sh on the TLS listener, and
# slowhttptest's slowloris and slow-body attacks while an ordinary client keeps asking.
#
#   bench/security.sh [sqlmap|testssl|slowhttp|all]      (default: all)
#
# Environment (defaults in brackets):
#   CREMA_BIN [build/release/crema]  the binary; built (Release) when it is the default
#   SQLMAP_LEVEL [3] SQLMAP_RISK [2] sqlmap's thoroughness
#   SLOW_CONNECTIONS [1000]          connections of each slowhttptest attack
#   SLOW_SECONDS [30]                length of each attack
#
# crema runs on a temporary SQLite database seeded with `crema seed-demo`, rate limits off
# (they would stop the tools long before they are done, which proves nothing about
# injection). Each section prints a verdict line starting with RESULT; raw tool output goes
# to bench/results/ (not committed). Installs sqlmap, testssl.sh and slowhttptest with apt
# when missing (scripts/deps.sh security). A manual job: never part of .ci/run.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

what=${1:-all}
case $what in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  sqlmap|testssl|slowhttp|all) ;;
  *) echo "security.sh: unknown section '$what' (sqlmap, testssl, slowhttp or all)" >&2; exit 2 ;;
esac

bash scripts/deps.sh build security
if [[ -z ${CREMA_BIN:-} ]]; then
  bash scripts/run.sh --build-only >/dev/null
fi
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")

results=$root/bench/results
mkdir -p "$results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
bench_tmp crema-security

# start_crema SCHEME [EXTRA_ENV...]: the seeded demo café on a free port; sets $port.
start_crema() {
  shift  # the scheme: bench_serve asks over HTTPS when CREMA_TLS_CERT is set
  bench_crema_env "$(free_port)" '' "$@"
  port=$crema_port
  if [[ ! -f $tmp/crema/crema.db ]]; then bench_crema seed-demo; fi
  bench_serve
}

# demo_token ROLE: an access token of the demo café's ROLE account (manager, admin).
demo_token() {
  curl -sf -H 'Content-Type: application/json' \
    -d "{\"email\":\"$1@crema.demo\",\"password\":\"crema-demo-2026\"}" \
    "http://127.0.0.1:$port/api/v1/auth/login" |
    sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}

run_sqlmap() {
  echo "== sqlmap (level ${SQLMAP_LEVEL:-3}, risk ${SQLMAP_RISK:-2})"
  start_crema http
  local token admin base="http://127.0.0.1:$port/api/v1" out="$results/sqlmap-$stamp.txt"
  token=$(demo_token manager)
  admin=$(demo_token admin)
  [[ -n $token && -n $admin ]] || { echo "security.sh: cannot sign in the demo manager and admin" >&2; exit 1; }
  : >"$out"
  local -a common=(--batch "--level=${SQLMAP_LEVEL:-3}" "--risk=${SQLMAP_RISK:-2}" --threads=4
                   --time-sec=2 --flush-session --disable-coloring
                   "--output-dir=$tmp/sqlmap" --dbms=SQLite)
  local targets=(
    "GET|$base/products?q=latte&category=Coffee&price_min=1&price_max=9&sort=price&in_stock=true|"
    "GET|$base/orders?status=pending&type=takeaway&q=1&payment_status=pending|auth"
    "GET|$base/inventory?q=milk&kind=ingredient|auth"
    "GET|$base/admin/audit-log?action=product.create&actor_id=x&from=2026-01-01&to=2026-12-31|admin"
    "GET|$base/reports/sales/daily?date=2026-12-01|auth"
    "GET|$base/reports/sales/weekly?week_start=2026-11-30|auth"
    "GET|$base/reports/products/top?from=2026-11-01&to=2026-12-31&limit=5|auth"
    "GET|$base/reports/performance?from=2026-11-01&to=2026-12-31|auth"
    "GET|$base/admin/sales?from=2026-11-01&to=2026-12-31&granularity=week|admin"
    "GET|$base/admin/customers?from=2026-11-01&to=2026-12-31|admin"
    "POST|$base/auth/login|json"
  )
  local found=0 tested=0 line method url mode code
  for line in "${targets[@]}"; do
    IFS='|' read -r method url mode <<<"$line"
    local bearer=$token
    [[ $mode == admin ]] && bearer=$admin
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $bearer" "$url")
    if [[ $method == GET && $code == 404 ]]; then
      echo "  skipped (no such route yet): $url" | tee -a "$out"
      continue
    fi
    if [[ $method == GET && $code != 200 ]]; then
      echo "RESULT sqlmap: $url answers $code, not 200 (a refused request tests nothing)"
      return 1
    fi
    tested=$((tested + 1))
    local -a args=("${common[@]}" -u "$url")
    if [[ $mode == auth || $mode == admin ]]; then args+=(-H "Authorization: Bearer $bearer"); fi
    if [[ $mode == json ]]; then
      # A wrong password is answered 401, which sqlmap would take for "stop here".
      args+=(--data '{"email":"a@b.c","password":"p"}' -H 'Content-Type: application/json'
             --ignore-code=401)
    fi
    echo "  $method $url" | tee -a "$out"
    local before
    before=$(grep -c "testing for SQL injection on" "$out" || true)
    sqlmap "${args[@]}" >>"$out" 2>&1 || true
    if (( $(grep -c "testing for SQL injection on" "$out" || true) == before )); then
      echo "RESULT sqlmap: sqlmap tested no parameter of $url (see $out)"
      return 1
    fi
    if grep -qiE "is vulnerable|parameter '.*' is '.*' injectable|sqlmap identified the following injection" "$out"; then
      found=1
    fi
  done
  bench_stop_crema
  if (( found )); then
    echo "RESULT sqlmap: INJECTION FOUND (see $out)"
    return 1
  fi
  echo "RESULT sqlmap: nothing injectable in $tested targets (raw: $out)"
}

run_testssl() {
  echo "== testssl.sh"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1
  start_crema https "CREMA_TLS_CERT=$tmp/cert.pem" "CREMA_TLS_KEY=$tmp/key.pem"
  local out="$results/testssl-$stamp.txt"
  # Debian's testssl.sh package installs the command as `testssl`.
  local tool
  tool=$(command -v testssl || command -v testssl.sh) ||
    { echo "security.sh: testssl not found" >&2; exit 1; }
  "$tool" --quiet --color 0 --warnings off --sneaky -p -s -S -h -U \
    "https://127.0.0.1:$port/health" >"$out" 2>&1 || true
  local hsts
  hsts=$(curl -ksI "https://127.0.0.1:$port/health" | tr -d '\r' | grep -i '^strict-transport-security:' || true)
  bench_stop_crema
  # Weak protocols offered, weak cipher categories, or vulnerabilities. The certificate
  # section is left out: it grades the throwaway self-signed certificate made above (no
  # chain of trust, no CRL/OCSP), not Crema's TLS configuration.
  local bad
  bad=$(awk '/Testing protocols/,/Testing server defaults/; /Testing vulnerabilities/,0' "$out" |
        grep -E "NOT ok|VULNERABLE|-- insecure" | grep -v "not vulnerable" || true)
  echo "  HSTS: ${hsts:-missing}"
  # A run that did not get as far as the protocols and vulnerabilities proves nothing.
  if ! grep -q "Testing protocols" "$out" || ! grep -q "Testing vulnerabilities" "$out"; then
    tail -5 "$out"
    echo "RESULT testssl: the run did not complete (see $out)"
    return 1
  fi
  if [[ -n $bad || -z $hsts ]]; then
    echo "$bad"
    echo "RESULT testssl: PROBLEMS (see $out)"
    return 1
  fi
  echo "RESULT testssl: no weak protocol, cipher or known vulnerability; HSTS present (raw: $out)"
}

# probe_loop SECONDS FILE: an ordinary client asks GET /health 5 times a second and logs
# "status seconds" lines.
probe_loop() {
  local until=$((SECONDS + $1)) file=$2
  while (( SECONDS < until )); do
    curl -s -o /dev/null -m 5 -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$port/health" >>"$file" || echo "000 5" >>"$file"
    sleep 0.2
  done
}

run_slowhttp() {
  local conns=${SLOW_CONNECTIONS:-1000} secs=${SLOW_SECONDS:-30} failed=0 mode name
  for mode in H B; do
    name=$([[ $mode == H ]] && echo slowloris || echo slow-body)
    echo "== slowhttptest $name ($conns connections, ${secs}s)"
    start_crema http CREMA_REQUEST_TIMEOUT_SECONDS=10
    local out="$results/slowhttp-$name-$stamp" probes="$tmp/probes-$name.txt"
    : >"$probes"
    local -a args=(-c "$conns" "-$mode" -i 10 -r 200 -l "$secs" -x 24 -p 3 -g -o "$out")
    if [[ $mode == H ]]; then
      args+=(-t GET -u "http://127.0.0.1:$port/health")
    else
      args+=(-t POST -s 8192 -u "http://127.0.0.1:$port/api/v1/auth/login")
    fi
    slowhttptest "${args[@]}" >"$out.txt" 2>&1 &
    local attack=$!
    sleep 2
    probe_loop "$((secs - 4))" "$probes"
    wait "$attack" || true
    bench_stop_crema
    local total ok worst
    total=$(wc -l <"$probes")
    ok=$(grep -c '^200 ' "$probes" || true)
    worst=$(sort -k2 -n "$probes" | tail -1 | cut -d' ' -f2)
    echo "  ordinary GET /health during the attack: $ok of $total answered 200, slowest ${worst}s"
    if (( total == 0 || ok != total )); then failed=1; fi
  done
  if (( failed )); then
    echo "RESULT slowhttp: ordinary requests FAILED during an attack"
    return 1
  fi
  echo "RESULT slowhttp: every ordinary request answered during both attacks (raw: $results/slowhttp-*-$stamp*)"
}

status=0
case $what in
  sqlmap) run_sqlmap || status=1 ;;
  testssl) run_testssl || status=1 ;;
  slowhttp) run_slowhttp || status=1 ;;
  all)
    run_sqlmap || status=1
    run_testssl || status=1
    run_slowhttp || status=1
    ;;
esac
exit "$status"
