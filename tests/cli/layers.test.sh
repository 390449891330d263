# `make layers` (tests/layers.sh) on a copy of the tree: it passes on the tree as it is, and fails —
# naming the file, the line and the rule — when an include points up a layer (the engine including
# the language), when a folder includes another's private header, and when a file outside the API
# includes the public header.
set -u
d=$TMPDIR/layers
die() { echo "layers: $*"; exit 1; }
mkdir -p "$d/tests" || exit 1
cp -R src grammar "$d/" && cp tests/layers.sh "$d/tests/" || die "copy"
sh "$d/tests/layers.sh" >"$d/out" 2>&1 || { cat "$d/out"; die "the tree as it is does not pass"; }

plant() {   # FILE LINE-TO-ADD EXPECTED-MESSAGE
  cp "$d/$1" "$d/$1.orig"
  printf '%s\n' "$2" >>"$d/$1"
  sh "$d/tests/layers.sh" >"$d/out" 2>&1 && die "passed with $2 in $1"
  grep -qF "$1:$(wc -l <"$d/$1" | tr -d ' '): $3" "$d/out" || { cat "$d/out"; die "no '$1:LINE: $3'"; }
  mv "$d/$1.orig" "$d/$1"
}
plant src/engine/run.c '#include "lang/check.h"' 'includes lang/check.h: engine may not include lang (it is not below engine)'
plant src/vm/vm.c '#include "engine/ledger.h"' 'includes engine/ledger.h: vm may not include engine'
plant src/tools/diff.c '#include "engine/ledger_int.h"' 'includes engine/ledger_int.h, private to src/engine/'
plant src/engine/forms.c '#include "doudi.h"' 'includes the public header doudi.h (only api and cli may)'
plant src/cli/main.c '#include "engine/run.h"' 'includes engine/run.h: cli may not include engine'
sh "$d/tests/layers.sh" >/dev/null 2>&1 || die "the tree does not pass again once restored"
exit 0
