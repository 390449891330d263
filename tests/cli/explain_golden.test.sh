# Explanations for people (issue 14), golden in English and Chinese: a tekun, the scheduled
# person at the 2023 cut-off of a group of three, a home-care person and a non-target one
# condition short of tekun, explained at the run's as_of (2022-06-01, not the rules' default).
# The expected texts in tests/golden/explain/ were written by hand from
# rules/zhengzhou-2021.doudi and tests/fixtures/explain/persons.csv (see its README); the test
# compares the explanation's people part: everything before the rule-by-rule trace.
set -u
R=rules/zhengzhou-2021.doudi
G=tests/golden/explain
d=$TMPDIR
die() { echo "explain_golden: $*"; exit 1; }
"$DOUDI" import --db "$d/l.db" --rules $R tests/fixtures/explain/persons.csv >/dev/null || die "import"
"$DOUDI" run $R --db "$d/l.db" --as-of 2022-06-01 >/dev/null || die "run"

people() { sed '/^$/,$d'; }   # the part before the blank line that opens the rule-by-rule trace
for case in tekun:410122195003070016 cutoff-2023:410122196605050017 home:41012219451120002X \
            near-tekun:410122196104010017; do
    name=${case%%:*}
    id=${case#*:}
    for lang in en zh; do
        DOUDI_MSG_STRICT=1 "$DOUDI" explain $R --db "$d/l.db" --id "$id" --lang $lang >"$d/out" 2>&1 || die "$name $lang: $(cat "$d/out")"
        people <"$d/out" >"$d/people"
        diff -u "$G/$name.$lang.txt" "$d/people" >"$d/diff" || die "$name ($lang) differs: $(cat "$d/diff")"
        grep -q '^The rules, condition by condition:$\|^逐条规则求值：$' "$d/out" || die "$name $lang: no rule-by-rule part"
    done
done

# JSON carries the same: the verdict, the year with group, rank of N, keys, quotas and cut-offs
"$DOUDI" explain $R --db "$d/l.db" --id 410122196605050017 --format json --show-ids >"$d/cut.json" || die "json"
"$DOUDI" explain $R --db "$d/l.db" --id 410122196104010017 --format json --lang zh >"$d/near.json" || die "json near"
python3 - "$d/cut.json" "$d/near.json" <<'PY' || die "json: $(head -c 400 "$d/cut.json")"
import json, sys
j = json.load(open(sys.argv[1]))
e = j["explanation"]
assert e["verdict"] == "A target as 重症慢性病人员 (chronic_illness), in centralized care at 医疗康复机构 (medical_rehab), placed in 2023", e["verdict"]
y = e["year"]
assert y["year"] == 2023 and y["rank"] == 3 and y["n"] == 3 and y["partition"] == "410122" and y["rank_stored"], y
assert y["group"]["categories"] == ["chronic_illness"] and y["group"]["line"] == 158, y["group"]
assert [k["name"] for k in y["keys"]] == ["adl_lost", "category_count", "age", "id"], y["keys"]
assert [k["value"] for k in y["keys"]] == [1, 1, 56, "410122196605050017"], y["keys"]
assert [(r["year"], r["quota"]) for r in y["years"]] == [(2021, 1), (2022, 2), (2023, 3)], y["years"]
assert y["years"][0]["cutoff"] == {"key": "410122198009100056", "keys": ["3", "1", "41", "410122198009100056"]}, y["years"][0]
assert y["years"][2]["cutoff"]["key"] == "410122196605050017", y["years"][2]
cats = {c["name"]: c for c in e["people"]}
assert cats["chronic_illness"]["holds"] and cats["chronic_illness"]["cite"] == "三、(三)" and cats["chronic_illness"]["line"] == 125
assert cats["tekun"]["short"] == 4 and cats["disabled_care"]["short"] == 1, cats
fc = [c for c in cats["disabled_care"]["conditions"] if c["text"] == "family_care in {heavy, none}"][0]
assert fc["holds"] is False and fc["values"] == [{"name": "family_care", "label": "家庭照料能力", "value": "adequate", "shown": "充足 (adequate)"}], fc
assert e["nearest"] is None and e["care"]["name"] == "medical_rehab" and e["care"]["line"] == 141, e["care"]
n = json.load(open(sys.argv[2]))["explanation"]
assert n["verdict"] == "不属于保障对象：不符合任何一类人员的条件；最接近的是特困供养人员，差1项条件", n["verdict"]
assert n["nearest"]["name"] == "tekun" and n["nearest"]["short"] == 1, n["nearest"]
assert [c["text"] for c in n["nearest"]["change"]] == ["supporter in {none, unable}"], n["nearest"]
assert n["nearest"]["change"][0]["shown"] == "法定义务人 属于 {无, 无履行能力}", n["nearest"]
assert n["year"] is None and n["care"] is None, n
PY

# eval shares the renderer: the same verdict, the year left to a run
rec=$(python3 - <<'PY'
import csv
rows = list(csv.DictReader(open("tests/fixtures/explain/persons.csv", encoding="utf-8")))
r = [r for r in rows if r["id"] == "410122196605050017"][0]
print(",".join(f"{k}={v}" for k, v in r.items() if v != ""))
PY
)
"$DOUDI" eval $R --as-of 2022-06-01 --record "$rec" --lang zh >"$d/eval" 2>&1 || die "eval: $(cat "$d/eval")"
grep -qx '属于重症慢性病人员，集中供养于医疗康复机构（年度须对全部人员运行后排定）' "$d/eval" || die "eval verdict: $(head -3 "$d/eval")"
grep -qx '    ✓ 非 家庭可负担（家庭可负担 = 否）' "$d/eval" || die "eval conditions: $(cat "$d/eval")"

# a ledger of format 1 (before the rank was stored): upgraded when opened for writing; its old
# run is explained with the rank said to be missing, and a new run stores it
cp "$d/l.db" "$d/old.db"
sql() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); r = c.executescript(sys.argv[2]) if ";" in sys.argv[2] else c.execute(sys.argv[2]).fetchone(); print(r[0] if isinstance(r, tuple) else ""); c.commit()' "$@"; }
# format 1's schema is format 2's without the schedule table and the three columns
sql "$d/old.db" "DROP TABLE doudi_schedule_years; ALTER TABLE doudi_results DROP COLUMN sched_rank;
  ALTER TABLE doudi_results DROP COLUMN sched_group; ALTER TABLE doudi_results DROP COLUMN sched_partition;
  PRAGMA user_version = 1;" >/dev/null || die "making a format-1 ledger"
