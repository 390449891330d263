# The reports CI systems read: `doudi test --format junit|tap|json` and `doudi check --format
# sarif`. JUnit XML is validated with xmllint against tests/fixtures/junit.xsd, SARIF with
# python3's jsonschema against tests/fixtures/sarif-2.1.0-subset.json (both written from the
# published schemas; the Makefile installs libxml2-utils and python3-jsonschema), TAP 13 by the
# parser below; each validator is first shown a broken document, which it must reject. The
# contents are checked against the text report of the same run: the same tests, the same
# verdicts, the same positions.
set -u
d=$TMPDIR
die() { echo "$*"; exit 1; }
rules=rules/zhengzhou-2021.doudi
xsd=tests/fixtures/junit.xsd
sarif_schema=tests/fixtures/sarif-2.1.0-subset.json
PY=/usr/bin/python3

command -v xmllint >/dev/null || die "xmllint is missing (apt-get install libxml2-utils; make installs it)"
$PY -c 'import jsonschema' 2>/dev/null || die "python3-jsonschema is missing (make installs it)"

# ---- JUnit XML ---------------------------------------------------------------------------------
# the whole Zhengzhou file, full coverage required: every test a passing testcase, plus one for
# the coverage
"$DOUDI" test $rules --require-full-coverage >"$d/text" || die "text: the rule file's tests fail"
"$DOUDI" test $rules --require-full-coverage --format junit >"$d/good.xml" || die "junit: exit status"
xmllint --noout --schema $xsd "$d/good.xml" 2>"$d/err" || { cat "$d/err"; die "junit: does not validate"; }
ntests=$(grep -c '^ok   ' "$d/text")
[ "$ntests" -gt 40 ] || die "text: only $ntests tests"
grep -q "<testsuite name=\"$rules\" tests=\"$((ntests + 1))\" failures=\"0\" errors=\"0\" skipped=\"0\"" "$d/good.xml" ||
  die "junit: suite counts (want $ntests tests + coverage)"
[ "$(grep -c '<testcase ' "$d/good.xml")" -eq $((ntests + 1)) ] || die "junit: testcases"
grep -q '<testcase name="full coverage" classname="rules/zhengzhou-2021.doudi"/>' "$d/good.xml" || die "junit: coverage case"
cov=$(sed -n 's/^coverage: \([0-9]*\) of \([0-9]*\) condition outcomes.*/\1\/\2/p' "$d/text")
grep -q "<property name=\"coverage.condition_outcomes\" value=\"$cov\"/>" "$d/good.xml" || die "junit: coverage property"
# every test of the text report is a testcase of the same name
sed -n 's/^ok   //p' "$d/text" | while IFS= read -r name; do
  grep -qF "<testcase name=\"$name\" classname=\"$rules\"/>" "$d/good.xml" || die "junit: no testcase '$name'"
done || exit 1

# the validator is not a rubber stamp
sed 's/ tests="[0-9]*"/ tests="many"/' "$d/good.xml" >"$d/broken.xml"
xmllint --noout --schema $xsd "$d/broken.xml" 2>/dev/null && die "xmllint accepted tests=\"many\""
sed 's/<testcase name="[^"]*"/<testcase/' "$d/good.xml" >"$d/broken.xml"
xmllint --noout --schema $xsd "$d/broken.xml" 2>/dev/null && die "xmllint accepted a testcase with no name"

# one rule broken (as tests/cli/test_verb.test.sh), with a file that does not compile beside it
broken=$d/broken.doudi
sed 's/adl_lost <= 3/adl_lost <= 2/' $rules >"$broken"
printf 'record person { id: text key }\ncategory x when agee > 1\n' >"$d/bad.doudi"
"$DOUDI" test "$broken" "$d/bad.doudi" --format junit >"$d/fail.xml" 2>"$d/err"
[ $? -eq 2 ] || die "junit with a file in error: expected exit 2"
grep -q "unknown name 'agee'" "$d/err" || die "junit: diagnostics not on stderr"
xmllint --noout --schema $xsd "$d/fail.xml" 2>"$d/err" || { cat "$d/err"; die "junit (failing): does not validate"; }
"$DOUDI" test "$broken" >"$d/text.broken"
nfail=$(grep -c '^FAIL ' "$d/text.broken")
[ "$nfail" -ge 1 ] || die "the broken rule fails no test"
grep -q "<testsuite name=\"$broken\" tests=\"$(grep -c '^\(ok  \|FAIL\) ' "$d/text.broken")\" failures=\"$nfail\" errors=\"0\"" \
  "$d/fail.xml" || die "junit: failing suite counts"
