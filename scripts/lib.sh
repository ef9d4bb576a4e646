# shellcheck shell=bash
# Helpers shared by scripts/*.sh and bench/*.sh. Source it; it does nothing by itself.

# Colour only for a person at a terminal: not in CI (CI=true), not when NO_COLOR is set.
# shellcheck disable=SC2034  # the colours are used by the scripts that source this file
if [[ -t 1 && ${CI:-} != true && -z ${NO_COLOR:-} ]]; then
  c_bold=$'\e[1m' c_red=$'\e[31m' c_green=$'\e[32m' c_off=$'\e[0m'
else
  c_bold='' c_red='' c_green='' c_off=''
fi

# 75 → "1m15s"
fmt_secs() {
  local s=$1
  if (( s >= 60 )); then printf '%dm%02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# True when something on this machine already uses TCP port $1 (listening or connected).
port_in_use() {
  local port=$1
  if command -v ss >/dev/null 2>&1; then
    [[ -n $(ss -Htan "( sport = :$port )" 2>/dev/null) ]]
  else
    # No iproute2: a successful connect means a listener is there.
    (: <>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# Prints a TCP port that is free right now, picked at random in 20000–32767 (below Linux's
# ephemeral range, so outgoing connections don't take it meanwhile). Needs nothing but bash
# (and `ss` when present). A caller that loses a race for it should just ask again.
free_port() {
  local port _
  for _ in $(seq 200); do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 12768))
    port_in_use "$port" || { echo "$port"; return 0; }
  done
  echo "free_port: no free port found" >&2
  return 1
}

# help_or_no_args SCRIPT ARGS...: for scripts configured by the environment only. -h/--help
# prints the script's leading comment block (without the shebang) and exits 0; any other
# argument is refused with exit 2.
help_or_no_args() {
  local script=$1
  shift
  case ${1:-} in
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$script"; exit 0 ;;
    '') ;;
    *) echo "$(basename "$script"): takes no arguments (see --help)" >&2; exit 2 ;;
  esac
}
