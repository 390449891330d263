# `doudi fmt --check`: silent and 0 for a canonical file; for one that is not, what differs,
# line by line on stderr (byte order mark, CR LF, trailing spaces, spacing, full-width
# punctuation, blank lines, lines fmt joins), then a line naming the file, and exit 1. A file
# with syntax errors: its diagnostics and 1; an unreadable one: 2. The expected text is worked
# out from the file below and the layout rules of docs/language.md §4.6.
set -u
f=$TMPDIR/messy.doudi
# line 12 has no line end; lines 1–11 end with CR LF
printf '\357\273\277policy "测试" source "无"\r\n\r\nrecord person "人员" {  \r\n  id: text "身份证号" key\r\n  age:int "年龄"\r\n}\r\n\r\n\r\ncategory a "甲" when （age ＞＝ 60）\r\ncategory b “乙” when age < 10\r\nlet x = 1 +\r\n  2' >"$f"
"$DOUDI" fmt --check "$f" >"$TMPDIR/out" 2>"$TMPDIR/err"
status=$?
[ "$status" -eq 1 ] || { echo "expected exit 1, got $status"; cat "$TMPDIR/err"; exit 1; }
[ -s "$TMPDIR/out" ] && { echo "stdout should be empty:"; cat "$TMPDIR/out"; exit 1; }
cat >"$TMPDIR/want" <<WANT
$f:1: byte order mark (fmt removes it)
$f:1: line ends with CR LF (Windows), as 11 lines do; fmt writes LF
$f:3: trailing spaces
$f:4: spacing: fmt writes:
      id:  text "身份证号" key
$f:5: spacing: fmt writes:
      age: int  "年龄"
$f:8: extra blank line
$f:9: full-width '（', '＞', '＝', '）'; fmt writes:
    category a "甲" when age >= 60
$f:10: full-width '“', '”'; fmt writes:
    category b "乙" when age < 10
$f:11: layout: fmt writes:
    let x = 1 + 2
$f:12: no line end after the last line
$f:12: fmt joins this line to the one before
$f: not in canonical form (doudi fmt -w $f rewrites it)
WANT
diff -u "$TMPDIR/want" "$TMPDIR/err" || { echo "--check output differs"; exit 1; }

# a canonical file: nothing at all, exit 0
"$DOUDI" fmt rules/zhengzhou-2021.doudi >"$TMPDIR/canon.doudi" 2>/dev/null
"$DOUDI" fmt --check "$TMPDIR/canon.doudi" rules/zhengzhou-2021.doudi >"$TMPDIR/out" 2>"$TMPDIR/err"
[ $? -eq 0 ] || { echo "a canonical file should pass"; cat "$TMPDIR/err"; exit 1; }
[ -s "$TMPDIR/out" ] || [ -s "$TMPDIR/err" ] && { echo "a canonical file should print nothing"; exit 1; }

# an added blank line and a missing one
printf 'let a = 1\n\n\n\nlet b = 2\nlet c = 3\n# note\nlet d = 4\n' >"$f"
"$DOUDI" fmt --check "$f" 2>"$TMPDIR/err"
[ $? -eq 1 ] || { echo "blank lines: expected exit 1"; exit 1; }
cat >"$TMPDIR/want" <<WANT
$f:3: extra blank line
$f:4: extra blank line
$f: not in canonical form (doudi fmt -w $f rewrites it)
WANT
diff -u "$TMPDIR/want" "$TMPDIR/err" || { echo "blank lines: output differs"; exit 1; }

# syntax errors: the diagnostics, exit 1; an unreadable file: exit 2
printf 'let a = (1 +\nlet b = 2\n' >"$f"
"$DOUDI" fmt --check "$f" 2>"$TMPDIR/err"
[ $? -eq 1 ] || { echo "syntax error: expected exit 1"; exit 1; }
grep -q "^$f:1:9: error: this '(' is never closed" "$TMPDIR/err" || { echo "syntax error not shown:"; cat "$TMPDIR/err"; exit 1; }
"$DOUDI" fmt --check "$TMPDIR/no-such.doudi" 2>/dev/null
[ $? -eq 2 ] || { echo "unreadable: expected exit 2"; exit 1; }
exit 0
