#!/bin/bash
# THE test command:   sudo tests/run-all.sh [--unit-only | --integration-only] [--counts FILE]...
#
# Layers, in order, each counted:
#   build        ./autogen.sh && ./configure && make when there is no ./tinyrun, else make
#   unit         make check (TAP unit tests; counts from the automake harness summary)
#   integration  every tests/integration/*.bats with bats --tap (needs root, bats)
#   clients      tests/clients/run.sh, if executable (TAP or an "N passed, N failed" line)
#   vm           tests/vm/run.sh, if executable (same): the v2 and systemd VM variants
#   lima         tests/vm/lima/run.sh: the lima VM variant (rootless containerd as in Lima's guest),
#                tinyrun, runc and crun side by side (9-17 min)
#   arm64        tests/arm64/run.sh: 2 cross builds + arm64 qemu VM smoke set, tinyrun (static, dynamic), runc and crun (3-6 min)
#   deb          debian/test-package.sh: build the .deb, dpkg -i, dpkg -L, purge (~1.5 min)
#   build-matrix tests/build-matrix.sh: every configure --disable-X/--enable-X builds (VPATH, a
#                clone of HEAD), make check of --disable-seccomp (~1 min per option)
#   fuzz         tests/fuzz/run.sh: each libFuzzer target for FUZZ_SECONDS (60; needs clang)
#   sanitizers   tests/sanitizers/run.sh: integration suites against an ASan+UBSan tinyrun
#   stress       tests/stress/run.sh: load (STRESS_QUICK=1 under CI=true)
# A layer whose prerequisites are missing says why and is skipped.
# --counts FILE adds counts made elsewhere (a line "N passed, N failed, N skipped"), as .ci/run
# does for the ASan unit run. The last line is always: N passed, N failed, N skipped.
# Exit status: 0 when nothing failed, 1 otherwise.
# Environment: RUNTIME (default ./tinyrun) for the integration layer, JOBS for make (2).
set -uo pipefail

cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
JOBS=${JOBS:-2}
MODE=all
EXTRA_COUNTS=()
while [ $# -gt 0 ]; do
	case "$1" in
	--unit-only) MODE=unit ;;
	--integration-only) MODE=integration ;;
	--counts) EXTRA_COUNTS+=("$2"); shift ;;
	-h | --help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "run-all.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

PASSED=0
FAILED=0
SKIPPED=0
LOGDIR=$(mktemp -d /tmp/tinyrun-run-all.XXXXXX)

add_counts() { # passed failed skipped layer
	PASSED=$((PASSED + $1))
	FAILED=$((FAILED + $2))
	SKIPPED=$((SKIPPED + $3))
	echo "== $4: $1 passed, $2 failed, $3 skipped"
}

