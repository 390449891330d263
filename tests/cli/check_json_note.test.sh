# `doudi check --format json`: a note that points at a place of its own (here, where an
# unclosed '(' needed its ')') carries note_line and note_column; a plain note does not.
set -u
out=$("$DOUDI" check --format json tests/bad/bracket-unclosed-paren.doudi)
[ $? -eq 1 ] || { echo "expected exit 1"; exit 1; }
want='"code":"unclosed-bracket","message":"this '"'"'('"'"' is never closed","message_en":"this '"'"'('"'"' is never closed","note":"'"'"'category'"'"' begins the next declaration: type '"'"')'"'"' before it","note_en":"'"'"'category'"'"' begins the next declaration: type '"'"')'"'"' before it","note_line":11,"note_column":1}'
case $out in *"$want"*) ;; *) echo "missing: $want"; echo "got: $out"; exit 1 ;; esac
out=$("$DOUDI" check --format json tests/bad/check-unknown-name.doudi)
case $out in *note_line*) echo "a plain note has no place: $out"; exit 1 ;; esac
exit 0
