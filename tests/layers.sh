#!/bin/sh
# tests/layers.sh — `make layers`: no include points up a layer.
#
# The library's layers, lowest first (docs/architecture.md):
#
#   base    util, arena, dates, diagnostics, fixed point, resident ids, crash points
#   vm      opcodes, the Program and its .ddc file, the VM, disassembly, explanations
#   engine  values, CSV, the ledger, import, run, schedule, capacity, forms, reports
#   lang    the rule language: parse, check, compile, fmt
#   tools   rule-file tests, diff
#   api     include/doudi.h and its implementation, the REPL session
#
# A file under src/LAYER/ may include headers of its own folder and of the layers before
# LAYER, never of one after it: so nothing after the compiler (vm, engine) sees the syntax
# tree, and the engine never sees the language. A private header NAME_int.h is for its own
# folder only. Outside the library, src/gen/ (the population generator) sees only base, and
# the command line (src/cli/) sees the public header and the API layer's headers, base and
# the generator — nothing of the engine's internals. The grammar (grammar/) belongs to lang.
#
# Prints each offending include as FILE:LINE: and exits 1 when there is one.
set -u
cd "$(dirname "$0")/.." || exit 2

rank() {
  case $1 in
    base) echo 0 ;; vm) echo 1 ;; engine) echo 2 ;; lang) echo 3 ;; tools) echo 4 ;; api) echo 5 ;;
    *) echo 99 ;;
  esac
}

bad=0
report() { echo "$1: $2"; bad=1; }

# Which layers a folder may include, besides its own.
allowed() {
  case $1 in
    gen) echo "base" ;;
    cli) echo "base gen api" ;;
    *) r=$(rank "$1"); for l in base vm engine lang tools api; do [ "$(rank $l)" -lt "$r" ] && printf '%s ' $l; done ;;
  esac
}

check_file() {
  file=$1 own=$2
  ok_layers=" $own $(allowed "$own") "
  grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" | while IFS= read -r line; do
    n=${line%%:*}
    inc=$(printf '%s\n' "$line" | sed 's/.*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/')
    case $inc in
      doudi.h)
        case $own in api|cli) ;; *) echo "$file:$n: includes the public header doudi.h (only api and cli may)" ;; esac ;;
      doudi.tab.h|doudi.lex.h)
        [ "$own" = lang ] || echo "$file:$n: includes the generated $inc (lang only)" ;;
      ../../src/*|*.def)
        ;;
      */*)
        layer=${inc%%/*}
        case $ok_layers in
          *" $layer "*) ;;
          *) echo "$file:$n: includes $inc: $own may not include $layer (it is not below $own)" ;;
        esac
        case $inc in
          *_int.h) [ "$layer" = "$own" ] || echo "$file:$n: includes $inc, private to src/$layer/" ;;
        esac ;;
      *)
        [ -f "$(dirname "$file")/$inc" ] ||
          echo "$file:$n: includes \"$inc\", which is not in its own folder: write LAYER/$inc" ;;
    esac
  done
}

out=$(
  for f in src/*/*.c src/*/*.h src/*/*.def; do
    [ -f "$f" ] || continue
    own=$(basename "$(dirname "$f")")
    check_file "$f" "$own"
  done
  for f in grammar/doudi.l grammar/doudi.y; do check_file "$f" lang; done
)
if [ -n "$out" ]; then
  printf '%s\n' "$out"
  echo "layers: $(printf '%s\n' "$out" | wc -l) include(s) point up a layer (see tests/layers.sh)"
  exit 1
fi
echo "layers: every include points down or across (base < vm < engine < lang < tools < api; gen, cli)"
