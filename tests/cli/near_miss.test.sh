# Near misses (doudi stats --near-miss), worked out by hand.
#
# 1. A small rule file whose category mixes `and`, `not (… or …)` and an `or`: each person's
#    near miss follows from the condition as written (see the comments by each row).
# 2. The golden population (tests/golden/forms, README "Near misses"): every category's members,
#    others and near misses, and the count under each condition, as its README works them out.
# 3. --as-of moves the people whose age crosses a threshold; without --near-miss, a usage error.
set -u
T=$TMPDIR
die() { echo "near_miss: $*"; exit 1; }

cat >"$T/r.doudi" <<'EOF'
record person "人" {
  id: text "编号" key
  a:  bool "甲"
  x:  bool "乙"
  y:  bool "丙"
  n:  int  "数"
}
category c "类" when a and not (x or y) and (n > 3 or n < 0)
EOF
# 1: only not (x or y) fails; 2: the same atom, though x and y both hold; 3: only a fails;
# 4: only the or fails — either alternative would let it in, so it counts under both;
# 5: in c; 6: a and not (x or y) fail: two conditions, no near miss.
printf 'id,a,x,y,n\n1,1,1,0,5\n2,1,1,1,5\n3,0,0,0,5\n4,1,0,0,1\n5,1,0,0,5\n6,0,1,0,5\n' >"$T/p.csv"
"$DOUDI" import --db "$T/s.db" --rules "$T/r.doudi" "$T/p.csv" >/dev/null 2>&1 || die "import"
"$DOUDI" stats "$T/r.doudi" --db "$T/s.db" --near-miss >"$T/got" 2>&1 || die "stats: $(cat "$T/got")"
cat >"$T/want" <<'EOF'
near misses: 6 persons evaluated, 0 not evaluated
c 类: 1 in it; 4 of the 5 others meet every condition but one
         1  a  (甲)
         2  not (x or y)
         1  n > 3
         1  n < 0
EOF
cmp -s "$T/want" "$T/got" || { echo "small rule file (- expected, + doudi):"; diff -u "$T/want" "$T/got"; exit 1; }

R=rules/zhengzhou-2021.doudi
G=tests/golden/forms
"$DOUDI" import --db "$T/g.db" --rules $R $G/persons.csv $G/institutions.csv >/dev/null 2>&1 || die "golden import"
"$DOUDI" stats $R --db "$T/g.db" --near-miss --format json >"$T/g.json" 2>"$T/err" || die "golden stats: $(cat "$T/err")"
/usr/bin/python3 - "$T/g.json" <<'EOF' || die "golden near misses differ from the README's"
import json, sys
got = json.load(open(sys.argv[1]))
# category: members, others, near, {condition: near} (conditions not named: 0)
want = {
    "tekun": (6, 23, 2, {"elderly": 2, "minor": 2, "disability_grade >= 1": 2}),
    "severe_disabled": (4, 25, 1, {"disability_type in {physical, intellectual, mental}": 1}),
    "chronic_illness": (3, 26, 0, {}),
    "disabled_care": (11, 18, 13, {"family_care in {heavy, none}": 13}),
    "orphan": (3, 26, 2, {"minor": 1, "guardian in {none, incapable}": 1, "de_facto_unsupported": 1}),
    "lonely_elderly": (6, 23, 3, {"not has_caretaker": 3}),
}
problems = []
if (got["as_of"], got["persons"], got["evaluated"], got["review"]) != ("2021-04-01", 29, 29, 0):
    problems.append("header %r" % {k: got[k] for k in ("as_of", "persons", "evaluated", "review")})
for c in got["categories"]:
    m, o, n, by = want[c["name"]]
    if (c["members"], c["others"], c["near"]) != (m, o, n):
        problems.append("%s: %d/%d/%d, want %d/%d/%d" % (c["name"], c["members"], c["others"], c["near"], m, o, n))
    for cond in c["conditions"]:
        if cond["near"] != by.get(cond["text"], 0):
            problems.append("%s: %s %d, want %d" % (c["name"], cond["text"], cond["near"], by.get(cond["text"], 0)))
if [c["name"] for c in got["categories"]] != list(want):
    problems.append("categories %s" % [c["name"] for c in got["categories"]])
print("\n".join(problems))
sys.exit(1 if problems else 0)
EOF

# a day later B07 (born 1961-04-02) is 60: a tekun; A16 alone stays one condition short
"$DOUDI" stats $R --db "$T/g.db" --near-miss --as-of 2021-04-02 >"$T/got" 2>&1 || die "--as-of: $(cat "$T/got")"
grep -q "^tekun 特困供养人员: 7 in it; 1 of the 22 others meet every condition but one$" "$T/got" ||
  die "--as-of 2021-04-02: $(sed -n 2p "$T/got")"
"$DOUDI" stats $R --db "$T/g.db" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "near-miss" "$T/err" || die "stats without --near-miss: $(cat "$T/err")"
exit 0
