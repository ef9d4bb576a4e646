#!/usr/bin/env bash
# Builds Crema and runs every test suite on both stores (README command 2; .ci/run calls it).
#
#   scripts/test.sh [--quick] [-- CTEST_ARGS...]
#
#   1. installs missing Debian packages (scripts/deps.sh build test)
#   2. builds build/release (Release) and build/asan (Debug, -O1, ASan + UBSan)
#   3. installs the npm test tools pinned by tests/tools (the OpenAPI linter @redocly/cli; ajv,
#      which checks every e2e answer against the OpenAPI document; openapi-typescript,
#      openapi-fetch and typescript for the typed-client drift guard) under build/tools
#   4. starts a throwaway PostgreSQL 15 and Redis on free loopback ports, data in a temp dir
#   5. runs ctest in build/release, then in build/asan; both always run
#   6. stops PostgreSQL and Redis and removes the temp dir, also on failure or Ctrl-C
#
#   --quick          the Release build and its tests only (no sanitizer build)
#   -- ARGS          passed to both ctest runs, e.g. `-- -R unit` or `-- -R e2e_sqlite`
#
# Environment: CREMA_BUILD_JOBS (default: nproc), CREMA_TEST_JOBS (ctest -j, default 2),
# CI=true (no colour). The tests receive CREMA_TEST_PG_URL, CREMA_TEST_REDIS_URL,
# CREMA_TEST_REQUIRE_PG=1, CREMA_TEST_SCRIPTS_DIR, CREMA_TEST_REDOCLY and CREMA_TEST_TOOLS.
# Exits non-zero when a build or any test fails.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh

quick=0
ctest_extra=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --) shift; ctest_extra=("$@"); break ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

build_jobs=${CREMA_BUILD_JOBS:-$(nproc)}
test_jobs=${CREMA_TEST_JOBS:-2}
# ccache keys on paths relative to the checkout, so clones and worktrees share hits.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
[[ ${CI:-} == true ]] && export GTEST_COLOR=no

t_start=$SECONDS
phase_names=()
phase_secs=()
phase_cpus=()
phase_name=''
phase_t0=0
phase_cpu0=0
# The processor time (user + system) of everything this script has run and waited for, in
# seconds: on a shared machine the wall-clock time of a phase says as much about the other
# users as about this run; its CPU time much less.
cpu_secs() {
  local stat
  read -ra stat <"/proc/$$/stat" 2>/dev/null || { echo 0; return; }
  echo $(((stat[15] + stat[16]) / ${clk_tck:=$(getconf CLK_TCK 2>/dev/null || echo 100)}))
}
phase() {  # ends the running phase (recording its time) and starts the next one
  phase_end
  phase_name=$1
  phase_t0=$SECONDS
  phase_cpu0=$(cpu_secs)
  printf '\n%s==> %s%s\n' "$c_bold" "$1" "$c_off"
}
phase_end() {
  [[ -n $phase_name ]] || return 0
  local took=$((SECONDS - phase_t0)) cpu=$(($(cpu_secs) - phase_cpu0))
  phase_names+=("$phase_name")
  phase_secs+=("$took")
  phase_cpus+=("$cpu")
  printf '%s--- %s: %s (CPU %s)%s\n' "$c_bold" "$phase_name" "$(fmt_secs "$took")" \
    "$(fmt_secs "$cpu")" "$c_off"
  phase_name=''
}

tmp=''
pg_dir=''
redis_dir=''
results=()
status=0
n_passed=0
n_failed=0

# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  phase_end
  if [[ -n $pg_dir ]]; then bash scripts/pg-cluster.sh stop "$pg_dir" || true; fi
  if [[ -n $redis_dir ]]; then bash scripts/redis-server.sh stop "$redis_dir" || true; fi
  [[ -n $tmp ]] && rm -rf "$tmp"
  (( rc == 0 && status != 0 )) && rc=$status
  printf '\n%sSummary%s (wall clock, then processor time: user + system)\n' "$c_bold" "$c_off"
  local i
  for i in "${!phase_names[@]}"; do
    printf '  %-48s %8s  CPU %8s\n' "${phase_names[$i]}" "$(fmt_secs "${phase_secs[$i]}")" \
      "$(fmt_secs "${phase_cpus[$i]}")"
  done
  printf '  %-48s %8s  CPU %8s\n' total "$(fmt_secs $((SECONDS - t_start)))" \
    "$(fmt_secs "$(cpu_secs)")"
  printf '  load average at the end: %s (%s cores)\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
  for i in "${results[@]}"; do printf '  %s\n' "$i"; done
  if (( rc == 0 )); then
    printf '%stest.sh: all passed%s\n' "$c_green" "$c_off"
  else
    printf '%stest.sh: FAILED (exit %d)%s\n' "$c_red" "$rc" "$c_off"
  fi
  # The closing line, in the plain form CI reads: ctest tests of both configurations.
  (( n_passed + n_failed > 0 )) && printf 'ctest: %d passed, %d failed\n' "$n_passed" "$n_failed"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

printf 'crema test run: %s cores, %s, %s\n' "$(nproc)" "$(uname -sr)" "$(g++ --version 2>/dev/null | head -n1 || echo 'no g++ yet')"
printf 'load average at the start: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"

phase "dependencies (scripts/deps.sh build test)"
bash scripts/deps.sh build test

