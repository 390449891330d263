# Privacy by default: resident ids are masked in every human-facing output — eval's
# explanation and errors, import's review lines, explain — and so is the birth date an id
# encodes (the very digits the mask hides); --show-ids shows them. The review table and the
# results file, which are data, keep ids whole.
set -u
R=rules/zhengzhou-2021.doudi
d=$TMPDIR
die() { echo "privacy: $*"; exit 1; }
ID=410122195003071238
REC="id=$ID,county=410122,birth_date=1950-03-07,sex=male,dibao=no,low_income=no,registered_poor=no,labor_capacity=none,income_source=no,supporter=none,disability_type=none,disability_grade=0,chronic_severe=no,family_can_bear=no,severe_mental=no,adl_eat=yes,adl_dress=yes,adl_bed=yes,adl_toilet=yes,adl_walk=yes,adl_bathe=yes,family_care=adequate,guardian=capable,de_facto_unsupported=no,has_caretaker=yes,home_caregiver=no,home_same_food=no,home_same_housing=no,home_medical=no,home_activity_space=no,home_heating_cooling=no,home_pocket_money=no,wants_central=yes"

# eval: masked by default, whole with --show-ids
"$DOUDI" eval $R --record "$REC" >"$d/out" 2>&1 || die "eval: $(cat "$d/out")"
grep -q "$ID" "$d/out" && die "eval shows the full id"
grep -q "410122\*\*\*\*\*\*\*\*1238" "$d/out" || die "eval: no masked id in: $(head -5 "$d/out")"
grep -q "1950-03-07" "$d/out" && die "eval shows the birth date the id encodes"
"$DOUDI" eval $R --record "$REC" --show-ids >"$d/out" 2>&1 || die "eval --show-ids"
grep -q "$ID" "$d/out" || die "eval --show-ids hides the id"
# an error that names the record
"$DOUDI" eval $R --record "$REC,disability_grade=9" >"$d/out" 2>"$d/err"
grep -q "$ID" "$d/err" && die "eval's error shows the full id: $(cat "$d/err")"

# import: a duplicate id's line on stderr is masked; the review table keeps the row whole
"$DOUDI" gen --count 50 --seed 3 --out "$d/pop" >/dev/null || die "gen"
first=$(sed -n 2p "$d/pop/persons.csv")
dup=$(printf '%s' "$first" | cut -d, -f1)
{ cat "$d/pop/persons.csv"; echo "$first"; } >"$d/dup.csv"
"$DOUDI" import --db "$d/l.db" --rules $R "$d/dup.csv" >/dev/null 2>"$d/err"
[ $? -eq 1 ] || die "import with a duplicate: expected exit 1"
grep -q "duplicate id" "$d/err" || die "import: no duplicate reported: $(cat "$d/err")"
grep -q "$dup" "$d/err" && die "import's review line shows the full id: $(cat "$d/err")"
python3 -c 'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute("SELECT raw FROM doudi_review").fetchone()[0]; sys.exit(0 if sys.argv[2] in r else 1)' \
  "$d/l.db" "$dup" || die "the review table lost the row's id"

# explain: the id and its birth date masked
"$DOUDI" run $R --db "$d/l.db" >/dev/null 2>&1
"$DOUDI" explain $R --db "$d/l.db" --id "$dup" >"$d/out" 2>&1 || die "explain: $(cat "$d/out")"
grep -q "$dup" "$d/out" && die "explain shows the full id"
exit 0
