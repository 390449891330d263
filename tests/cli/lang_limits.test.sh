# Rule files of a size and shape nobody writes by hand, but a generator or an attacker may:
# check and compile take them without recursing as deep as they are long, and with no scan
# that makes them quadratic. Each runs under a 1 MB stack (`ulimit -s 1024`), where the
# recursive checker and compiler overflowed on a chain of 20,000 terms; and each result is
# worked out by hand below, so a shortcut that loses a term fails.
#
#   sh tests/cli/lang_limits.test.sh                 the test (make test; small sizes)
#   sh tests/cli/lang_limits.test.sh gen KIND N      print a generated rule file (KIND below);
#                                                    tests/cli/lang_limits_measure.sh times
#                                                    the big ones
#
# Kinds: plus (one let of N terms `age + 1 + age + 1 ...`), and (a category of N conditions
# `flag and age > 1 and flag ...`), lets (N lets, each reading the one before), lets-forward
# (N lets, each reading the one declared after it), fields (a record of N fields).
set -u

gen() {
  awk -v kind="$1" -v n="$2" '
function header() {
  print "policy \"limits\" source \"none\""
  print "record person \"p\" {"
  print "  id: text \"id\" key"
  print "  age: int \"age\" default 0"
  print "  flag: bool \"flag\" default false"
  print "}"
}
BEGIN {
  if (kind == "plus") {
    header()
    printf "let s = age"
    for (i = 1; i < n; i++) printf (i % 2 ? " + 1" : " + age")
    print ""
    print "category c when s > 0"
  } else if (kind == "and") {
    header()
    printf "category c when flag"
    for (i = 1; i < n; i++) printf (i % 2 ? " and age > 1" : " and flag")
    print ""
  } else if (kind == "lets") {
    header()
    print "let v0 = age + 1"
    for (i = 1; i < n; i++) printf "let v%d = v%d * 1 - age + 1\n", i, i - 1
    printf "category c when v%d > 0\n", n - 1
  } else if (kind == "lets-forward") {
    header()
    print "category c when v0 > 0"
    for (i = 0; i < n - 1; i++) printf "let v%d = v%d + 1\n", i, i + 1
    printf "let v%d = age\n", n - 1
  } else if (kind == "fields") {
    print "policy \"limits\" source \"none\""
    print "record person \"p\" {"
    print "  id: text \"id\" key"
    for (i = 1; i < n; i++) printf "  f%d: int \"字段%d\" default 0\n", i, i
    print "}"
    printf "category c when f1 + f%d > 1\n", n - 1
  } else {
    print "lang_limits: unknown kind " kind > "/dev/stderr"
    exit 2
  }
}'
}

if [ "${1:-}" = gen ]; then
  gen "$2" "$3"
  exit $?
fi

T=${TMPDIR:-/tmp}/lang-limits.$$
mkdir -p "$T" || exit 1
trap 'rm -rf "$T"' EXIT
die() { echo "lang_limits: $*"; exit 1; }

# check, compile and evaluate one record under a 1 MB stack; $4: the first line eval must print
run() {
  file=$T/$1.doudi
  gen "$1" "$2" >"$file" || die "gen $1"
  (ulimit -s 1024 && "$DOUDI" check "$file") >"$T/out" 2>&1 || die "check $1 $2: $(head -c 600 "$T/out")"
  (ulimit -s 1024 && "$DOUDI" compile "$file" -o "$T/$1.ddc") >"$T/out" 2>&1 ||
    die "compile $1 $2: $(head -c 600 "$T/out")"
  (ulimit -s 1024 && "$DOUDI" eval "$file" --record "$3") >"$T/out" 2>&1 || die "eval $1 $2: $(head -c 600 "$T/out")"
  got=$(head -n 1 "$T/out")
  [ "$got" = "$4" ] || die "$1 $2 with $3: '$got', want '$4'"
}

yes='outcome: categories=c primary=c placement='
no='outcome: categories= primary= placement='

# s = age + 1 + age + 1 ...: terms 1..19999 after the first, the 10,000 odd ones `+ 1` and the
# 9,999 even ones `+ age`: s = 10,000 × age + 10,000 — 40,000 for age 3. The category is
# s > 0: true for age 3, false for age -1 (s = 0).
run plus 20000 'id=a,age=3' "$yes"
run plus 20000 'id=a,age=-1' "$no"
grep -q '^  s = 40000$' "$T/out" && die "plus: the value shown is for age 3, not -1"
gen plus 20000 >"$T/p.doudi"
"$DOUDI" eval "$T/p.doudi" --record 'id=a,age=3' | grep -q '^  s = 40000$' || die "plus: s is not 40000 for age 3"

# flag and age > 1 and flag ...: true only when flag and age > 1
run and 20000 'id=a,age=2,flag=true' "$yes"
run and 20000 'id=a,age=1,flag=true' "$no"
run and 20000 'id=a,age=2,flag=false' "$no"

# v0 = age + 1, v_i = v_{i-1} × 1 - age + 1: each adds 1 - age, so v_19999 = age + 1 + 19,999 ×
# (1 - age): 20,000 for age 0; for age 2: 3 - 19,999 < 0
run lets 20000 'id=a,age=0' "$yes"
run lets 20000 'id=a,age=2' "$no"

# v_i = v_{i+1} + 1, v_19999 = age: v0 = age + 19,999, > 0 unless age <= -19,999
run lets-forward 20000 'id=a,age=-19998' "$yes"
run lets-forward 20000 'id=a,age=-19999' "$no"

# f1 + f19999 > 1
run fields 20000 'id=a,f1=1,f19999=1' "$yes"
run fields 20000 'id=a,f19999=1' "$no"

# Past the program's 65,535 registers: check is content, compile says why it cannot.
gen fields 70000 >"$T/big.doudi"
"$DOUDI" check "$T/big.doudi" || die "70,000 fields should check"
"$DOUDI" compile "$T/big.doudi" -o "$T/big.ddc" 2>"$T/err"
status=$?
[ $status -eq 1 ] || die "compiling 70,000 fields exited $status, want 1"
grep -q "the rule file is too large for one program (65535 registers or instructions)" "$T/err" ||
  die "compiling 70,000 fields: $(cat "$T/err")"
[ ! -e "$T/big.ddc" ] || die "a program too large was written anyway"
exit 0
