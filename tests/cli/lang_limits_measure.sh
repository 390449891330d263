# Times `doudi check` and `doudi compile` on the big generated rule files of lang_limits.test.sh
# for two builds of doudi, in one run (so the ratios compare like with like on a shared
# machine). Not part of `make test`: the 50 MB file alone takes minutes with a linear checker
# and does not finish with a quadratic one.
#
#   sh tests/cli/lang_limits_measure.sh OLD_DOUDI NEW_DOUDI [LIMIT_SECONDS]
#
# Each line: input, verb, then for each build the wall time, the CPU time (user + system),
# the peak memory and how it ended (exit status; "stopped" past LIMIT_SECONDS, 300 by default;
# "crashed" on a signal). A run that was stopped or crashed has no ratio.
set -u
old=${1:?usage: lang_limits_measure.sh OLD_DOUDI NEW_DOUDI [LIMIT_SECONDS]}
new=${2:?usage: lang_limits_measure.sh OLD_DOUDI NEW_DOUDI [LIMIT_SECONDS]}
limit=${3:-300}
here=$(cd "$(dirname "$0")" && pwd)
T=${TMPDIR:-/tmp}/lang-limits-measure.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT

# one run: prints "WALL CPU MAXKB END"
one() {
  bin=$1 verb=$2 file=$3
  if [ "$verb" = compile ]; then set -- "$bin" compile "$file" -o "$T/out.ddc"; else set -- "$bin" check "$file"; fi
  /usr/bin/time -f '%e %U %S %M' -o "$T/time" timeout "$limit" "$@" >/dev/null 2>"$T/err"
  status=$?
  # GNU time puts "Command exited with non-zero status N" before its line
  read -r wall user sys kb <<EOF
$(tail -n 1 "$T/time")
EOF
  case $status in
    124) end=stopped ;;
    0|1) end="exit $status" ;;
    *) end=crashed ;;
  esac
  echo "$wall $(echo "$user + $sys" | bc) $kb $end" | sed 's/ exit / exit_/'
}

measure() {
  name=$1 file=$2
  size=$(wc -c <"$file")
  for verb in check compile; do
    a=$(one "$old" $verb "$file")
    b=$(one "$new" $verb "$file")
    set -- $a $b
    if [ "$4" = exit_0 ] || [ "$4" = exit_1 ]; then
      ratio=$(echo "scale=1; $2 / ($6 + 0.005)" | bc)x
    else
      ratio=-
    fi
    printf '%-28s %-8s old %7ss %7ss cpu %8sKB %-8s | new %7ss %7ss cpu %8sKB %-8s | cpu ratio %s\n' \
      "$name ($((size / 1000000)) MB)" $verb "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$ratio"
  done
}

gen() { sh "$here/lang_limits.test.sh" gen "$@"; }

for n in 10000 20000 40000; do
  gen lets $n >"$T/in.doudi"
  measure "$n lets" "$T/in.doudi"
done
gen lets 1450000 >"$T/in.doudi"
measure "1,450,000 lets" "$T/in.doudi"
gen fields 70000 >"$T/in.doudi"
measure "70,000 fields" "$T/in.doudi"
gen plus 50000 >"$T/in.doudi"
measure "50,000-term + chain" "$T/in.doudi"
gen and 100000 >"$T/in.doudi"
measure "100,000-term and chain" "$T/in.doudi"
