# `doudi explain --format html`: one printable page, checked in a real browser as
# report_html.test.sh checks the report (the same chromium, headless, fresh profile, nothing
# fetched): for the 2023 cut-off person and the non-target of tests/fixtures/explain,
#  - the page is self-contained: no URL, src, link out, script or fetching element, no CSS url()
#    or @import; it prints on A4 (@page) and is in Chinese (lang zh-CN, the verdict in Chinese);
#  - the screenshot is not blank;
#  - every number the DOM shows in a named place equals the JSON's: each category's conditions
#    short, the rank and N, each year's cumulative quota; the verdict is the JSON's verdict.
# The pages are kept in build/test-output/explain_html/ for a person to look at.
set -u
R=rules/zhengzhou-2021.doudi
T=$TMPDIR
PY=/usr/bin/python3
OUT=$(dirname "$DOUDI")/test-output/explain_html
die() { echo "explain_html: $*"; exit 1; }
command -v chromium >/dev/null 2>&1 ||
  die "chromium is not installed: make installs it (PACKAGES in the Makefile), or apt-get install chromium"
$PY -c 'import PIL' 2>/dev/null || die "/usr/bin/python3 has no PIL: make installs python3-pil"
rm -rf "$OUT" && mkdir -p "$OUT" || die "cannot make $OUT"
"$DOUDI" import --db "$T/l.db" --rules $R tests/fixtures/explain/persons.csv >/dev/null || die "import"
"$DOUDI" run $R --db "$T/l.db" --as-of 2022-06-01 >/dev/null || die "run"

browse() {   # chromium, headless, with a fresh profile each time and nothing fetched or synced
  page=$1
  shift
  rm -rf "$T/profile"
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$T/profile" "$@" "file://$(cd "$OUT" && pwd)/$page"
}
for case in cutoff:410122196605050017 near:410122196104010017; do
  name=${case%%:*}
  id=${case#*:}
  DOUDI_MSG_STRICT=1 "$DOUDI" explain $R --db "$T/l.db" --id "$id" --format html >"$OUT/$name.html" 2>"$T/err" ||
    die "$name: explain --format html: $(cat "$T/err")"
  "$DOUDI" explain $R --db "$T/l.db" --id "$id" --format json --lang zh >"$OUT/$name.json" || die "$name: json"
  browse $name.html --window-size=900,1600 --screenshot="$OUT/$name.png" >"$T/chromium.out" 2>&1 ||
    die "chromium could not take the screenshot: $(tail -5 "$T/chromium.out")"
  [ -s "$OUT/$name.png" ] || die "chromium wrote no screenshot: $(tail -5 "$T/chromium.out")"
  browse $name.html --dump-dom >"$OUT/$name.dom.html" 2>"$T/chromium.err" ||
    die "chromium could not dump the DOM: $(tail -5 "$T/chromium.err")"
done

cat >"$T/check.py" <<'PY'
import json, re, sys
from html.parser import HTMLParser
from PIL import Image

out = sys.argv[1]
problems = []

class Page(HTMLParser):
    """The text of each element with a class of interest, in order."""
    def __init__(self):
        super().__init__()
        self.stack, self.found, self.category, self.h1 = [], [], None, ""
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-category" in a:
            self.category = a["data-category"]
        self.stack.append((tag, a.get("class", ""), []))
    def handle_endtag(self, tag):
        while self.stack:
            t, cls, text = self.stack.pop()
            s = "".join(text)
            if self.stack:
                self.stack[-1][2].append(s)
            if t == "h1":
                self.h1 = s
            for c in cls.split():
                if c in ("short", "rank", "n", "quota", "year"):
                    self.found.append((c, self.category, s))
            if t == tag:
                break
    def handle_data(self, data):
        if self.stack:
            self.stack[-1][2].append(data)

for name in ("cutoff", "near"):
    page = open("%s/%s.html" % (out, name), encoding="utf-8").read()
    dom = open("%s/%s.dom.html" % (out, name), encoding="utf-8").read()
    j = json.load(open("%s/%s.json" % (out, name), encoding="utf-8"))["explanation"]
    for what, text in (("page", page), ("DOM", dom)):
        for pattern, desc in ((r"https?://", "a URL"), (r"\bsrc\s*=", "a src attribute"),
                              (r"\bhref\s*=\s*[\"']?(?!#)", "a link out"),
                              (r"<(script|link|img|iframe|object|embed)\b", "an element fetching"),
                              (r"url\(", "a CSS url()"), (r"@import", "a CSS @import")):
            m = re.search(pattern, text, re.I)
            if m:
                problems.append("%s %s has %s: %r" % (name, what, desc, text[max(0, m.start() - 40):m.end() + 40]))
    if "@page{size:A4" not in page or 'lang="zh-CN"' not in page:
        problems.append("%s: not an A4 page in Chinese" % name)
    im = Image.open("%s/%s.png" % (out, name)).convert("RGB")
    px = list(im.getdata())
    inked = sum(1 for p in px if sum(p) < 720) / len(px)
    if inked < 0.02 or len(set(px)) < 10:
        problems.append("%s: the screenshot looks blank (%.1f%% not white)" % (name, 100 * inked))
    p = Page()
    p.feed(dom)
    if p.h1.strip() != j["verdict"]:
        problems.append("%s: verdict %r, the JSON's %r" % (name, p.h1, j["verdict"]))
    # conditions short, per category not met
    want = {c["name"]: str(c["short"]) for c in j["people"] if not c["holds"]}
    got = {cat: s for c, cat, s in p.found if c == "short"}
    if got != want:
        problems.append("%s: conditions short %s, the JSON's %s" % (name, got, want))
    y = j["year"]
    ranks = [s for c, _, s in p.found if c == "rank"]
    ns = [s for c, _, s in p.found if c == "n"]
    years = [s for c, _, s in p.found if c == "year"]
    quotas = [s for c, _, s in p.found if c == "quota"]
    if y is None:
        if ranks or ns or years or quotas:
            problems.append("%s: a year on the page of a non-target" % name)
        continue
    if ranks != [str(y["rank"])] or ns != [str(y["n"])]:
        problems.append("%s: rank %s of %s, the JSON's %s of %s" % (name, ranks, ns, y["rank"], y["n"]))
    if years != [str(r["year"]) for r in y["years"]] or quotas != [str(r["quota"]) for r in y["years"]]:
        problems.append("%s: years %s quotas %s, the JSON's %s" % (name, years, quotas, y["years"]))
    if "安排在2023年" not in p.h1 or "排第" not in dom:
        problems.append("%s: the page does not say the year and rank in Chinese" % name)

print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
$PY "$T/check.py" "$OUT" || die "the pages are not what they should be (see $OUT)"
exit 0
