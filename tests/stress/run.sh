#!/bin/bash
# The load layer of tests/run-all.sh: tests/stress/stress.bats against RUNTIME (default this
# tree's ./tinyrun), TAP on stdout. STRESS_QUICK=1 (CI): 40 cycles and 16 containers alive
# instead of 200 and 50. Needs root and bats.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
if [ "$(id -u)" -ne 0 ] || ! command -v bats >/dev/null; then
	echo "1..0 # skip: the load layer needs root and bats"
	exit 0
fi
export RUNTIME=${RUNTIME:-$PWD/tinyrun}
[ "${CI:-}" != true ] || export STRESS_QUICK=${STRESS_QUICK:-1}
start=$(date +%s)
bats --tap tests/stress/stress.bats
rc=$?
echo "# stress: $(($(date +%s) - start)) s (STRESS_QUICK=${STRESS_QUICK:-})"
exit $rc
