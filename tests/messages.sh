#!/bin/sh
# tests/messages.sh — `make messages` (and `make test`): messages go through the catalogue.
#
# In each folder of FOLDERS, two checks over every .c file (a heuristic reading of C, not a
# compiler; docs/architecture.md, "Messages"):
#
#  1. A string literal among the text arguments of a call of one of PRINTERS — printf(...),
#     cli_usage_error(verb, ...), say(r, ...), ... — that reads as a message must be inside
#     tr(...). Literals passed to another function inside the call (strcmp, cli_synopsis) are
#     not printed and not looked at. A literal is not a message when nothing but conversions,
#     escapes, punctuation, file extensions and the program's name ("doudi run: %s\n",
#     "%s.tmp") is left of it, when it is JSON, CSV, SQL, HTML or SVG text, or when its words are all
#     capitals (" WHERE ", "FAIL"). A call whose lines carry the comment /* not a message */ is
#     skipped.
#  2. The English of every tr("...") with a literal — and the format of every diag_add and
#     diag_note, which translate their own — has its pair in src/base/messages.def.
#
# A text that reaches the screen some other way (a table of help texts printed with
# tr(entry->help), an error string assigned and printed later) is not seen here; the CLI tests
# print such texts in Chinese with DOUDI_MSG_STRICT=1, which fails on any text not catalogued.
#
# Prints each finding as FILE:LINE: and exits 1 when there is one. Add a layer's folder to
# FOLDERS once its messages are converted, and its own printing helpers to PRINTERS.
set -u
cd "$(dirname "$0")/.." || exit 2

