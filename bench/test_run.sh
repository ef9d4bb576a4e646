#!/usr/bin/env bash
# The README's test command as a new user meets it: a fresh clone of COMMIT, an empty compiler
# cache, no build directory, then `scripts/test.sh ARGS`; prints its phases (wall clock and
# processor time), the slowest compiles and the slowest ctest entries.
#
#   bench/test_run.sh [COMMIT] [-- TEST_SH_ARGS...]     (default: HEAD)
#   bench/test_run.sh main -- --quick                   the Release half only
#
# Environment:
#   PREBUILD=1   first run `scripts/run.sh --build-only` in the clone (the server built by
#                README command 1, as a new user has it before command 2), timed apart
#   KEEP=1       keep the clone (printed) instead of deleting it
#
# The clone gets its own empty CCACHE_DIR (ccache is on, as for a new user: it fills the
# cache without using it). Every compile goes through a small shim in front of ccache that
# records its wall clock and processor time (`/usr/bin/time`), so the per-file figures hold
# even when other work shares the cores. Output: bench/results/test_run-*.txt (not committed),
# whose summary goes into docs/PERFORMANCE.md ("Test run"). A manual job: never part of
# .ci/run; it takes as long as the test command itself.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

commit=HEAD
case ${1:-} in
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
  --|'') ;;
  *) commit=$1; shift ;;
esac
[[ ${1:-} == -- ]] && shift
sha=$(git rev-parse --short "$commit^{commit}") || bench_fail "no commit $commit"

bench_tmp crema-test-run
# shellcheck disable=SC2317  # run by the exit trap (bench_at_exit)
keep_clone() { if [[ ${KEEP:-0} == 1 ]]; then mv "$tmp/clone" "$tmp.clone" && echo "kept: $tmp.clone"; fi; }
bench_at_exit keep_clone
git clone -q --no-hardlinks "$root" "$tmp/clone"
git -C "$tmp/clone" checkout -q "$sha"

times_log=$tmp/compiles.txt
: >"$times_log"
mkdir -p "$tmp/bin"
ccache_bin=$(command -v ccache || true)
if [[ -x /usr/bin/time && -n $ccache_bin ]]; then
  cat >"$tmp/bin/ccache" <<EOF
#!/usr/bin/env bash
out=; prev=
for a; do [[ \$prev == -o ]] && out=\$a; prev=\$a; done
exec /usr/bin/time -a -o "$times_log" -f "%e %U %S \$PWD/\$out" "$ccache_bin" "\$@"
EOF
  chmod +x "$tmp/bin/ccache"
fi

bench_results test_run
{
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 " GiB" }'), $(uname -sr)"
  echo "commit:  $sha (a fresh clone), scripts/test.sh $*, CCACHE_DIR empty"
  echo "start:   $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$raw"
export CCACHE_DIR=$tmp/ccache PATH=$tmp/bin:$PATH
unset CCACHE_BASEDIR
rc=0
if [[ ${PREBUILD:-0} == 1 ]]; then
  start=$SECONDS
  (cd "$tmp/clone" && bash scripts/run.sh --build-only) >"$tmp/prebuild.log" 2>&1 ||
    { cat "$tmp/prebuild.log" >&2; bench_fail "scripts/run.sh --build-only failed"; }
  echo "scripts/run.sh --build-only: $(fmt_secs $((SECONDS - start)))" | tee -a "$raw"
fi
(cd "$tmp/clone" && bash scripts/test.sh "$@") >"$tmp/test.log" 2>&1 || rc=$?
{
  echo "end:     $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "scripts/test.sh exit: $rc"
  sed -n '/^Summary/,$p' "$tmp/test.log"
  if [[ -s $times_log ]]; then
    echo
    echo "compiles (the shim's figures, seconds: wall, then user + system):"
    awk -v root="$tmp/clone/" '{
        f = $4; sub(root, "", f); k = split(f, p, "/"); t = "?"
        for (i = 1; i <= k; i++) if (p[i] ~ /\.dir$/) { t = p[i]; sub(/\.dir$/, "", t); break }
        g = p[2] " " t; w[g] += $1; c[g] += $2 + $3; n[g]++; tw += $1; tc += $2 + $3
      } END {
        for (g in n) printf "  %-34s %4d compiles  wall %7.1f  CPU %7.1f\n", g, n[g], w[g], c[g]
        printf "  %-34s %4d compiles  wall %7.1f  CPU %7.1f\n", "all", NR, tw, tc
      }' "$times_log" | sort
    echo "slowest compiles (CPU seconds):"
    awk -v root="$tmp/clone/" '{ f = $4; sub(root, "", f); printf "  %7.1f  %s\n", $2 + $3, f }' \
      "$times_log" | sort -rn | head -n 15
  fi
  for dir in release asan; do
    cost=$tmp/clone/build/$dir/Testing/Temporary/CTestCostData.txt
    [[ -f $cost ]] || continue
    echo "slowest ctest entries in build/$dir (seconds):"
    awk 'NF == 3 { printf "  %7.1f  %s\n", $3, $1 }' "$cost" | sort -rn | head -n 10
  done
} | tee -a "$raw"
echo "full log of scripts/test.sh: kept in $raw.log"
cp "$tmp/test.log" "$raw.log"
exit "$rc"
