#!/usr/bin/env bash
# Lighthouse on the staff web app (SPEC §14: ≥ 90 for accessibility and performance on the
# sign-in page, the kitchen board and the dashboard, desktop preset, Debian's Chromium), and
# the first load's compressed JavaScript and CSS (under 300 KB).
#
#   bench/lighthouse.sh
#
# Environment: RUNS [3] Lighthouse runs per page (the median is reported); CREMA_BIN
# [build/release/crema] and CREMA_APP_DIR [build/release/app], built when they are the
# defaults. Lighthouse 12.2.3 (bench/lighthouse/package-lock.json) is installed under
# build/lighthouse with `npm ci --ignore-scripts`; crema runs on a temporary SQLite database
# with the demo café (`crema seed-demo`) and the rate limits off. The reports (JSON) go to
# bench/results/lighthouse/ (not committed). A manual job: never part of .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
help_or_no_args "$0" "$@"

bash scripts/deps.sh build test
crema_bin=${CREMA_BIN:-build/release/crema}
app_dir=${CREMA_APP_DIR:-build/release/app}
if [[ -z ${CREMA_BIN:-} ]]; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  gen=()
  if [[ ! -f build/release/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  cmake -S . -B build/release "${gen[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release --target crema crema_web_app
fi
[[ -x $crema_bin ]] || { echo "lighthouse.sh: no crema binary at $crema_bin" >&2; exit 1; }
[[ -f $app_dir/index.html ]] || { echo "lighthouse.sh: no built app in $app_dir" >&2; exit 1; }
crema_bin=$(cd "$(dirname "$crema_bin")" && pwd)/$(basename "$crema_bin")
app_dir=$(cd "$app_dir" && pwd)

tools=$root/build/lighthouse
mkdir -p "$tools"
if ! cmp -s bench/lighthouse/package-lock.json "$tools/package-lock.json" ||
   [[ ! -d $tools/node_modules/lighthouse ]]; then
  cp bench/lighthouse/package.json bench/lighthouse/package-lock.json "$tools/"
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
cp bench/lighthouse/run.mjs "$tools/run.mjs"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-lighthouse.XXXXXX")
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

# CREMA_BIN names the binary to this script; crema itself would warn about it as unknown.
unset CREMA_BIN
export CREMA_DATABASE_URL=sqlite://$tmp/crema.db CREMA_DATA_DIR=$tmp CREMA_MEDIA_DIR=$tmp/media
export CREMA_APP_DIR=$app_dir
export CREMA_PUBLIC_RATE_PER_MIN=0 CREMA_USER_RATE_PER_MIN=0 CREMA_AUTH_RATE_PER_MIN=0
"$crema_bin" seed-demo >/dev/null
port=$(free_port)
CREMA_LISTEN=127.0.0.1:$port "$crema_bin" serve >"$tmp/crema.log" 2>&1 &
crema_pid=$!
for _ in $(seq 1 100); do
  grep -q '"msg":"listening"' "$tmp/crema.log" 2>/dev/null && break
  sleep 0.1
done
grep -q '"msg":"listening"' "$tmp/crema.log" || { cat "$tmp/crema.log" >&2; exit 1; }

printf 'machine: %s cores, load %s; chromium %s; commit %s\n' "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')" \
  "$(git rev-parse --short HEAD)"
if [[ -f build/release/app-size.json ]]; then
  node -e 'const s=require(process.argv[1]);console.log(`first load: ${s.first_load.join(", ")}: ${(s.first_load_br/1024).toFixed(1)} KB Brotli, ${(s.first_load_gzip/1024).toFixed(1)} KB gzip`)' \
    "$root/build/release/app-size.json"
fi
mkdir -p bench/results/lighthouse
CREMA_URL=http://127.0.0.1:$port OUT=$root/bench/results/lighthouse RUNS=${RUNS:-3} node "$tools/run.mjs"
