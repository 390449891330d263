# `doudi fmt -w FILE...`: rewrites each file not in canonical form in place, keeping its mode,
# names it on stdout, leaves canonical files and files with syntax errors untouched, follows a
# symbolic link to its file, and is atomic: killed before its rename (crash point
# fmt.before-rename) it leaves the old file whole.
set -u
dir=$TMPDIR/w
mkdir "$dir"
f=$dir/ime.doudi
cp tests/bad/ime-accepted.doudi "$f"
chmod 640 "$f"
"$DOUDI" fmt rules/zhengzhou-2021.doudi >"$dir/canon.doudi" 2>/dev/null
cp "$dir/canon.doudi" "$TMPDIR/canon.before"

"$DOUDI" fmt -w "$f" "$dir/canon.doudi" >"$TMPDIR/out" 2>"$TMPDIR/err"
status=$?
[ "$status" -eq 0 ] || { echo "expected exit 0, got $status"; cat "$TMPDIR/err"; exit 1; }
[ "$(cat "$TMPDIR/out")" = "formatted $f" ] || { echo "stdout: $(cat "$TMPDIR/out")"; exit 1; }
[ -s "$TMPDIR/err" ] && { echo "stderr should be empty:"; cat "$TMPDIR/err"; exit 1; }
# the canonical form of tests/bad/ime-accepted.doudi: ASCII outside strings, aligned blocks
cat >"$TMPDIR/want" <<'WANT'
# What a Chinese input method types for ASCII is read as ASCII, one warning per run, and
# `doudi fmt` writes the ASCII; inside strings it stays as typed.
enum support_kind {
  none   "无"
  unable "无履行能力"
  able   "有履行能力"
}

record person "人员" {
  id:      text         "身份证号"     key
  age:     int          "年龄（周岁）" in 0..120
  support: support_kind "法定义务人"
}

param weights: int by support_kind = {none: 1, unable: 2, able: 3}

category elderly "老年人" when age >= 65 and support != able
category minor "未成年人" when age <= 17 and support in {none, unable} and weights[support] != 3
WANT
diff -u "$TMPDIR/want" "$f" || { echo "rewritten text differs"; exit 1; }
[ "$(stat -c %a "$f")" = 640 ] || { echo "mode not kept: $(stat -c %a "$f")"; exit 1; }
cmp -s "$TMPDIR/canon.before" "$dir/canon.doudi" || { echo "a canonical file was changed"; exit 1; }
[ "$(ls -A "$dir" | wc -l)" -eq 2 ] || { echo "files left behind:"; ls -A "$dir"; exit 1; }
"$DOUDI" fmt --check "$f" || { echo "the rewritten file is not canonical"; exit 1; }
"$DOUDI" check "$f" 2>"$TMPDIR/err" || { echo "the rewritten file does not check"; exit 1; }
[ -s "$TMPDIR/err" ] && { echo "the rewritten file still warns:"; cat "$TMPDIR/err"; exit 1; }

# syntax errors: nothing written, the diagnostics, exit 1
bad=$dir/bad.doudi
printf 'let a = （1 +\nlet b = 2\n' >"$bad"
cp "$bad" "$TMPDIR/bad.before"
"$DOUDI" fmt -w "$bad" >"$TMPDIR/out" 2>"$TMPDIR/err"
[ $? -eq 1 ] || { echo "syntax error: expected exit 1"; exit 1; }
cmp -s "$TMPDIR/bad.before" "$bad" || { echo "a file with syntax errors was rewritten"; exit 1; }
[ -s "$TMPDIR/out" ] && { echo "syntax error: stdout should be empty"; exit 1; }
grep -q "error: this '（' is never closed" "$TMPDIR/err" || { echo "no diagnostic:"; cat "$TMPDIR/err"; exit 1; }

# a symbolic link: the file it points to is rewritten, the link stays a link
printf 'let a =1\n' >"$dir/target.doudi"
ln -s target.doudi "$dir/link.doudi"
"$DOUDI" fmt -w "$dir/link.doudi" >/dev/null || { echo "link: expected exit 0"; exit 1; }
[ -L "$dir/link.doudi" ] || { echo "the link was replaced by a file"; exit 1; }
[ "$(cat "$dir/target.doudi")" = "let a = 1" ] || { echo "target: $(cat "$dir/target.doudi")"; exit 1; }

# killed just before the rename: the old file is whole
printf 'let a =1\n' >"$dir/crash.doudi"
DOUDI_CRASH_AT=fmt.before-rename "$DOUDI" fmt -w "$dir/crash.doudi" >/dev/null 2>&1
status=$?
[ "$status" -eq 137 ] || { echo "expected the crash point to kill fmt (137), got $status"; exit 1; }
[ "$(cat "$dir/crash.doudi")" = "let a =1" ] || { echo "crash: the file changed"; exit 1; }

# usage
"$DOUDI" fmt -w --check "$f" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "-w with --check: expected exit 2"; exit 1; }
"$DOUDI" fmt -w "$dir/no-such.doudi" >/dev/null 2>&1
[ $? -eq 2 ] || { echo "unreadable: expected exit 2"; exit 1; }
exit 0
