#!/bin/sh
# tests/bench/nearmiss_ratio.sh — what near misses cost, as a ratio against `doudi run` on the
# same ledger (docs/performance.md, "Near misses"). Not part of `make test`: it times things.
#
#   sh tests/bench/nearmiss_ratio.sh [N]        (N persons, default 100000; DOUDI=build/doudi)
#
# Generates N persons (seed 1), imports them, then times, alternately and REPS times each, a
# `doudi run` (every person evaluated, scheduled and counted, the results stored) into a fresh
# copy of the imported ledger, and `doudi stats --near-miss` (every person evaluated traced,
# then probed) over it. Prints the medians and speed(near-miss) / speed(run) = t(run) / t(stats);
# the goal is at least 0.5.
set -eu
N=${1:-100000}
REPS=${REPS:-5}
DOUDI=${DOUDI:-build/doudi}
R=rules/zhengzhou-2021.doudi
T=$(mktemp -d "${TMPDIR:-/tmp}/nearmiss-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT

"$DOUDI" gen --count "$N" --seed 1 --out "$T/pop" >/dev/null
"$DOUDI" import --db "$T/base.db" --rules $R "$T/pop/persons.csv" "$T/pop/institutions.csv" >/dev/null

seconds() {   # the wall time of "$@", in seconds
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN { printf "%.6f\n", b - a }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$T/run.t"
: >"$T/stats.t"
i=0
while [ $i -lt "$REPS" ]; do
  cp "$T/base.db" "$T/run.db"
  seconds "$DOUDI" run $R --db "$T/run.db" >>"$T/run.t"
  seconds "$DOUDI" stats $R --db "$T/base.db" --near-miss >>"$T/stats.t"
  i=$((i + 1))
done
run=$(median <"$T/run.t")
stats=$(median <"$T/stats.t")
printf 'persons %s, medians of %s\n' "$N" "$REPS"
printf 'doudi run:                %.3f s\n' "$run"
printf 'doudi stats --near-miss:  %.3f s\n' "$stats"
awk -v r="$run" -v s="$stats" 'BEGIN { printf "speed ratio (near-miss / run): %.2f (goal: at least 0.50)\n", r / s }'