grep -q "<testsuite name=\"$d/bad.doudi\" tests=\"1\" failures=\"0\" errors=\"1\"" "$d/fail.xml" || die "junit: file in error"
grep -q '<error type="rule-file" message="the rule file has errors or cannot be read"/>' "$d/fail.xml" || die "junit: error"
grep -q '<failure type="expectation" message="self_care: expected partial, got none">' "$d/fail.xml" ||
  die "junit: failure message"
# the failure's text holds what differed and the explanation, as the text report
grep -qxF '  care: expected township_home, got welfare_institution' "$d/fail.xml" || die "junit: failure text"
grep -qxF '      adl_lost = 3   丧失的日常生活能力项数' "$d/fail.xml" || die "junit: explanation"

# ---- TAP 13 ------------------------------------------------------------------------------------
"$DOUDI" test "$broken" $rules --require-full-coverage --format tap >"$d/out.tap"
[ $? -eq 1 ] || die "tap: expected exit 1"
# A TAP 13 reader: version line, plan, test points numbered 1..N in order, YAML blocks
# (indented, between --- and ...) only right after a test point; prints "N ok|not_ok NAME" per
# point. Each YAML block is parsed when python3-yaml is there.
cat >"$d/tap.py" <<'EOF'
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
assert lines[-1] == "", "no final newline"
lines = lines[:-1]
assert lines[0] == "TAP version 13", lines[0]
m = re.fullmatch(r"1\.\.(\d+)", lines[1]); assert m, lines[1]
planned = int(m.group(1))
try:
    import yaml
except ImportError:
    yaml = None
n, i, after_point = 0, 2, False
while i < len(lines):
    l = lines[i]
    pm = re.fullmatch(r"(ok|not ok) (\d+) - (.*)", l)
    if pm:
        n += 1
        assert int(pm.group(2)) == n, "point %s out of order" % pm.group(2)
        name = re.sub(r"\\(.)", r"\1", pm.group(3))
        print(n, pm.group(1).replace(" ", "_"), name)
        after_point, i = True, i + 1
        continue
    if l == "  ---":
        assert after_point, "YAML block not after a test point (line %d)" % (i + 1)
        j = lines.index("  ...", i)
        block = "\n".join(x[2:] for x in lines[i + 1:j])
        assert all(x.startswith("  ") for x in lines[i + 1:j]), "YAML not indented"
        if yaml:
            doc = yaml.safe_load(block)
            assert isinstance(doc, dict), block
            if "failures" in doc:
                for f in doc["failures"]:
                    assert "case" in f and "line" in f, f
                    if "explanation" in f:
                        assert f["explanation"].startswith("id 身份证号:"), f["explanation"][:40]
        after_point, i = False, j + 1
        continue
    assert l.startswith("#"), "not TAP: %r" % l
    after_point, i = False, i + 1
assert n == planned, "plan 1..%d, %d points" % (planned, n)
EOF
$PY "$d/tap.py" "$d/out.tap" >"$d/points" 2>"$d/err" || { cat "$d/err"; die "tap: not valid TAP 13"; }
# the same tests and verdicts as the text report (+ two coverage points)
"$DOUDI" test "$broken" $rules --require-full-coverage >"$d/text2"
grep -v '^== \|^coverage: \|^[0-9]* passed' "$d/text2" | grep '^\(ok  \|FAIL\) ' |
  sed -e 's/^ok   /ok /' -e 's/^FAIL /not_ok /' >"$d/want.points"
cut -d' ' -f2- "$d/points" | grep -v ' full coverage$' >"$d/got.points"
cmp -s "$d/want.points" "$d/got.points" || { diff "$d/want.points" "$d/got.points"; die "tap: points differ from text"; }
[ "$(grep -c ' full coverage$' "$d/points")" -eq 2 ] || die "tap: coverage points"
grep -qx "[0-9]* ok full coverage" "$d/points" || die "tap: the good file's coverage point"
grep -q '^  line: [0-9]*$' "$d/out.tap" || die "tap: no line in the YAML"
grep -qxF '        - "self_care: expected partial, got none"' "$d/out.tap" || die "tap: the difference"
# the parser is not a rubber stamp
sed 's/^1\.\.\([0-9]*\)$/1..999/' "$d/out.tap" >"$d/bad.tap"
$PY "$d/tap.py" "$d/bad.tap" >/dev/null 2>&1 && die "tap parser accepted a wrong plan"
sed '0,/^ok 2 - /s/^ok 2 - /ok 7 - /' "$d/out.tap" >"$d/bad.tap"
$PY "$d/tap.py" "$d/bad.tap" >/dev/null 2>&1 && die "tap parser accepted points out of order"

