# The command line in Chinese and in English: the language chosen by --lang, DOUDI_LANG and the
# locale (on a machine where no zh_CN locale is generated: nothing here calls setlocale), the
# command line's own messages in Chinese, `doudi --version`, and `doudi help VERB` / `VERB
# --help` describing every option of every verb in both languages.
#
# Chinese runs have DOUDI_MSG_STRICT=1: a message wrapped in tr() but missing from
# src/base/messages.def ends the program with status 70, so every page printed here in Chinese
# is also a check that the catalogue has all of it. The expected texts are written by hand.
set -u
d=$TMPDIR
fail=0
die() { echo "$*"; exit 1; }
bad() { echo "$*"; fail=1; }

# zh ARGS...: doudi with a Chinese locale and nothing else asking for a language, strict.
zh() { env -u LC_ALL -u LC_MESSAGES -u DOUDI_LANG LANG=zh_CN.UTF-8 DOUDI_MSG_STRICT=1 "$DOUDI" "$@"; }
# en ARGS...: the same machine, no language asked for at all.
plain() { env -u LC_ALL -u LC_MESSAGES -u DOUDI_LANG -u LANG "$DOUDI" "$@"; }

# expect NAME FILE: FILE must equal the text on stdin.
expect() {
  cat >"$d/want"
  cmp -s "$d/want" "$2" || { bad "$1: differs (want, got):"; diff "$d/want" "$2"; }
}

rules=tests/cli/repl/tiny.doudi    # lonely_elderly when dibao and age >= 60 and not has_caretaker
# Ages at 2021-04-01: 85 (target, 敬老院 at 80 and over), 71 (target, home), 31 (not a target),
# and a birth date that is no date (review). So: 4 rows, 3 new, 1 to review; the run: 3 persons,
# 2 targets, none scheduled (the file has no schedule), none to review.
cat >"$d/persons.csv" <<'EOF'
id,birth_date,dibao,has_caretaker
1,1935-05-01,yes,no
2,1950-01-01,是,否
3,1990-01-01,yes,no
4,1950-13-01,yes,no
EOF

# ---- import and run: the summaries ----------------------------------------------------------
zh import --db "$d/l.db" --rules $rules "$d/persons.csv" >"$d/out" 2>"$d/err"
[ $? -eq 1 ] || bad "import: expected exit 1 (a row to review)"
expect "import in Chinese" "$d/out" <<EOF
$d/persons.csv（utf-8）：共 4 行，新增 3，更新 0，未变 0，待核查 1
EOF
zh run $rules --db "$d/l.db" --out "$d/results.csv" >"$d/out" 2>"$d/err"
[ $? -eq 0 ] || { cat "$d/err"; bad "run: expected exit 0"; }
expect "run in Chinese" "$d/out" <<EOF
第 1 次运行（基准日期 2021-04-01）：共 3 人，保障对象 2 人，已安排年度 0 人，待核查 0 人
结果文件：$d/results.csv
EOF
# --lang en wins over the Chinese locale, before or after the verb
env LANG=zh_CN.UTF-8 DOUDI_MSG_STRICT=1 "$DOUDI" --lang en run $rules --db "$d/l.db" >"$d/out" 2>&1
expect "run --lang en" "$d/out" <<EOF
run 2 (as of 2021-04-01): 3 persons, 2 targets, 0 scheduled, 0 to review
EOF
env LANG=zh_CN.UTF-8 "$DOUDI" run $rules --db "$d/l.db" --lang=en >"$d/out" 2>&1
expect "run --lang=en after the verb" "$d/out" <<EOF
run 3 (as of 2021-04-01): 3 persons, 2 targets, 0 scheduled, 0 to review
EOF

# ---- eval: the outcome line (identifiers stay as the rule file writes them) ------------------
zh eval $rules --record 'id=1,birth_date=1935-05-01,dibao=yes,has_caretaker=no' >"$d/out" 2>"$d/err" ||
  bad "eval: expected exit 0"
head -n 1 "$d/out" >"$d/first"
expect "eval in Chinese" "$d/first" <<'EOF'
结果：类别=lonely_elderly 主类别=lonely_elderly 供养形式=township_home
EOF