# The style docs/ARCHITECTURE.md states is the style of every C++ file (.clang-format;
# Debian 12's clang-format 14): a file that is not formatted fails the run at once, before
# half an hour of builds. Fix with `clang-format -i FILE`.
phase "format (clang-format --dry-run --Werror)"
git ls-files '*.cpp' '*.hpp' '*.h' | grep -v '^web/' | xargs clang-format --dry-run --Werror

# configure DIR ARGS...: Ninja when it is there and DIR is new (an existing DIR keeps its
# generator; the plain Makefile build works as well).
configure() {
  local dir=$1
  shift
  local gen=()
  if [[ ! -f $dir/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  # Tests ON explicitly: a build dir reused from a benchmark build (tests OFF) must not turn
  # this run into "No tests were found".
  # Warnings are errors here (CREMA_WERROR): a warning that lands is a warning nobody reads.
  cmake -S . -B "$dir" "${gen[@]}" -DCREMA_BUILD_TESTS=ON -DCREMA_WERROR=ON "$@"
}

phase "build release (build/release)"
configure build/release -DCMAKE_BUILD_TYPE=Release
cmake --build build/release --parallel "$build_jobs"

if (( ! quick )); then
  phase "build sanitizers (build/asan)"
  # -O1 keeps the sanitizer build and its test run fast; -g1 is enough for line numbers in
  # ASan/UBSan reports.
  # The web app is built and tested once, in build/release: its browser test gains nothing
  # from a sanitized server.
  configure build/asan -DCMAKE_BUILD_TYPE=Debug -DCREMA_SANITIZE=ON -DCREMA_WEB_APP=OFF \
    "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g1" "-DCMAKE_C_FLAGS_DEBUG=-O1 -g1"
  cmake --build build/asan --parallel "$build_jobs"
fi

phase "npm test tools (tests/tools into build/tools)"
tools=$root/build/tools
mkdir -p "$tools"
if ! cmp -s tests/tools/package-lock.json "$tools/package-lock.json" ||
   [[ ! -x $tools/node_modules/.bin/redocly ]] || [[ ! -x $tools/node_modules/.bin/tsc ]]; then
  cp tests/tools/package.json tests/tools/package-lock.json "$tools/"
  (cd "$tools" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
else
  echo "already installed"
fi
export CREMA_TEST_REDOCLY=$tools/node_modules/.bin/redocly
export CREMA_TEST_TOOLS=$tools
# No telemetry and no update check: the tests must not reach out.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

phase "start PostgreSQL and Redis"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/crema-test.XXXXXX")
chmod 755 "$tmp"  # PostgreSQL runs as the postgres user and must reach its directory
pg_dir=$tmp/pg
redis_dir=$tmp/redis
pg_url=''
for _ in 1 2 3; do  # another process may take the port between the check and the bind
  port=$(free_port)
  if pg_url=$(bash scripts/pg-cluster.sh start "$pg_dir" "$port"); then break; fi
  pg_url=''
done
[[ -n $pg_url ]] || { echo "test.sh: could not start PostgreSQL" >&2; exit 1; }
redis_url=''
for _ in 1 2 3; do
  port=$(free_port)
  if redis_url=$(bash scripts/redis-server.sh start "$port" "$redis_dir"); then break; fi
  redis_url=''
done
[[ -n $redis_url ]] || { echo "test.sh: could not start Redis" >&2; exit 1; }
echo "PostgreSQL: $pg_url"
echo "Redis:      $redis_url"

export CREMA_TEST_PG_URL=$pg_url
export CREMA_TEST_REDIS_URL=$redis_url
export CREMA_TEST_REQUIRE_PG=1
export CREMA_TEST_SCRIPTS_DIR=$root/scripts

# run_suite LABEL DIR [VAR=VALUE...]: ctest in DIR; a failure is recorded, not fatal, so the
# other configuration still runs and the summary shows both.
run_suite() {
  local label=$1 dir=$2
  shift 2
  local rc=0 log
  log=$tmp/ctest-$(basename "$dir").log
  # Shown live and kept for the counts; ctest's own exit code travels through a file.
  { env "$@" ctest --test-dir "$dir" --output-on-failure --no-tests=error \
      -j "$test_jobs" "${ctest_extra[@]}" || echo $? >"$log.rc"; } 2>&1 | tee "$log"
  [[ -f $log.rc ]] && rc=$(<"$log.rc")
  # "80% tests passed, 1 tests failed out of 5" → counts for the closing line
  local line failed total
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n1 || true)
  if [[ -n $line ]]; then
    failed=$(awk '{ print $4 }' <<<"$line")
    total=$(awk '{ print $NF }' <<<"$line")
    n_failed=$((n_failed + failed))
    n_passed=$((n_passed + total - failed))
  elif (( rc != 0 )); then
    n_failed=$((n_failed + 1))  # ctest itself failed before running anything
  fi
  if (( rc == 0 )); then
    results+=("${c_green}passed${c_off}  $label")
  else
    results+=("${c_red}FAILED${c_off}  $label (ctest exit $rc)")
    status=1
  fi
}

phase "tests: release"
run_suite "tests: release (build/release)" build/release

if (( ! quick )); then
  phase "tests: sanitizers"
  run_suite "tests: ASan+UBSan (build/asan)" build/asan \
    ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
phase_end
exit "$status"