FOLDERS=${MESSAGES_FOLDERS:-"src/base src/vm src/engine src/lang src/api src/cli src/gen"}
# Other files: the grammar (its actions are C), and the files of src/tools. The machine formats
# of diff_render.c and testing_render.c (JSON, JUnit XML, TAP) are read by programs and stay in
# English: their calls are marked "not a message".
FILES=${MESSAGES_FILES:-"grammar/doudi.y grammar/doudi.l src/tools/nearmiss.c src/tools/testing.c src/tools/diff.c
  src/tools/diff_population.c src/tools/diff_expect.c src/tools/testing_update.c src/tools/diff_write.c
  src/tools/explain_people.c src/tools/diff_render.c src/tools/testing_render.c src/tools/markdown.c"}
# Files that print code, not messages — the rule language's canonical form and type names, SQL,
# disassembly: check 1 is not made in them (check 2 is: their diagnostics are messages).
CODE_FILES=${MESSAGES_CODE_FILES:-"src/lang/fmt.c src/lang/types.c src/lang/sql.c src/lang/sql_dialect.c
  src/lang/sql_expr.c src/lang/sql_person.c src/lang/sql_plan.c src/vm/disasm.c src/engine/ledger_report.c"}
# A printing function, and with :K the position (from 0) of its first argument that may be text.
PRINTERS="printf fprintf:1 vfprintf:1 fputs puts cli_usage_error:1 sb_printf:1 sb_puts:1 say:1 complain:1 complain_err:2 put:2
  diag_add:5 diag_note:2 diag_note_at:3"
# A translating function and the position (from 0) of its English argument; and the helpers
# that make an error in English, shown in the reader's language by msg_text (base/msg.h), whose
# formats must be catalogued all the same.
TRANSLATORS=${MESSAGES_TRANSLATORS:-"tr:0 doc_tr:0 diag_add:4 diag_note:1 diag_note_at:2
  phrase:1 api_fail:1 ledger_failf:1 diff_failf:1 failf:1 set_error:1 file_error:1 part_fail:1 row_fail:2 jfail:2 fail:2"}
CATALOGUE=src/base/messages.def

files=
for d in $FOLDERS; do
  for f in "$d"/*.c; do [ -f "$f" ] && files="$files $f"; done
done
for f in $FILES; do [ -f "$f" ] && files="$files $f"; done

# shellcheck disable=SC2086  # the file list is split on purpose
out=$(awk -v sq="'" -v codefiles="$CODE_FILES" -v printers="$PRINTERS" -v translators="$TRANSLATORS" -v catalogue="$CATALOGUE" '
# ---- reading C: tokens of one file into T (kind), V (text), L (line) ----------------------
function reset() { n = 0; incomment = 0; split("", T); split("", V); split("", L); split("", marked) }
function add(kind, text, line) {
  if (kind == "STR" && n > 0 && T[n] == "STR") { V[n] = V[n] text; return }  # "a" "b" is "ab"
  n++; T[n] = kind; V[n] = text; L[n] = line
}
function tokenize(line, lno,    i, len, c, c2, j, s) {
  if (index(line, "not a message")) marked[lno] = 1
  len = length(line); i = 1
  if (!incomment && line ~ /^[ \t]*#/) return            # preprocessor lines
  while (i <= len) {
    c = substr(line, i, 1); c2 = substr(line, i, 2)
    if (incomment) { if (c2 == "*/") { incomment = 0; i += 2 } else i++; continue }
    if (c2 == "/*") { incomment = 1; i += 2; continue }
    if (c2 == "//") return
    if (c == "\"" || c == sq) {
      s = ""; j = i + 1
      while (j <= len && substr(line, j, 1) != c) {
        if (substr(line, j, 1) == "\\") { s = s substr(line, j, 2); j += 2 } else { s = s substr(line, j, 1); j++ }
      }
      if (c == "\"") add("STR", s, lno); else add("CHR", s, lno)
      i = j + 1; continue
    }
    if (c ~ /[A-Za-z_]/) {
      j = i; while (j <= len && substr(line, j, 1) ~ /[A-Za-z0-9_]/) j++
      add("ID", substr(line, i, j - i), lno); i = j; continue
    }
    if (c ~ /[0-9]/) {
      j = i; while (j <= len && substr(line, j, 1) ~ /[A-Za-z0-9_.]/) j++
      add("NUM", substr(line, i, j - i), lno); i = j; continue
    }
    if (c ~ /[ \t\r]/) { i++; continue }
    add("P", c, lno); i++
  }
}

# ---- what a literal is --------------------------------------------------------------------
function is_message(s,    t) {
  if (s ~ /^[\[{,]/ || s ~ /\\":/ || s ~ /^(null|true|false)$/) return 0     # JSON
  if (s ~ /^(SELECT|INSERT|CREATE|UPDATE|DELETE|PRAGMA|BEGIN|COMMIT|ROLLBACK|WITH|DROP|ALTER) /) return 0
  if (s ~ /<[\/!]?[A-Za-z]/ || s ~ /&[a-z#0-9]+;/ || s ~ /[a-z-]+=\\"/) return 0  # HTML and SVG markup
  t = s
  gsub(/\\./, " ", t)                                                         # escapes
  gsub(/%[-+ #0-9.*]*(hh|h|ll|l|L|j|z|t)?[diouxXeEfFgGaAcspn%]/, " ", t)      # conversions
  if (t ~ /^[A-Za-z0-9_]+(,[A-Za-z0-9_]+)+ *$/) return 0                      # a CSV header
  gsub(/\.[A-Za-z0-9_]+/, " ", t)                                            # .csv, .tmp
  gsub(/doudi/, " ", t)                                                       # the program
  gsub(/ [a-z]+: /, " ", t)                                                   # "doudi run: "
  gsub(/^[a-z]+: /, " ", t)
  if (t !~ /[a-z]/) return 0                                                  # SQL words, tokens
  return t ~ /[A-Za-z][A-Za-z]/
}

# Whether a text has letters outside its conversions (one without is its own translation).
function has_words(s,    t) {
  t = s
  gsub(/%[-+ #0-9.*]*(hh|h|ll|l|L|j|z|t)?[diouxXeEfFgGaAcspn%]/, " ", t)
  return t ~ /[A-Za-z]/
}

# The token after the call that opens at k ("(" at k+1): its closing parenthesis.
function call_end(k,    d, j) {
  d = 0
  for (j = k + 1; j <= n; j++) {
    if (T[j] == "P" && V[j] == "(") d++
    else if (T[j] == "P" && V[j] == ")") { d--; if (d == 0) return j }
  }
  return n
}

function report(line, what) { printf "%s:%d: %s\n", file, line, what; found = 1 }

# Check 1: literals of a printing call outside tr().
function check_printer(k,    e, j, l, depth, arg, hidden, stack) {
  e = call_end(k)
  for (l = L[k]; l <= L[e]; l++) if (l in marked) return
  depth = 0; arg = 0; hidden = 0
  for (j = k + 2; j < e; j++) {
    if (T[j] == "P" && (V[j] == "(" || V[j] == "[" || V[j] == "{")) {
      depth++; stack[depth] = (V[j] == "(" && T[j - 1] == "ID") ? 1 : 0; hidden += stack[depth]
    } else if (T[j] == "P" && (V[j] == ")" || V[j] == "]" || V[j] == "}")) {
      hidden -= stack[depth]; depth--
    } else if (T[j] == "P" && V[j] == "," && depth == 0) {
      arg++
    } else if (T[j] == "STR" && !hidden && arg >= printer[V[k]] && is_message(V[j])) {
      report(L[j], "a message outside tr(): \"" V[j] "\"")
    }
  }
}

# Check 2: the English argument of a translating call is catalogued.
function check_translator(k,    want, e, j, d, arg) {
  want = translator[V[k]]; e = call_end(k); d = 0; arg = 0
  for (j = k + 2; j < e; j++) {
    if (T[j] == "P" && (V[j] == "(" || V[j] == "[" || V[j] == "{")) d++
    else if (T[j] == "P" && (V[j] == ")" || V[j] == "]" || V[j] == "}")) d--
    else if (T[j] == "P" && V[j] == "," && d == 0) arg++
    else if (arg == want && d == 0 && T[j] == "STR") {
      if (T[j - 1] == "P" && (V[j - 1] == "(" || V[j - 1] == ",") && !(V[j] in msgid) && has_words(V[j]))
        report(L[j], "not in " catalogue ": \"" V[j] "\"")
      return
    }
  }
}

function process(    k) {
  if (file == catalogue) {
    for (k = 1; k + 3 <= n; k++)
      if (T[k] == "ID" && V[k] == "MSG" && V[k + 1] == "(" && T[k + 2] == "STR") msgid[V[k + 2]] = 1
    return
  }
  for (k = 1; k < n; k++) {
    if (T[k] != "ID" || T[k + 1] != "P" || V[k + 1] != "(") continue
    if (k > 1 && T[k - 1] == "ID" && V[k - 1] !~ /^(return|else|case)$/) continue   # a declaration
    if ((V[k] in printer) && !(file in code)) check_printer(k)
    if (V[k] in translator) check_translator(k)
  }
}

BEGIN {
  np = split(printers, a, " ")
  for (i = 1; i <= np; i++) { if (split(a[i], b, ":") < 2) b[2] = 0; printer[b[1]] = b[2] }
  nc = split(codefiles, a, /[ \n]+/)
  for (i = 1; i <= nc; i++) code[a[i]] = 1
  nt = split(translators, a, " ")
  for (i = 1; i <= nt; i++) { split(a[i], b, ":"); translator[b[1]] = b[2] }
  reset()
}
FNR == 1 && NR > 1 { process(); reset() }
FNR == 1 { file = FILENAME }
{ tokenize($0, FNR) }
END { process(); exit found }
' "$CATALOGUE" $files)
status=$?
if [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "messages: $(printf '%s\n' "$out" | wc -l) finding(s) (see tests/messages.sh and docs/architecture.md, Messages)"
  exit 1
fi
[ "$status" -eq 0 ] || exit "$status"
echo "messages: every message in $FOLDERS and the other files listed goes through tr() and is in $CATALOGUE"
