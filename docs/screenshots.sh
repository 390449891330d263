#!/bin/sh
# docs/screenshots.sh — remake docs/report.png and docs/report-schedule.png (docs/guide-zh.md,
# 6.1) from `make demo`'s report, the way tests/cli/report_html.test.sh takes its screenshot:
# Debian's chromium, headless, a fresh profile, nothing fetched; then cropped and reduced to
# 48 colours with python3-pil so they stay small.
#
#   make demo && sh docs/screenshots.sh
set -eu
page=$(pwd)/build/demo/报告.html
[ -f "$page" ] || { echo "no $page: run make demo first"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/doudi-shots.XXXXXX")
trap 'rm -rf "$T"' EXIT
shot() {   # shot HEIGHT OUT.png
  rm -rf "$T/profile"
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$T/profile" --window-size=880,"$1" --screenshot="$2" "file://$page" >/dev/null 2>&1
}
shot 1250 "$T/top.png"
shot 3700 "$T/tall.png"
/usr/bin/python3 - "$T" <<'PY'
import sys
from PIL import Image
t = sys.argv[1]
def save(src, box, out):
    im = Image.open("%s/%s" % (t, src)).convert("RGB").crop(box)
    im.quantize(colors=48, method=Image.Quantize.MEDIANCUT).save(out, optimize=True)
save("top.png", (60, 0, 800, 1250), "docs/report.png")
# the first county's yearly schedule: where it sits depends on the demo's numbers; look at
# docs/report-schedule.png after a change to the page's layout
save("tall.png", (60, 3290, 800, 3522), "docs/report-schedule.png")
PY
ls -l docs/report.png docs/report-schedule.png