# ---- usage errors, and which setting wins -------------------------------------------------------
zh run --bogus >/dev/null 2>"$d/err"
[ $? -eq 2 ] || bad "run --bogus: expected exit 2"
expect "usage error in Chinese" "$d/err" <<'EOF'
doudi run: 未知选项“--bogus”
EOF
zh run >/dev/null 2>"$d/err"
expect "usage in Chinese" "$d/err" <<'EOF'
doudi run: 用法：doudi run FILE [--db DB | --from PERSONS [--institutions F] [--review F] [--forms DIR]] [--as-of DATE] [--out results.csv] [--jobs N]
（各选项的说明见 doudi help run）
EOF
zh frobnicate >/dev/null 2>"$d/err"
[ $? -eq 2 ] || bad "unknown verb: expected exit 2"
head -n 1 "$d/err" >"$d/first"
expect "unknown verb in Chinese" "$d/first" <<'EOF'
doudi: 没有“frobnicate”这个命令
EOF
zh --lang fr run >/dev/null 2>"$d/err"
[ $? -eq 2 ] || bad "--lang fr: expected exit 2"
expect "--lang fr" "$d/err" <<'EOF'
doudi: --lang 只能是 zh 或 en，不能是“fr”
EOF

# lang VALUE-OF-ENV...: which language `run --bogus` speaks with these variables set
lang_of() {
  env -u LC_ALL -u LC_MESSAGES -u DOUDI_LANG -u LANG "$@" "$DOUDI" run --bogus 2>&1 >/dev/null |
    grep -q '未知选项' && echo zh || echo en
}
check_lang() {
  want=$1; shift
  got=$(lang_of "$@")
  [ "$got" = "$want" ] || bad "with $*: $got, want $want"
}
check_lang en
check_lang zh LANG=zh_CN.UTF-8
check_lang zh LANG=zh_TW
check_lang en LANG=en_US.UTF-8
check_lang zh LANG=C LC_MESSAGES=zh_CN.UTF-8
check_lang en LANG=zh_CN.UTF-8 LC_MESSAGES=C
check_lang en LANG=zh_CN.UTF-8 LC_ALL=C
check_lang zh LANG=C LC_ALL=zh_CN.UTF-8
check_lang en LANG=zh_CN.UTF-8 DOUDI_LANG=en
check_lang zh LC_ALL=C DOUDI_LANG=zh
env -u LC_ALL -u LC_MESSAGES DOUDI_LANG=en LANG=C "$DOUDI" --lang zh run --bogus 2>"$d/err" >/dev/null
grep -q '未知选项' "$d/err" || bad "--lang zh should win over DOUDI_LANG=en"

# ---- --version: the version and the format versions, read from their constants ---------------
version=$(sed -n 's/^#define DOUDI_VERSION "\(.*\)"$/\1/p' include/doudi.h)
ddc=$(sed -n 's/.*DDC_VERSION = \([0-9]*\).*/\1/p' src/vm/ddc.c | head -n 1)
[ -n "$version" ] && [ -n "$ddc" ] || die "cannot read the versions from the sources"
plain --version >"$d/out" 2>&1 || bad "--version: expected exit 0"
expect "--version" "$d/out" <<EOF
doudi $version
.ddc format $ddc, ledger format 2
EOF
zh --version >"$d/out" 2>&1
expect "--version in Chinese" "$d/out" <<EOF
doudi $version
.ddc 文件格式版本 $ddc，台账格式版本 2
EOF

# ---- help -------------------------------------------------------------------------------------
plain help run >"$d/out" 2>&1 || bad "help run: expected exit 0"
expect "help run" "$d/out" <<'EOF'
usage: doudi run FILE [--db DB | --from PERSONS [--institutions F] [--review F] [--forms DIR]] [--as-of DATE] [--out results.csv] [--jobs N]