[ "$(sql "$d/old.db" 'PRAGMA user_version')" = 1 ] || die "the ledger was not made format 1"
"$DOUDI" explain $R --db "$d/old.db" --id 410122196605050017 >"$d/out" 2>&1 || die "explain of format 1: $(cat "$d/out")"
[ "$(sql "$d/old.db" 'PRAGMA user_version')" = 2 ] || die "format 1 not upgraded"
grep -qx 'A target as 重症慢性病人员 (chronic_illness), in centralized care at 医疗康复机构 (medical_rehab), placed in 2023' "$d/out" ||
  die "old run: verdict: $(head -4 "$d/out")"
grep -qx '  the run did not store the rank (it was made before ledger format 2)' "$d/out" || die "old run: $(cat "$d/out")"
grep -q '^  ordered by: 丧失的日常生活能力项数 (adl_lost) = 1 (high first)' "$d/out" || die "old run: no keys"
"$DOUDI" run $R --db "$d/old.db" --as-of 2022-06-01 >/dev/null || die "run on the upgraded ledger"
"$DOUDI" explain $R --db "$d/old.db" --id 410122196605050017 >"$d/out" 2>&1 || die "explain run 2"
grep -qx '  区县代码 (county) = 中牟县 410122, rank 3 of 3' "$d/out" || die "run 2 did not store the rank: $(cat "$d/out")"
exit 0
