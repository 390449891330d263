# The README's five-minute tour works as written: its `doudi eval` example (the command as the
# README prints it, run from the top of the tree with ./doudi replaced by the doudi under
# test) evaluates its record — an elderly 特困供养人员 who can look after himself — to the
# outcome INTERPRETATION §3–4 gives: tekun, placed in a village courtyard (self_care full).
set -u
d=$TMPDIR
die() { echo "readme: $*"; exit 1; }
awk '/^\.\/doudi eval /{f=1} f{print} f&&/'"'"'$/{exit}' README.md >"$d/eval.sh"
[ -s "$d/eval.sh" ] || die "no eval example in README.md"
sed -i "s|^\./doudi |\"\$DOUDI\" |" "$d/eval.sh"
sh "$d/eval.sh" >"$d/out" 2>&1 || die "the README's eval example fails: $(cat "$d/out")"
head -1 "$d/out" | grep -qx 'outcome: categories=tekun primary=tekun placement=village_courtyard' ||
  die "the README's eval example: $(head -1 "$d/out")"
exit 0
