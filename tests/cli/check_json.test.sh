# `doudi check --format json`: the same diagnostics as JSON on stdout (message and note in the
# language of messages, message_en and note_en always English), exit codes 0/1/2.
set -u
out=$("$DOUDI" check --format json tests/bad/check-unknown-name.doudi)
[ $? -eq 1 ] || { echo "expected exit 1"; exit 1; }
want='"file":"tests/bad/check-unknown-name.doudi","line":12,"column":11,"end_line":12,"end_column":15,"severity":"error","code":"unknown-name","message":"unknown name '"'"'agee'"'"'","message_en":"unknown name '"'"'agee'"'"'","note":"did you mean '"'"'age'"'"'?","note_en":"did you mean '"'"'age'"'"'?"'
case $out in *"$want"*) ;; *) echo "missing: $want"; echo "got: $out"; exit 1 ;; esac
out=$("$DOUDI" check --format json rules/zhengzhou-2021.doudi)
[ $? -eq 0 ] || { echo "the rule file should check clean"; exit 1; }
[ "$out" = "[]" ] || { echo "expected [] for a clean file, got: $out"; exit 1; }
"$DOUDI" check --format json no-such-file.doudi >/dev/null 2>&1
[ $? -eq 2 ] || { echo "expected exit 2 for an unreadable file"; exit 1; }
"$DOUDI" check --bogus >/dev/null 2>&1
[ $? -eq 2 ] || { echo "expected exit 2 for a bad option"; exit 1; }
exit 0
