#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (issue 10):
#   jwt          the access-token parser and verifier (auth::JwtCodec::verify)
#   http_target  the request target: origin form, the /api alias, the router, query validators
#   json_input   the JSON body parse and the api::Input field readers alone (fast, no store)
#   dto          every route that takes a JSON body, through its real handler, services and
#                SQL, in-process on an SQLite store seeded with the demo café (slower, deep)
#
#   scripts/fuzz.sh [TARGET...]          TARGET: jwt, http_target, json_input, dto (default: all)
#
# Environment: FUZZ_SECONDS [300] per target, FUZZ_JOBS [1] parallel fuzzing processes.
# Builds build/fuzz with clang (ASan + UBSan + libFuzzer; for dto the whole of crema_core
# is instrumented, so its first build takes a while), starts each target from the seeds in
# fuzz/corpus/<target>/ (new inputs it finds stay in build/fuzz/corpus/, not committed),
# and stops at the first crash, leak, timeout or (dto) 5xx answer: the input that caused it
# is copied to fuzz/regressions/<target>/ — fix the bug and commit the input; the unit tests
# replay every file there on each CI run. A manual job: never part of .ci/run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
case ${1:-} in -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;; esac

targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=(jwt http_target json_input dto)
seconds=${FUZZ_SECONDS:-300}
jobs=${FUZZ_JOBS:-1}

bash scripts/deps.sh build
cc=$(command -v clang || command -v clang-14 || true)
cxx=$(command -v clang++ || command -v clang++-14 || true)
[[ -n $cc && -n $cxx ]] || { echo "fuzz.sh: clang is needed (apt-get install clang)" >&2; exit 1; }

gen=()
if [[ ! -f build/fuzz/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
CC=$cc CXX=$cxx cmake -S . -B build/fuzz "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug \
  -DCREMA_FUZZ=ON -DCREMA_BUILD_TESTS=OFF -DCREMA_DOCS_UI=OFF >/dev/null
build_targets=()
for t in "${targets[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build build/fuzz --parallel "$(nproc)" --target "${build_targets[@]}"

status=0
for t in "${targets[@]}"; do
  work=build/fuzz/corpus/$t
  artifacts=build/fuzz/artifacts/$t
  mkdir -p "$work" "$artifacts"
  echo "== $t: ${seconds}s"
  log=build/fuzz/$t.log
  parallel=()
  # -jobs forks workers that log to ./fuzz-N.log; one job runs in this process instead.
  if (( jobs > 1 )); then parallel=(-jobs="$jobs" -workers="$jobs"); fi
  # fuzz/<target>.dict, when there is one: tokens libFuzzer splices into its inputs.
  dict=()
  if [[ -f fuzz/$t.dict ]]; then dict=(-dict="$root/fuzz/$t.dict"); fi
  if ! (cd build/fuzz && "./fuzz_$t" "corpus/$t" "$root/fuzz/corpus/$t" \
        -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        "${parallel[@]}" "${dict[@]}" -artifact_prefix="artifacts/$t/" -print_final_stats=1) >"$log" 2>&1; then
    status=1
    for a in "$artifacts"/*; do
      [[ -f $a ]] || continue
      cp "$a" "fuzz/regressions/$t/"
      echo "  FOUND: $(basename "$a") (copied to fuzz/regressions/$t/; see $log)"
    done
  fi
  runs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -1 | awk '{print $2}' || true)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}' || true)
  echo "  executions: ${runs:-?}, coverage (edges): ${cov:-?}, corpus: $(find "$work" -type f | wc -l) inputs"
done
exit "$status"
