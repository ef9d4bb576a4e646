# shellcheck shell=bash
# Start-up and clean-up shared by the scripts of bench/. Source it right after
# `set -euo pipefail`; it does nothing else by itself:
#
#   # shellcheck source=bench/lib.sh
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets `root` (the repository root), changes into it, sources scripts/lib.sh (free_port,
# help_or_no_args, fmt_secs, colours) and defines:
#
#   bench_fail MESSAGE...        "SCRIPT: MESSAGE" on stderr, then exit 1
#   bench_build DIR [-DVAR=VALUE...] TARGET...
#                                configure DIR (Ninja when new, ccache, Release), refuse a DIR
#                                that is not a Release build, build the targets
#   bench_bin PATH               prints PATH made absolute; fails when it is not executable
#   bench_tmp [PREFIX]           makes $tmp (mode 755, so PostgreSQL and nginx workers reach
#                                it) and installs the EXIT/INT/TERM trap: crema is stopped,
#                                the bench_at_exit commands run (last registered first), $tmp
#                                is removed and the script's exit status is kept
#   bench_at_exit FUNCTION       one more clean-up function for that trap (its failure is
#                                ignored)
#   crema_bin                    set by the script (usually with bench_bin): the binary the
#                                functions below run
#   bench_crema_env PORT DB_URL [VAR=VALUE...]
#                                sets the array crema_env: crema on 127.0.0.1:PORT, DB_URL
#                                ('' for SQLite in $tmp/crema), data and media under
#                                $tmp/crema/var, the rate limits off, CREMA_LOG_LEVEL=warn
#                                (no access log line per request), then the extra settings
#   bench_crema COMMAND [ARGS...]
#                                a one-shot `crema COMMAND` with crema_env in $tmp/crema
#                                (stdin passed on); its output goes to $tmp/COMMAND.log and
#                                is shown when it fails, which ends the script
#   bench_create_admin EMAIL PASSWORD
#                                `crema create-admin --password-stdin`
#   bench_serve                  `crema serve` with crema_env in the background (crema_pid),
#                                returns once GET /health answers 200 (fails when crema exits
#                                first, showing its log, or after 10 s); with CREMA_TLS_CERT
#                                in crema_env it asks over HTTPS (`curl -k`)
#   bench_stop_crema             SIGTERM to crema and wait for it (no-op when not running)
#   bench_http_status PORT PATH  the status code of one plain GET (bash's /dev/tcp, no curl)
#   bench_wait_ready NAME PORT [https]
#                                until GET /health on PORT answers 200
#   bench_request METHOD PATH [BODY] [TOKEN]
#                                one JSON request to crema (HTTP/1.0 over /dev/tcp); prints
#                                the body; a non-2xx answer is shown and fails
#   bench_json_field JSON FIELD  a top-level string field of a flat JSON object (sed)
#   bench_login EMAIL PASSWORD   prints the access token of POST /api/v1/auth/login
#   bench_results NAME           makes bench/results/ (not committed) and sets
#                                $raw=bench/results/NAME-YYYYMMDDTHHMMSSZ.txt

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 1
# shellcheck source=scripts/lib.sh
source "$root/scripts/lib.sh"

bench_script=$(basename "$0")
crema_bin=''
tmp=''
crema_pid=''
crema_port=''
crema_env=()
bench_exit_cmds=()

bench_fail() {
  echo "$bench_script: $*" >&2
  exit 1
}

bench_build() {
  local dir=$1 arg
  shift
  local cmake_args=() targets=()
  for arg in "$@"; do
    if [[ $arg == -D* ]]; then cmake_args+=("$arg"); else targets+=("$arg"); fi
  done
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
  export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  local gen=()
  if [[ ! -f $dir/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then gen=(-G Ninja); fi
  cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release "${cmake_args[@]}" >/dev/null
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release$' "$dir/CMakeCache.txt" ||
    bench_fail "$dir is not a Release build"
  cmake --build "$dir" --parallel "${CREMA_BUILD_JOBS:-$(nproc)}" --target "${targets[@]}"
}

bench_bin() {
  [[ -x $1 && ! -d $1 ]] || bench_fail "no executable at $1"
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# shellcheck disable=SC2317  # reached through the EXIT trap
bench_cleanup() {
  local rc=$? i
  trap - EXIT INT TERM
  bench_stop_crema
  for ((i = ${#bench_exit_cmds[@]} - 1; i >= 0; i--)); do
    "${bench_exit_cmds[$i]}" || true
  done
  [[ -n $tmp ]] && rm -rf "$tmp"
  exit "$rc"
}

bench_tmp() {
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/${1:-crema-bench}.XXXXXX")
  chmod 755 "$tmp"
  mkdir -p "$tmp/crema"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_at_exit() {
  bench_exit_cmds+=("$1")
}

bench_crema_env() {
  crema_port=$1
  local db_url=${2:-sqlite://$tmp/crema/crema.db}
  shift 2
  crema_env=("CREMA_LISTEN=127.0.0.1:$crema_port" "CREMA_DATABASE_URL=$db_url"
             "CREMA_DATA_DIR=$tmp/crema/var" "CREMA_MEDIA_DIR=$tmp/crema/var/media"
             CREMA_PUBLIC_RATE_PER_MIN=0 CREMA_USER_RATE_PER_MIN=0 CREMA_AUTH_RATE_PER_MIN=0
             CREMA_LOG_LEVEL=warn "$@")
}

bench_crema() {
  local log=$tmp/$1.log
  (cd "$tmp/crema" && exec env "${crema_env[@]}" "$crema_bin" "$@") >"$log" 2>&1 ||
    { echo "$bench_script: crema $1 failed:" >&2; cat "$log" >&2; exit 1; }
}

bench_create_admin() {
  printf '%s' "$2" | bench_crema create-admin --email "$1" --password-stdin
}

bench_http_status() {
  local line
  { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
  printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3
  IFS=' ' read -r -t 5 _ line _ <&3 || line=''
  exec 3>&-
  echo "$line"
}

bench_wait_ready() {
  local name=$1 port=$2 scheme=${3:-http} _
  for _ in $(seq 200); do
    if [[ $scheme == https ]]; then
      curl -ksf "https://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
    elif [[ $(bench_http_status "$port" /health 2>/dev/null) == 200 ]]; then
      return 0
    fi
    if [[ $name == crema ]] && ! kill -0 "$crema_pid" 2>/dev/null; then
      echo "$bench_script: crema exited:" >&2
      cat "$tmp/crema.log" >&2
      exit 1
    fi
    sleep 0.05
  done
  bench_fail "$name did not answer GET /health with 200 on port $port"
}

bench_serve() {
  (cd "$tmp/crema" && exec env "${crema_env[@]}" "$crema_bin" serve) >"$tmp/crema.log" 2>&1 &
  crema_pid=$!
  local scheme=http
  [[ " ${crema_env[*]} " == *" CREMA_TLS_CERT="* ]] && scheme=https
  bench_wait_ready crema "$crema_port" "$scheme"
}

bench_stop_crema() {
  if [[ -n $crema_pid ]]; then
    kill -TERM "$crema_pid" 2>/dev/null || true
    wait "$crema_pid" 2>/dev/null || true
    crema_pid=''
  fi
}

bench_request() {
  local method=$1 path=$2 body=${3:-} token=${4:-} response auth='' status
  [[ -n $token ]] && auth="Authorization: Bearer $token"$'\r\n'
  exec 3<>"/dev/tcp/127.0.0.1/$crema_port"
  printf '%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
    "$method" "$path" "$auth" "${#body}" "$body" >&3
  response=$(cat <&3)
  exec 3>&-
  status=${response#* }
  status=${status%% *}
  if [[ $status != 2?? ]]; then
    echo "$bench_script: $method $path answered ${status:-nothing}: ${response#*$'\r\n\r\n'}" >&2
    return 1
  fi
  printf '%s' "${response#*$'\r\n\r\n'}"
}

bench_json_field() {
  sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" <<<"$1"
}

bench_login() {
  local answer token
  answer=$(bench_request POST /api/v1/auth/login "{\"email\":\"$1\",\"password\":\"$2\"}") ||
    exit 1
  token=$(bench_json_field "$answer" token)
  [[ -n $token ]] || bench_fail "login as $1 gave no token: $answer"
  echo "$token"
}

bench_results() {
  mkdir -p "$root/bench/results"
  # shellcheck disable=SC2034  # read by the script
  raw=$root/bench/results/$1-$(date -u +%Y%m%dT%H%M%SZ).txt
}
