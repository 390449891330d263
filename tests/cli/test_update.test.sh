# `doudi test --update`: after a rule change, the expected values it moved are rewritten in place
# (only those bytes: comments, spacing and alignment stay), each shown as FILE:LINE: KEY: OLD →
# NEW; a test with an expectation that is no value (an actual `none`) is named and left whole;
# the tests then pass on the rewritten file (the round trip); a kill before the rename leaves
# the file as it was. The fixture's expected rewrites are worked out by hand from the change.
set -u
die() { echo "$*"; exit 1; }
d=$TMPDIR
fx=tests/fixtures/edits/moved.doudi
"$DOUDI" test "$fx" >"$d/out" 2>&1 || { cat "$d/out"; die "the fixture's own tests fail"; }

# the change: score ×3 (100 × … 600 → 1800), cut ×3 (10% → 0.3), band renamed (with quotes to
# escape), old from 65 (the person born 1958 stops being a target), poor needs only dibao
sed -e 's/income \* 2/income * 3/' -e 's/share \* 2/share * 3/' -e 's/then "elderly"/then "senior \\"65\\""/' \
    -e 's/age >= 60/age >= 65/' -e 's/dibao and income < 500/dibao/' "$fx" >"$d/new.doudi"
cp "$d/new.doudi" "$d/changed.doudi"
"$DOUDI" test "$d/new.doudi" --update >"$d/out" 2>"$d/err"
st=$?
[ $st -eq 1 ] || { cat "$d/out" "$d/err"; die "--update: expected exit 1 (one test cannot be rewritten), got $st"; }
cat >"$d/want.lines" <<END
$d/new.doudi:36: test "not a target any more" not rewritten: case 1: primary: expected old, actual none, which is no value to write
$d/new.doudi:27: score: 1200 → 1800
$d/new.doudi:28: cut: 20% → 0.3
$d/new.doudi:29: band: "elderly" → "senior \\"65\\""
$d/new.doudi:30: categories: {old} → {old, poor}
updated 4 expected values in $d/new.doudi
END
head -n 6 "$d/out" | cmp -s - "$d/want.lines" || { diff "$d/want.lines" "$d/out"; die "--update: the changes shown"; }
grep -qx 'ok   values' "$d/out" || die "the report is not that of the rewritten file"
grep -qx 'FAIL not a target any more' "$d/out" || die "the test left as it is should still fail"
tail -n 1 "$d/out" | grep -qx '2 passed, 1 failed' || die "last line: $(tail -n 1 "$d/out")"

# only the four values changed; the comments and the alignment are intact
diff "$d/changed.doudi" "$d/new.doudi" >"$d/diff"
cat >"$d/want.diff" <<'END'
27,30c27,30
<     score:      1200     # and this one
<     cut:        20%
<     band:       "elderly"
<     categories: {old}
---
>     score:      1800     # and this one
>     cut:        0.3
>     band:       "senior \"65\""
>     categories: {old, poor}
END
cmp -s "$d/diff" "$d/want.diff" || { diff "$d/want.diff" "$d/diff"; die "--update changed more or less than the 4 values"; }
grep -qx '    # the comment inside stays' "$d/new.doudi" || die "a comment was lost"

# the round trip: the test that could not be rewritten removed by hand, the rest passes as rewritten
sed '/^test "not a target any more"/,/^}/d' "$d/changed.doudi" >"$d/rt.doudi"
"$DOUDI" test --update "$d/rt.doudi" >"$d/out" 2>&1 || { cat "$d/out"; die "round trip: tests fail after --update"; }
"$DOUDI" test "$d/rt.doudi" >"$d/out" 2>&1 || { cat "$d/out"; die "round trip: plain test fails after --update"; }
tail -n 1 "$d/out" | grep -qx '2 passed, 0 failed' || die "round trip: last line $(tail -n 1 "$d/out")"
# nothing moved: nothing is written
cp "$d/rt.doudi" "$d/rt.saved"
"$DOUDI" test --update "$d/rt.doudi" >"$d/out" 2>&1 || die "--update of a passing file"
grep -q 'updated' "$d/out" && die "--update of a passing file said it updated something"
cmp -s "$d/rt.doudi" "$d/rt.saved" || die "--update of a passing file changed it"

# killed just before the rename: the old text is whole
cp "$d/changed.doudi" "$d/crash.doudi"
DOUDI_CRASH_AT=test.before-rename "$DOUDI" test --update "$d/crash.doudi" >/dev/null 2>&1
st=$?
[ $st -eq 137 ] || die "expected the crash point to kill test --update (137), got $st"
cmp -s "$d/crash.doudi" "$d/changed.doudi" || die "a crash before the rename changed the file"

# the Zhengzhou file: 3 lost abilities become 'none'; the moved expectations are rewritten and
# every test passes again
sed 's/adl_lost <= 3/adl_lost <= 2/' rules/zhengzhou-2021.doudi >"$d/z.doudi"
"$DOUDI" test --update "$d/z.doudi" >"$d/out" 2>&1 || { cat "$d/out"; die "zhengzhou: tests fail after --update"; }
[ "$(grep -c ': care: township_home → welfare_institution$' "$d/out")" -eq 3 ] || { cat "$d/out"; die "zhengzhou: 3 care moves"; }
grep -q ': self_care: partial → none$' "$d/out" || die "zhengzhou: self_care"
grep -qx "updated 4 expected values in $d/z.doudi" "$d/out" || die "zhengzhou: count"

# in Chinese, with every message catalogued
cp "$d/changed.doudi" "$d/zh.doudi"
DOUDI_MSG_STRICT=1 "$DOUDI" --lang zh test --update "$d/zh.doudi" >"$d/out" 2>&1
[ $? -eq 1 ] || { cat "$d/out"; die "zh: expected exit 1"; }
grep -q "已更新 4 个期望值：$d/zh.doudi" "$d/out" || { cat "$d/out"; die "zh: count line"; }
grep -q '未改写' "$d/out" || die "zh: the untouched test"
exit 0