# counts_of_output FILE: "P F S" from the last "N passed, N failed[, N skipped]" line of FILE,
# else from its TAP lines (a plan larger than the results seen counts the rest as failed).
counts_of_output() {
	local line p f s plan seen
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -1)
	if [ -n "$line" ]; then
		p=$(sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/' <<<"$line")
		f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
		s=$(sed -nE 's/.* ([0-9]+) skipped$/\1/p' <<<"$line")
		echo "$p $f ${s:-0}"
		return
	fi
	awk '
		/^1\.\.[0-9]+/ { split($0, a, "\\.\\."); plan += a[2] }
		/^ok / { if (tolower($0) ~ /# skip/) s++; else p++ }
		/^not ok / { if (tolower($0) ~ /# todo/) s++; else f++ }
		END {
			seen = p + f + s
			if (plan > seen) f += plan - seen
			print p + 0, f + 0, s + 0
		}' "$1"
}

build() {
	echo "== build"
	if [ ! -x ./tinyrun ]; then
		if [ ! -x ./configure ]; then
			./autogen.sh || return 1
		fi
		if [ ! -f ./Makefile ]; then
			./configure || return 1
		fi
	fi
	make -j"$JOBS"
}

unit_layer() {
	local log=$LOGDIR/unit.log p f s
	echo "== unit tests (make check)"
	make -j"$JOBS" check 2>&1 | tee "$log"
	if ! grep -q '^# TOTAL:' "$log"; then
		echo "== unit: make check produced no test summary (build failure?)"
		add_counts 0 1 0 unit
		return
	fi
	p=$(awk '/^# PASS:/ {a += $3} /^# XFAIL:/ {a += $3} END {print a + 0}' "$log")
	f=$(awk '/^# FAIL:/ {a += $3} /^# XPASS:/ {a += $3} /^# ERROR:/ {a += $3} END {print a + 0}' "$log")
	s=$(awk '/^# SKIP:/ {a += $3} END {print a + 0}' "$log")
	if [ -f tests/unit/test-suite.log ] || [ -f test-suite.log ]; then
		[ "$f" -eq 0 ] || cat test-suite.log 2>/dev/null | head -200
	fi
	add_counts "$p" "$f" "$s" unit
}

integration_layer() {
	local bats_file name log c
	if ! command -v bats >/dev/null; then
		echo "== integration: skipped, bats is not installed (apt-get install bats)"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "== integration: skipped, it needs root (sudo tests/run-all.sh)"
		return
	fi
	export RUNTIME=${RUNTIME:-$SRC/tinyrun}
	if [ ! -x "$RUNTIME" ]; then
		echo "== integration: no runtime at $RUNTIME"
		add_counts 0 1 0 integration
		return
	fi
	echo "== integration tests against $RUNTIME"
	for bats_file in tests/integration/*.bats; do
		name=$(basename "$bats_file" .bats)
		log=$LOGDIR/integration-$name.tap
		echo "# $bats_file"
		bats --tap "$bats_file" </dev/null 2>&1 | tee "$log"
		read -r -a c <<<"$(counts_of_output "$log")"
		add_counts "${c[0]}" "${c[1]}" "${c[2]}" "integration/$name"
	done
}

# external_layer NAME SCRIPT: a suite with its own runner printing TAP or a counts line.
external_layer() {
	local name=$1 script=$2 log=$LOGDIR/$1.log rc c
	if [ ! -e "$script" ]; then
		echo "== $name: skipped, no $script"
		return
	fi
	if [ ! -x "$script" ]; then
		echo "== $name: skipped, $script is not executable"
		return
	fi
	echo "== $name ($script)"
	"$script" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	read -r -a c <<<"$(counts_of_output "$log")"
	if [ "${c[0]}" -eq 0 ] && [ "${c[1]}" -eq 0 ] && [ "${c[2]}" -eq 0 ] && [ "$rc" -ne 0 ]; then
		c[1]=1 # it failed before reporting anything
	fi
	add_counts "${c[0]}" "${c[1]}" "${c[2]}" "$name"
}

if ! build >"$LOGDIR/build.log" 2>&1; then
	tail -50 "$LOGDIR/build.log"
	add_counts 0 1 0 build
	MODE=none
else
	echo "== build: ok"
fi

case "$MODE" in
all)
	unit_layer
	integration_layer
	external_layer clients tests/clients/run.sh
	external_layer vm tests/vm/run.sh
	external_layer lima tests/vm/lima/run.sh
	external_layer arm64 tests/arm64/run.sh
	external_layer deb debian/test-package.sh
	external_layer build-matrix tests/build-matrix.sh
	external_layer fuzz tests/fuzz/run.sh
	external_layer sanitizers tests/sanitizers/run.sh
	external_layer stress tests/stress/run.sh
	;;
unit) unit_layer ;;
integration) integration_layer ;;
esac

for f in "${EXTRA_COUNTS[@]}"; do
	read -r -a c <<<"$(counts_of_output "$f")"
	add_counts "${c[0]}" "${c[1]}" "${c[2]}" "$(basename "$f")"
done

echo "logs: $LOGDIR"
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
