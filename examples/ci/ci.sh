#!/bin/sh
# ci.sh — the gate every change to this rule repository passes, as the CI runs it and as
# anyone can run it before pushing:
#
#   sh ci.sh [BASE]
#
# `doudi ci` checks every rule file, runs its tests with full coverage required, and compares
# each rule file that differs from its text at BASE over every fixture population, against
# the change's approved-changes files (approved/NAME/POP.approved). BASE is the revision the
# change is compared with: the merge request's base in CI (.gitlab-ci.yml, .github/workflows/),
# HEAD by default — the working tree against the last commit. The reports go to doudi-ci/
# (summary.md is the merge-request comment); the exit status is doudi ci's: 0 the change
# passes, 1 something was found, 2 the gate itself could not run.
#
# DOUDI names the doudi binary (default: doudi, on PATH).
set -u
DOUDI=${DOUDI:-doudi}
base=${1:-HEAD}
out=doudi-ci
case $DOUDI in /*) ;; */*) DOUDI=$(pwd)/$DOUDI ;; esac   # still found after the cd
cd "$(dirname "$0")" || exit 2
rm -rf "$out"
exec "$DOUDI" ci --base "$base" --out "$out"
