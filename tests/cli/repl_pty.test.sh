# `doudi repl` on a real terminal: tmux runs it in a pseudo-terminal, keys are typed with
# send-keys and the screen is read back with capture-pane. Tab completion, editing keys (arrows,
# Ctrl-A, Backspace), history (Up, kept in ~/.doudi_history), Chinese text edited a character at
# a time, Ctrl-C, an input over two lines, and the newcomer's session: a person of a generated
# ledger placed at home, why, and the placement after :set wants_central=yes.
set -u
d=$TMPDIR
rules=rules/zhengzhou-2021.doudi
command -v tmux >/dev/null 2>&1 || { echo "tmux is missing (the Makefile's PACKAGES installs it)"; exit 1; }

T="tmux -S $d/tmux.sock -f /dev/null -u"
trap '$T kill-server >/dev/null 2>&1' EXIT

screen() { $T capture-pane -p -t repl; }                 # what the terminal shows now
screen_all() { $T capture-pane -p -S - -t repl; }       # with what scrolled away
last_line() { screen | sed '/^$/d' | tail -n 1; }        # the line being edited
die() {
  echo "$*"
  echo "--- the terminal:"
  screen_all | sed '/^$/d' | tail -n 40
  exit 1
}
# wait (at most 20 s: a sanitizer build is slow) until `$@` holds
until_ok() {
  i=0
  while ! "$@"; do
    i=$((i + 1))
    [ $i -le 200 ] || return 1
    sleep 0.1
  done
}
is_last() { [ "$(last_line)" = "$1" ]; }
has_line() { screen_all | grep -qxF -- "$1"; }
count_lines() { screen_all | grep -cxF -- "$1"; }
expect_last() { until_ok is_last "$1" || die "the line being edited is not: $1"; }
expect_line() { until_ok has_line "$1" || die "the terminal does not show: $1"; }
type_text() { $T send-keys -t repl -l -- "$1"; }
keys() { $T send-keys -t repl "$@"; }
enter() { keys Enter; }
ready() { expect_last "doudi>"; }   # the prompt is back: type the next input (not ahead)
start() {
  $T new-session -d -s repl -x 160 -y 50 \
    "env HOME='$d/home' LC_ALL=C.UTF-8 '$DOUDI' repl $rules --db '$d/l.db'; echo '[exited]'; sleep 60" ||
    die "tmux cannot start a session"
}

# a ledger made by gen + import, and someone placed at home
"$DOUDI" gen --count 300 --seed 11 --out "$d" >/dev/null || die "gen failed"
"$DOUDI" import --db "$d/l.db" --rules $rules "$d/persons.csv" >/dev/null || die "import failed"
"$DOUDI" run $rules --db "$d/l.db" --out "$d/results.csv" >/dev/null
id=$(awk -F, '$4 == "home" { print $1; exit }' "$d/results.csv")
[ -n "$id" ] || die "nobody in the generated population is placed at home"
masked=$(echo "$id" | sed 's/^\(......\)........\(....\)$/\1********\2/')
mkdir -p "$d/home"

start
expect_line "doudi repl: :help lists the commands, Tab completes, Ctrl-D quits"
expect_last "doudi>"

# the newcomer: a person, why they are placed at home, and what if they wanted a home
type_text ":person $id"; enter
expect_line "current record: $masked from $d/l.db"
ready
type_text ":expl"; keys Tab
expect_last "doudi> :explain"
enter
expect_line "placement care 供养形式: home 居家供养  [四、¶1]"
ready
type_text ":set wa"; keys Tab
expect_last "doudi> :set wants_central"
type_text "="; keys Tab                                   # the field's values are listed
expect_line "no         undecided  yes"
type_text "y"; keys Tab
expect_last "doudi> :set wants_central=yes"
enter
expect_line "wants_central = yes (愿意)"
ready
type_text ":explain"; enter
placed_elsewhere() { screen_all | grep '^placement care 供养形式: ' | sed -n 2p | grep -qv ': home '; }
until_ok placed_elsewhere || die "after wants_central=yes the placement is still home"
expect_line "      false  wants_central != yes"

# Tab completes a name; the completed input is evaluated
ready
type_text "ag"; keys Tab
expect_last "doudi> age"
type_text " * 0 + 7"; enter
expect_line "7 : int"

# editing keys: arrows and Backspace in the middle of the line, Ctrl-A to its start
ready
type_text "2 + 3"; keys Left Left BSpace; type_text "*"
expect_last "doudi> 2 * 3"
enter
expect_line "6 : int"
ready
type_text "* 10"; keys C-a; type_text "7 "
expect_last "doudi> 7 * 10"
enter
expect_line "70 : int"

# history: Up recalls the earlier lines
ready
keys Up
expect_last "doudi> 7 * 10"
keys Up
expect_last "doudi> 2 * 3"
enter
six_twice() { [ "$(count_lines "6 : int")" -eq 2 ]; }
until_ok six_twice || die "the recalled line was not evaluated again"

# Chinese text: Backspace and the arrows move by characters, not bytes
ready
type_text '"居家"'
expect_last 'doudi> "居家"'
keys BSpace
expect_last 'doudi> "居家'
keys BSpace
expect_last 'doudi> "居'
type_text '"'; enter
expect_line '"居" : text'
ready
type_text '"居家"'; keys Left Left; type_text "在"
expect_last 'doudi> "居在家"'
enter
expect_line '"居在家" : text'

# Ctrl-C drops the input, also in the middle of an input of several lines
ready
type_text "1 +"; keys C-c
expect_line "doudi> 1 +^C"
expect_last "doudi>"
type_text "5"; enter
expect_line "5 : int"
ready
type_text "(100 +"; enter
expect_last "  ...>"
keys C-c
expect_last "doudi>"
type_text "4"; enter
expect_line "4 : int"

# an input goes on while a bracket is open
ready
type_text "(1 +"; enter
expect_last "  ...>"
type_text "2)"; enter
expect_line "3 : int"

# an error points into the input, and the session goes on
ready
type_text "agee"; enter
expect_line "<input>:1:1: error: unknown name 'agee'"
expect_line "  note: did you mean 'age'?"
ready
type_text "1 + 1"; enter
expect_line "2 : int"

# Ctrl-D quits; the history stays for the next session
keys C-d
expect_line "[exited]"
grep -qx ':explain' "$d/home/.doudi_history" || die "no :explain in ~/.doudi_history"
$T kill-session -t repl
start
expect_last "doudi>"
keys Up
expect_last "doudi> 1 + 1"
keys Up
expect_last "doudi> agee"
exit 0
