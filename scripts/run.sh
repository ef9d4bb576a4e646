#!/usr/bin/env bash
# Builds the Release binary and runs the server on SQLite (README command 1).
#
#   scripts/run.sh [--demo] [SERVE_FLAGS...]     e.g. scripts/run.sh --listen 127.0.0.1:9090
#   scripts/run.sh --build-only                  build build/release/crema and stop
#
#   --demo        first fill the database with the demo café (`crema seed-demo`: menu,
#                 recipes, stock, staff accounts); a database with products is left alone
#   --build-only  build and exit without serving (deploy/Dockerfile builds the image's
#                 binary with it, so the image ships what this README command builds)
#
# Installs missing build packages (scripts/deps.sh build), configures build/release with
# Ninja (when there) and ccache, builds it, then replaces itself with
# `build/release/crema serve "$@"`. With no CREMA_DATABASE_URL the server uses its
# default, sqlite://./var/crema.db, relative to the repository root; every CREMA_*
# variable in the environment is honoured as usual (see README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

demo=0
build_only=0
args=()
for arg in "$@"; do
  case $arg in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    --demo) demo=1 ;;
    --build-only) build_only=1 ;;
    *) args+=("$arg") ;;
  esac
done

bash scripts/deps.sh build

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
gen=()
if [[ ! -f build/release/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
cmake -S . -B build/release "${gen[@]}" -DCMAKE_BUILD_TYPE=Release
# crema and the staff web app it serves at /app (an empty target with -DCREMA_WEB_APP=OFF)
cmake --build build/release --parallel "${CREMA_BUILD_JOBS:-$(nproc)}" --target crema crema_web_app
if (( build_only )); then exit 0; fi

# The settings flags are global, so seed-demo sees the same database as serve.
if (( demo )); then
  build/release/crema seed-demo "${args[@]}"
  # Where the app will be: --listen/--listen=ADDR, else CREMA_LISTEN, else the default.
  listen=${CREMA_LISTEN:-127.0.0.1:8080}
  for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[$i]} in
      --listen=*) listen=${args[$i]#--listen=} ;;
      --listen) listen=${args[$((i + 1))]:-$listen} ;;
    esac
  done
  host=${listen%:*}
  [[ $host == 0.0.0.0 || $host == '[::]' || -z $host ]] && host=127.0.0.1
  scheme=http
  [[ -n ${CREMA_TLS_CERT:-} ]] && scheme=https
  if [[ -f build/release/app/index.html ]]; then
    printf '\nThe staff app: %s://%s:%s/app — sign in with one of the demo accounts above\n' \
      "$scheme" "$host" "${listen##*:}"
    printf '(barista@crema.demo for the kitchen board and the counter, manager@crema.demo for\n'
    printf 'the dashboard; password crema-demo-2026). The API documentation: %s://%s:%s/docs\n\n' \
      "$scheme" "$host" "${listen##*:}"
  fi
fi
exec build/release/crema serve "${args[@]}"
