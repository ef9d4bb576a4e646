#!/usr/bin/env bash
# Line coverage of the business rules (issue 10): builds build/coverage (Debug, gcc
# --coverage), runs the whole ctest suite on SQLite and PostgreSQL (starting both itself, as
# scripts/test.sh does), and reports with gcovr the line coverage of src/domain and
# src/service, per file and in total.
#
#   scripts/coverage.sh
#   CREMA_COVERAGE_PG_PORT=56640 CREMA_COVERAGE_REDIS_PORT=56641 scripts/coverage.sh
#
# Its PostgreSQL and Redis listen on free ports picked at random, or on the ports given
# (on a machine shared with others, ports of your own). The black-box suites count: their
# servers are stopped with SIGTERM and write their counters at exit.
#
# Output: the table on stdout and build/coverage/coverage.txt; the figures are recorded by
# hand in docs/COVERAGE.md. A manual job: never part of .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
help_or_no_args "$0" "$@"

bash scripts/deps.sh build test
command -v gcovr >/dev/null || apt-get install -y --no-install-recommends gcovr >/dev/null

export CCACHE_BASEDIR=$root
export CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
gen=()
if [[ ! -f build/coverage/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
cmake -S . -B build/coverage "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DCREMA_BUILD_TESTS=ON \
  -DCMAKE_CXX_FLAGS="--coverage -O0" -DCMAKE_EXE_LINKER_FLAGS=--coverage >/dev/null
cmake --build build/coverage --parallel "$(nproc)"
find build/coverage -name '*.gcda' -delete

tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-coverage.XXXXXX")
chmod 755 "$tmp"  # PostgreSQL runs as the postgres user and must reach its data dir
pg_port=${CREMA_COVERAGE_PG_PORT:-$(free_port)}
redis_port=${CREMA_COVERAGE_REDIS_PORT:-$(free_port)}
cleanup() {
  bash scripts/pg-cluster.sh stop "$tmp/pg" >/dev/null 2>&1 || true
  bash scripts/redis-server.sh stop "$tmp/redis" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
pg_url=$(bash scripts/pg-cluster.sh start "$tmp/pg" "$pg_port" | tail -1)
bash scripts/redis-server.sh start "$redis_port" "$tmp/redis" >/dev/null
(
  cd build/coverage
  redocly=$root/build/tools/node_modules/.bin/redocly  # installed by scripts/test.sh
  CREMA_TEST_PG_URL=$pg_url CREMA_TEST_REDIS_URL=redis://127.0.0.1:$redis_port/0 \
    CREMA_TEST_REQUIRE_PG=1 CREMA_TEST_SCRIPTS_DIR=$root/scripts \
    CREMA_TEST_REDOCLY=$([[ -x $redocly ]] && echo "$redocly") REDOCLY_TELEMETRY=off \
    ctest -j2 --output-on-failure -E deploy || true
)
gcovr --root "$root" --object-directory build/coverage --filter 'src/domain/' \
  --filter 'src/service/' --exclude-throw-branches --sort-percentage --txt \
  --output build/coverage/coverage.txt "build/coverage"
cat build/coverage/coverage.txt