run the rules over every person in the ledger
Every person is evaluated, the years are scheduled and the forms counted, and all of it is
stored as one run (one transaction). Persons that cannot be evaluated go to review (exit 1).
A progress bar is shown when stderr is a terminal.
With --from, the persons are read from their file (CSV or .xlsx) straight into the run, with
no ledger file: each row checked as `doudi import` checks it, bad rows reported (and written
to --review), the results file and the forms the same as import, run and report would give.

  FILE              the rule file
  --db DB           the ledger (default doudi.db)
  --as-of DATE      the date of the run (default: the rule file's as_of)
  --out FILE        also write the results file (CSV, sorted by id)
  --from PERSONS    read the persons from this file (CSV or .xlsx), not from a ledger
  --institutions F  with --from: the institutions' file, when the rule file declares them
  --review F        with --from: the rows sent to review, as CSV (file, line, column, reason, row)
  --forms DIR       with --from: every form for the city into DIR/NAME.txt, as `doudi report` prints it
  --forms-format F  text (default), csv or json: the forms as `doudi report --format F`
  --encoding E      with --from: a CSV's encoding, as for `doudi import`
  --sheet NAME      with --from: a workbook's sheet, as for `doudi import`
  --jobs N          threads to use (default: the cores present); the run is the same for every N
  --lang zh|en      the language of messages (default: DOUDI_LANG, else the locale)
  --help            this help
EOF
plain run --help >"$d/again" 2>&1 || bad "run --help: expected exit 0"
cmp -s "$d/out" "$d/again" || bad "run --help differs from help run"
zh help run >"$d/out" 2>&1 || bad "help run in Chinese: expected exit 0"
expect "help run in Chinese" "$d/out" <<'EOF'
用法：doudi run FILE [--db DB | --from PERSONS [--institutions F] [--review F] [--forms DIR]] [--as-of DATE] [--out results.csv] [--jobs N]

对台账中的全部人员运行规则
逐人认定类别和供养形式，安排年度，统计报表，全部作为一次运行存入台账（一个事务）。
无法认定的人员列入待核查（退出码 1）。标准错误为终端时显示进度条。
使用 --from 时，直接从人员名单文件（CSV 或 .xlsx）读取人员运行，不建台账文件：每行按
`doudi import` 的规则检查，有问题的行照常报告（并写入 --review 文件），结果文件和报表与
导入、运行、出表所得完全相同。

  FILE              规则文件
  --db DB           台账文件（默认 doudi.db）
  --as-of DATE      本次运行的基准日期（默认取规则文件的 as_of）
  --out FILE        同时写出结果文件（CSV，按身份证号排序）
  --from PERSONS    从此文件（CSV 或 .xlsx）读取人员，不用台账
  --institutions F  与 --from 同用：机构名单文件（规则文件声明了机构时）
  --review F        与 --from 同用：列入待核查的行写成 CSV（文件、行、列、原因、原行）
  --forms DIR       与 --from 同用：全市各报表写入 DIR/表名.txt，与 `doudi report` 输出相同
  --forms-format F  text（默认）、csv 或 json：报表格式同 `doudi report --format F`
  --encoding E      与 --from 同用：CSV 文件的编码，同 `doudi import`
  --sheet NAME      与 --from 同用：要读取的工作表，同 `doudi import`
  --jobs N          使用的线程数（默认：本机的处理器核数）；N 取何值，运行结果都完全相同
  --lang zh|en      提示信息的语言（默认取 DOUDI_LANG，其次取区域设置）
  --help            显示本帮助
EOF

# Every option a verb's source reads appears in its help, in both languages; every page prints
# in Chinese under strict mode (so every help text is catalogued). The verbs of a file are its
# `int cli_VERB(` functions; its options the "--name" and "-x" literals it compares argv with.
verbs_all=
for src in src/cli/*.c; do
  verbs=$(sed -n 's/^int cli_\([a-z]*\)(int argc.*/\1/p' "$src")
  [ -n "$verbs" ] || continue
  verbs_all="$verbs_all $verbs"
  opts=$(grep -o 'strcmp([a-z]*\(\[i\]\)\{0,1\}, "-[-a-z]*[a-z]")' "$src" | sed 's/.*"\(-[-a-z]*\)")/\1/' | sort -u)
  for lang in en zh; do
    : >"$d/help"
    for v in $verbs; do
      if [ $lang = zh ]; then zh help "$v" >>"$d/help" 2>&1; else plain help "$v" >>"$d/help" 2>&1; fi ||
        bad "help $v ($lang): exit status $?"
    done
    for o in $opts; do
      grep -Eq -- "^  (-[a-z], )?$o( |,|$)" "$d/help" || bad "$src: option $o is not in the $lang help of:$verbs"
    done
  done
done
for v in $verbs_all; do
  zh "$v" --help >"$d/out" 2>&1 || { bad "$v --help in Chinese: exit status $?"; cat "$d/out"; }
  grep -q '^用法：doudi ' "$d/out" || bad "$v --help in Chinese: no usage line"
done
zh help >"$d/out" 2>&1 || bad "help in Chinese: exit status $?"
for v in $verbs_all; do grep -q "^  $v " "$d/out" || bad "help: verb $v not listed"; done

# ---- the REPL's commands, in Chinese -------------------------------------------------------------
printf ':help\n:person\n' | zh repl >"$d/out" 2>&1
[ $? -eq 1 ] || bad "repl: expected exit 1 (a failed command)"
grep -q '^  :quit                  退出（也可按 Ctrl-D）$' "$d/out" || { bad "repl :help in Chinese"; cat "$d/out"; }
grep -q '^错误：哪一个人？请用 :person ID 指定$' "$d/out" || { bad "repl error in Chinese"; cat "$d/out"; }

# ---- the main verbs in Chinese over the golden population and broken files ----------------------
# Each runs with DOUDI_MSG_STRICT=1 (a wrapped text missing from the catalogue ends it with 70),
# and what it prints must hold no English sentence: no run of four English words (identifiers,
# paths, dates and the rule file's own code are single words or joined by punctuation).
english() {   # english NAME FILE: fail on a run of four English words in FILE
  if grep -E '(^|[^A-Za-z_./-])[A-Za-z]+ [A-Za-z]+ [A-Za-z]+ [A-Za-z]+([^A-Za-z_./-]|$)' "$2" >"$d/english"; then
    bad "$1: English in Chinese output:"; cat "$d/english"
  fi
}
# strict NAME STATUS ARGS...: doudi in Chinese, strict; exit status STATUS; no English printed
strict() {
  name=$1 want=$2; shift 2
  zh "$@" >"$d/s.out" 2>"$d/s.err"; got=$?
  [ "$got" -eq "$want" ] || { bad "$name: exit $got, want $want"; cat "$d/s.err"; }
  grep -q '^untranslated message' "$d/s.err" && { bad "$name: not in the catalogue:"; grep '^untranslated' "$d/s.err"; }
  cat "$d/s.out" "$d/s.err" >"$d/s.all"
  english "$name" "$d/s.all"
}
Z=rules/zhengzhou-2021.doudi
G=tests/golden/forms
strict "check" 0 check $Z
strict "import" 0 import --db "$d/z.db" --rules $Z $G/persons.csv $G/institutions.csv
strict "run" 0 run $Z --db "$d/z.db" --out "$d/z.csv"
strict "report" 0 report $Z --db "$d/z.db" --form attachment1
strict "report --county" 0 report $Z --db "$d/z.db" --form attachment2 --county 410102
strict "report without --form" 2 report $Z --db "$d/z.db"
strict "report: no such form" 2 report $Z --db "$d/z.db" --form nothing
strict "test --coverage" 0 test --coverage $Z
strict "stats --near-miss" 0 stats $Z --db "$d/z.db" --near-miss
strict "fmt --check" 0 fmt --check $Z
strict "compile" 0 compile $Z -o "$d/z.ddc"
strict "eval: a field missing" 1 eval "$d/z.ddc" --record 'id=1'
grep -q '^doudi eval: county：缺少（没有默认值）$' "$d/s.err" || { bad "eval: the error in Chinese"; cat "$d/s.err"; }
strict "sql: no such dialect" 2 sql $Z --dialect nosuch
strict "run: no ledger" 2 run $Z --db "$d/none.db"
strict "import: no file" 2 import --db "$d/z.db" --rules $Z "$d/none.csv"
# rows to review: a date that is no date, a yes/no that is neither, a short row, a duplicate id
cat >"$d/bad.csv" <<'EOF'
id,birth_date,dibao,has_caretaker
1,1935-05-01,yes,no
4,1950-13-01,yes,no
5,1950-01-01,maybe,no
6,1950-01-01,yes
1,1935-05-01,yes,no
EOF
strict "import with rows to review" 1 import --db "$d/r.db" --rules $rules "$d/bad.csv"
grep -q 'bad.csv:3:2: birth_date (出生日期)：“1950-13-01”不是有效的日期（应为 YYYY-MM-DD）$' "$d/s.err" ||
  { bad "import: the review line in Chinese"; cat "$d/s.err"; }
printf 'id,birth_date\n' >"$d/header.csv"
strict "import: columns missing" 2 import --db "$d/r.db" --rules $rules "$d/header.csv"
# every broken rule file of tests/bad, and the fuzzing seeds: diagnostics all in the catalogue,
# their own lines (not the quoted source line under them) in Chinese
for f in tests/bad/*.doudi tests/fuzz/corpus/fuzz_compile/*.doudi; do
  zh check "$f" >"$d/s.out" 2>"$d/s.err"
  [ $? -eq 70 ] && { bad "check $f: not in the catalogue:"; grep '^untranslated' "$d/s.err"; }
  cat "$d/s.out" "$d/s.err" | grep -E '(错误|警告|注)：' | sed 's/^.*(错误|警告|注)：//' >"$d/s.all"
  sed -E 's/^.*(错误|警告|注)：//' "$d/s.all" >"$d/s.msg"
  english "check $f" "$d/s.msg"
done
# the JSON keeps the English beside the Chinese
zh check --format json tests/bad/check-unknown-name.doudi >"$d/s.out" 2>&1
grep -q '"message":"未知名称' "$d/s.out" && grep -q '"message_en":"unknown name' "$d/s.out" ||
  { bad "check --format json: message and message_en"; cat "$d/s.out"; }

# diff against approved changes that are off by one: the report in Chinese (the explanations
# under each changed person, indented six spaces, are the explanation's own text), the figures'
# names as the approved-changes file writes them
ex=examples/rule-change
sed -e 's/^changed: 4$/changed: 5/' -e '/^year 2023: -2$/d' $ex/lonely-elderly-40-30-30.approved >"$d/off.approved"
mkdir -p "$d/difftmp"
TMPDIR=$d/difftmp strict "diff" 1 diff $Z $ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi \
  --population tests/fixtures/population-3000 --expect "$d/off.approved"
grep -v '^      ' "$d/s.all" >"$d/s.msg"
english "diff" "$d/s.msg"
grep -q '^  未经批准的变化：year 2023：-2（209 → 207）$' "$d/s.out" || { bad "diff: the unapproved change"; cat "$d/s.out"; }
grep -q '^有变化：4 人$' "$d/s.out" || bad "diff: the number changed"
printf 'changed: 4\ncategory nosuch: +1\nyear 2021: 2\n' >"$d/bad.approved"
TMPDIR=$d/difftmp strict "diff: lines that are no figure" 2 diff $Z $ex/zhengzhou-2021-lonely-elderly-40-30-30.doudi \
  --population tests/fixtures/population-3000 --expect "$d/bad.approved"
grep -q 'bad.approved:3：变化量要带正负号：+2 或 -2$' "$d/s.err" || { bad "diff: the approved file's errors"; cat "$d/s.err"; }

# What is stored does not depend on the language: the same rules, rows and date give the same
# results file in English and in Chinese.
env -u LANG -u LC_ALL -u DOUDI_LANG "$DOUDI" import --db "$d/r-en.db" --rules $rules "$d/bad.csv" >/dev/null 2>&1
env -u LANG -u LC_ALL -u DOUDI_LANG "$DOUDI" run $rules --db "$d/r-en.db" --out "$d/r-en.csv" >/dev/null 2>&1
zh run $rules --db "$d/r.db" --out "$d/r-zh.csv" >/dev/null 2>&1
cmp -s "$d/r-en.csv" "$d/r-zh.csv" || bad "the results file depends on the language"

exit $fail
