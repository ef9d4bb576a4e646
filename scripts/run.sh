#!/usr/bin/env bash
# Builds the Release binary and runs the server on SQLite (README command 1).
#
#   scripts/run.sh [SERVE_FLAGS...]     e.g. scripts/run.sh --listen 127.0.0.1:9090
#
# Installs missing build packages (scripts/deps.sh build), configures build/release with
# Ninja (when there) and ccache, builds it, then replaces itself with
# `build/release/crema serve "$@"`. With no CREMA_DATABASE_URL the server uses its
# default, sqlite://./var/crema.db, relative to the repository root; every CREMA_*
# variable in the environment is honoured as usual (see README.md).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

case ${1:-} in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
esac

bash scripts/deps.sh build

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
gen=()
if [[ ! -f build/release/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
cmake -S . -B build/release "${gen[@]}" -DCMAKE_BUILD_TYPE=Release
cmake --build build/release --parallel "${CREMA_BUILD_JOBS:-$(nproc)}" --target crema

exec build/release/crema serve "$@"
