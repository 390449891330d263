#!/bin/sh
# tests/cli/run.sh — the command-line tests (POSIX sh).
#
#   DOUDI=build/doudi sh tests/cli/run.sh [CASE...]
#
# `make test` runs it with DOUDI=build/doudi (build/san/doudi under SAN=1). A relative DOUDI is
# taken from the directory the script is started in; the cases themselves run from the top of
# the tree, so the paths in diagnostics read `tests/bad/NAME.doudi`. Two kinds of case:
#
#   tests/bad/NAME.doudi    `$DOUDI check tests/bad/NAME.doudi`: its stderr must equal
#                           tests/bad/NAME.expected byte for byte, and its exit status the number in
#                           tests/bad/NAME.status (1 when there is no such file). A closing summary
#                           line `tests/bad/NAME.doudi: N errors, ...` is not part of the contract
#                           and is dropped before comparing. Write .expected files by hand.
#   tests/cli/NAME.test.sh  any other CLI test: run with sh from the top of the tree, DOUDI in its
#                           environment and a scratch directory in TMPDIR; it passes by exiting 0.
#
# Give case files as arguments to run only those. One line per case, `ok` or `FAIL` (with a
# diff or the script's output), then a last line `N passed, N failed`; the exit status is 1 when
# a case failed, 2 when the binary is missing.

set -u
top=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
DOUDI=${DOUDI:-build/doudi}
case $DOUDI in
  /*) ;;
  */*) DOUDI=$(pwd)/$DOUDI ;;
esac
cd "$top" || exit 2
if ! command -v "$DOUDI" >/dev/null 2>&1; then
  echo "run.sh: no doudi binary at '$DOUDI' (build it, or set DOUDI)" >&2
  exit 2
fi
export DOUDI
# The cases expect English whatever the machine's locale; a case that wants Chinese says so
# (DOUDI_LANG= LANG=zh_CN.UTF-8, or --lang zh).
DOUDI_LANG=en
export DOUDI_LANG

scratch=$(mktemp -d "${TMPDIR:-/tmp}/doudi-cli.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' INT TERM

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1: $2"; }

# Indent a file's lines under a FAIL line.
show() { sed 's/^/    /' "$1"; }

# tests/bad/NAME.doudi: stderr and exit status of `doudi check`.
run_bad() {
  src=$1
  base=${src%.doudi}
  if [ ! -f "$base.expected" ]; then
    fail "$src" "no $base.expected"
    return
  fi
  want_status=1
  if [ -f "$base.status" ]; then read -r want_status <"$base.status"; fi
  "$DOUDI" check "$src" </dev/null >"$scratch/stdout" 2>"$scratch/stderr"
  status=$?
  # drop a summary line "SRC: 3 errors, 1 warning" (diagnostic lines read "SRC:LINE:COL:")
  awk -v p="$src: " 'index($0, p) == 1 && substr($0, length(p) + 1, 1) ~ /[0-9]/ { next } { print }' \
    "$scratch/stderr" >"$scratch/stderr.cut"
  if cmp -s "$base.expected" "$scratch/stderr"; then
    same=yes
  elif ! cmp -s "$scratch/stderr" "$scratch/stderr.cut" && cmp -s "$base.expected" "$scratch/stderr.cut"; then
    same=yes
  else
    same=no
  fi
  if [ "$same" = yes ] && [ "$status" = "$want_status" ]; then
    pass "$src"
    return
  fi
  if [ "$status" != "$want_status" ]; then
    fail "$src" "exit status $status, want $want_status"
  else
    fail "$src" "stderr differs from $base.expected"
  fi
  diff -u "$base.expected" "$scratch/stderr" | sed 's/^/    /'
}

# tests/cli/NAME.test.sh: passes when it exits 0.
run_script() {
  rm -rf "$scratch/tmp" && mkdir "$scratch/tmp"
  TMPDIR=$scratch/tmp sh "$1" </dev/null >"$scratch/out" 2>&1
  status=$?
  if [ "$status" -eq 0 ]; then
    pass "$1"
  else
    fail "$1" "exit status $status"
    show "$scratch/out"
  fi
}

run_case() {
  case $1 in
    *.doudi) run_bad "$1" ;;
    *.test.sh) run_script "$1" ;;
    *) fail "$1" "not a case (tests/bad/*.doudi or tests/cli/*.test.sh)" ;;
  esac
}

if [ $# -gt 0 ]; then
  for c in "$@"; do run_case "$c"; done
else
  for c in tests/bad/*.doudi tests/cli/*.test.sh; do
    [ -e "$c" ] || continue        # a glob that matched nothing
    run_case "$c"
  done
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
