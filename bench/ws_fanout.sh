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
# CREMA_LOG_LEVEL=warn, default threads), creates an admin with `crema create-admin`, signs
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

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

help_or_no_args "$0" "$@"

clients=${CLIENTS:-10000}
events=${EVENTS:-20}
event=${EVENT:-order_created}
gap_ms=${GAP_MS:-200}
parallel=${PARALLEL:-256}

# Every client is a file descriptor, on both sides.
want_fds=$((clients + 1024))
if (( $(ulimit -n) < want_fds )); then
  ulimit -n "$want_fds" 2>/dev/null ||
    bench_fail "cannot raise ulimit -n to $want_fds (now $(ulimit -n))"
fi

if [[ -z ${CREMA_BIN:-} || -z ${FANOUT_BIN:-} ]]; then
  bench_build build/release -DCREMA_BUILD_BENCH=ON crema crema_ws_fanout
fi
crema_bin=$(bench_bin "${CREMA_BIN:-build/release/crema}")
fanout_bin=$(bench_bin "${FANOUT_BIN:-build/release/bench/crema_ws_fanout}")

bench_tmp crema-bench
bench_crema_env "$(free_port)" ''
email=bench-admin@example.com
password='bench password 0123456789'
bench_create_admin "$email" "$password"
bench_serve
token=$(bench_login "$email" "$password")
made=$(bench_request POST /api/v1/products '{"name":"Fan-out bun","category":"Bench","price":2}' "$token")
product=$(bench_json_field "$made" id)
[[ -n $product ]] || bench_fail "product creation failed: $made"

bench_results ws_fanout
echo "machine: $(nproc) cores, $(uname -sr); load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$raw"
echo "crema: $crema_bin (pid $crema_pid), port $crema_port; $clients clients, $events $event events, ${gap_ms} ms apart" | tee -a "$raw"
rc=0
"$fanout_bin" --port "$crema_port" --token "$token" --product "$product" --clients "$clients" \
  --events "$events" --gap-ms "$gap_ms" --parallel "$parallel" --server-pid "$crema_pid" \
  --event "$event" 2>&1 | tee -a "$raw" || rc=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$raw"
echo "raw output: $raw"
exit "$rc"