# ---- JSON --------------------------------------------------------------------------------------
"$DOUDI" test "$broken" "$d/bad.doudi" --coverage --format json >"$d/out.json" 2>/dev/null
$PY - "$d/out.json" "$d/text.broken" <<'EOF' || die "json: wrong"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
text = open(sys.argv[2], encoding="utf-8").read().split("\n")
f, bad = r["files"]
assert bad["error"] == "the rule file has errors or cannot be read" and bad["tests"] == [], bad
assert r["errors"] == 1 and r["ok"] is False
names = [l[5:] for l in text if l.startswith(("ok   ", "FAIL "))]
assert [t["name"] for t in f["tests"]] == names
failed = [t for t in f["tests"] if not t["ok"]]
assert len(failed) == r["failed"] == f["failed"] == sum(l.startswith("FAIL ") for l in text)
d = failed[0]["failures"][0]["differences"][0]
assert d == {"key": "self_care", "expected": "partial", "actual": "none"}, d
c = f["coverage"]
assert c["required"] is False and c["condition_outcomes"]["total"] > 0
EOF

# ---- SARIF 2.1.0 -----------------------------------------------------------------------------
# every rule file of tests/bad at once: errors and warnings, Chinese text, full-width characters
"$DOUDI" check --format sarif tests/bad/*.doudi >"$d/out.sarif"
[ $? -eq 1 ] || die "sarif: expected exit 1 (errors)"
"$DOUDI" check tests/bad/*.doudi 2>"$d/check.txt"
cat >"$d/sarif.py" <<'EOF'
import json, re, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
log = json.load(open(sys.argv[2], encoding="utf-8"))
jsonschema.Draft7Validator.check_schema(schema)
v = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(v.iter_errors(log), key=str)
for e in errors:
    print("invalid:", "/".join(map(str, e.absolute_path)), e.message)
if errors:
    sys.exit(1)
if len(sys.argv) < 4:
    sys.exit(0)
# beyond the schema: ruleIndex names the rule of ruleId; each result is a diagnostic of the
# text report at the same file:line:col with the same severity and message
run, = log["runs"]
rules = run["tool"]["driver"]["rules"]
text = open(sys.argv[3], encoding="utf-8").read()
want = re.findall(r"^(tests/bad/[^:]+):(\d+):(\d+): (error|warning): (.*)$", text, re.M)
got = []
for r in run["results"]:
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
    loc = r["locations"][0]["physicalLocation"]
    reg = loc["region"]
    assert (reg["endLine"], reg["endColumn"]) > (reg["startLine"], reg["startColumn"]), reg
    got.append((loc["artifactLocation"]["uri"], str(reg["startLine"]), str(reg["startColumn"]), r["level"],
                r["message"]["text"].split("\n")[0]))
assert sorted(got) == sorted(want), (len(got), len(want), sorted(set(want) ^ set(got))[:4])
print(len(got))
EOF
n=$($PY "$d/sarif.py" $sarif_schema "$d/out.sarif" "$d/check.txt") || { echo "$n"; die "sarif: invalid"; }
[ "$n" -gt 20 ] || die "sarif: only $n results"
# a file with no diagnostics still gets a log, with no results
"$DOUDI" check --format sarif $rules >"$d/clean.sarif" || die "sarif: clean file, exit status"
$PY "$d/sarif.py" $sarif_schema "$d/clean.sarif" || die "sarif: clean log invalid"
grep -q '"results": \[\]' "$d/clean.sarif" || die "sarif: clean log has results"
# a Chinese file name is a percent-encoded URI
cp tests/bad/bad-character-cjk.doudi "$d/规则.doudi"
(cd "$d" && "$DOUDI" check --format sarif 规则.doudi) >"$d/cjk.sarif"
grep -q '"uri": "%E8%A7%84%E5%88%99.doudi"' "$d/cjk.sarif" || die "sarif: uri not encoded"
# the validator is not a rubber stamp
sed 's/"level": "error"/"level": "fatal"/' "$d/out.sarif" >"$d/broken.sarif"
$PY "$d/sarif.py" $sarif_schema "$d/broken.sarif" >/dev/null && die "jsonschema accepted level fatal"
sed 's/"startLine": [0-9]*/"startLine": 0/' "$d/out.sarif" >"$d/broken.sarif"
$PY "$d/sarif.py" $sarif_schema "$d/broken.sarif" >/dev/null && die "jsonschema accepted startLine 0"
sed 's/"version": "2.1.0",//' "$d/out.sarif" >"$d/broken.sarif"
$PY "$d/sarif.py" $sarif_schema "$d/broken.sarif" >/dev/null && die "jsonschema accepted a log with no version"

# usage errors
"$DOUDI" test $rules --format xml >/dev/null 2>&1
[ $? -eq 2 ] || die "test --format xml: expected exit 2"
"$DOUDI" check --format xml $rules >/dev/null 2>&1
[ $? -eq 2 ] || die "check --format xml: expected exit 2"
exit 0
