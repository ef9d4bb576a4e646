#!/usr/bin/env bash
# Installs the Debian 12 packages Crema needs, and only those that are missing.
#
#   scripts/deps.sh [GROUP...]      GROUP: build (default), test, bench, lint, security, all
#
#   build  compiler, CMake/Ninja/ccache, lld (faster links) and every library the binary links,
#          python3 (the unity build's name check, cmake/unity_names.py), plus node/npm (the
#          build fetches swagger-ui-dist from npm for GET /docs)
#   test   PostgreSQL 15 server binaries and redis-server (scripts/test.sh starts them itself),
#          the openssl command (the TLS tests make throwaway certificates with it), and
#          Python 3 with PyYAML (the `deploy` test checks deploy/'s manifests), and nginx
#          (the scale-out test puts two instances behind it), and Debian's Chromium with a font
#          that has Arabic (the web app's browser tests drive it with Playwright)
#   bench  wrk, nginx-light and its brotli_static module (bench/health.sh, bench/menu.sh)
#   lint   clang-format, clang-tidy and shellcheck
#   security  sqlmap, testssl.sh and slowhttptest (bench/security.sh)
#
# Idempotent: asks dpkg which packages are installed, and runs `apt-get update` and
# `apt-get install` only when something is missing. Runs as root (the CI machine is root),
# or through sudo when that is available. Installing never starts a service here.
set -euo pipefail

readonly build_pkgs=(
  build-essential g++ cmake ninja-build ccache pkg-config lld python3
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsodium-dev libspdlog-dev libfmt-dev prometheus-cpp-dev
  libhiredis-dev libsqlite3-dev libpq-dev libcli11-dev libcurl4-openssl-dev
  libhowardhinnant-date-dev libvips-dev libbrotli-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  tzdata ca-certificates
)
# libpq-dev (build group) must be installed before any cluster starts: installing it later
# may upgrade postgresql-15 in place under a running server. test.sh installs both groups
# in one go before starting anything.
readonly test_pkgs=(postgresql-15 redis-server openssl python3 python3-yaml nginx-light chromium
                    fonts-dejavu-core clang-format)
readonly bench_pkgs=(wrk nginx-light libnginx-mod-http-brotli-static)
readonly lint_pkgs=(clang-format clang-tidy shellcheck)
readonly security_pkgs=(sqlmap testssl.sh slowhttptest curl openssl)

say() { printf 'deps: %s\n' "$*" >&2; }

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"
}

groups=("$@")
[[ ${#groups[@]} -eq 0 ]] && groups=(build)

wanted=()
needs_node=0
for g in "${groups[@]}"; do
  case "$g" in
    build) wanted+=("${build_pkgs[@]}"); needs_node=1 ;;
    test)  wanted+=("${test_pkgs[@]}"); needs_node=1 ;;  # the OpenAPI linter is an npm tool
    bench) wanted+=("${bench_pkgs[@]}") ;;
    lint)  wanted+=("${lint_pkgs[@]}") ;;
    security) wanted+=("${security_pkgs[@]}") ;;
    all)   wanted+=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}" "${lint_pkgs[@]}"
                   "${security_pkgs[@]}")
           needs_node=1 ;;
    -h|--help) usage; exit 0 ;;
    *) say "unknown group '$g' (expected build, test, bench, lint, security or all)"; exit 2 ;;
  esac
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "this script installs Debian packages with apt; on another system install the"
  say "equivalents of: ${wanted[*]}"
  exit 1
fi

installed() {
  # "ii " = wanted install, currently installed; anything else (absent, half-configured,
  # removed with config left) counts as missing.
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) || return 1
  [[ $status == ii* ]]
}

missing=()
declare -A seen=()
for p in "${wanted[@]}"; do
  [[ -n ${seen[$p]:-} ]] && continue
  seen[$p]=1
  installed "$p" || missing+=("$p")
done
# Node: the machine may carry a newer node than Debian's (with its own npm); installing
# Debian's npm beside it would conflict, so add Debian's nodejs+npm only when there is no npm.
if [[ $needs_node -eq 1 ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  say "all ${#seen[@]} packages for '${groups[*]}' are installed; nothing to do"
  exit 0
fi

as_root=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
  else
    say "missing packages: ${missing[*]}"
    say "not root and no sudo: install them as root, then run this again"
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. unattended upgrades) instead of failing at once.
apt_opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0)
say "installing ${#missing[@]} missing package(s): ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}"
say "installed: ${missing[*]}"
