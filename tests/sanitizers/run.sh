#!/bin/bash
# The sanitizers layer of tests/run-all.sh: integration suites against an ASan+UBSan build of
# tinyrun, failing when any sanitizer report appears. TAP from bats on stdout, then one "ok" or
# "not ok" per report check.
#
# The runtime: $ASAN_TINYRUN if set (.ci/run passes the ASan build it made for the unit tests),
# else built here: a clone of HEAD (a VPATH build needs a source tree never configured in
# place), configured in <clone>/_asan with -fsanitize=address,undefined and
# --disable-static-binary (the sanitizer runtimes cannot link statically). It is named tinyrun,
# as helpers.bash (is_tinyrun) needs.
# Suites: $SANITIZER_SUITES (default: lifecycle errors exec hooks mounts; seccomp is left out:
# its filters are the container's, not code of the runtime, and kill-on-denied tests would
# report nothing of ours).
# Reports go to files: ASAN_OPTIONS log_path, UBSAN_OPTIONS log_path (a report is a file
# <dir>/asan.<pid> or ubsan.<pid>). Leaks: detect_leaks=1. The runtime is short-lived, but
# what it does not free on its way out is still worth knowing; the container init never
# reaches an exit handler (it execs, or _exit()s), so LeakSanitizer only checks the runtime.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
SRC=$(pwd)
SUITES=${SANITIZER_SUITES:-lifecycle errors exec hooks mounts}
JOBS=${JOBS:-2}
if [ "$(id -u)" -ne 0 ] || ! command -v bats >/dev/null; then
	echo "1..0 # skip: the sanitizers layer needs root and bats"
	exit 0
fi
WORK=$(mktemp -d /tmp/tinyrun-sanitizers.XXXXXX)
start=$(date +%s)
runtime=${ASAN_TINYRUN:-}
if [ -z "$runtime" ]; then
	echo "# building an ASan+UBSan tinyrun in $WORK/src/_asan"
	if ! { git clone -q --no-hardlinks "$SRC" "$WORK/src" &&
		(cd "$WORK/src" && ./autogen.sh && mkdir _asan && cd _asan &&
			../configure --quiet --disable-static-binary CFLAGS='-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1' \
				LDFLAGS='-fsanitize=address,undefined' && make -j"$JOBS" tinyrun); } >"$WORK/build.log" 2>&1; then
		tail -30 "$WORK/build.log" | sed 's/^/# /'
		echo "1..1"
		echo "not ok 1 build the ASan+UBSan tinyrun"
		exit 1
	fi
	runtime=$WORK/src/_asan/tinyrun
fi
[ "$(basename "$runtime")" = tinyrun ] || { echo "1..1"; echo "not ok 1 $runtime is not named tinyrun"; exit 1; }
echo "# runtime: $runtime"
mkdir -p "$WORK/reports"
export RUNTIME=$runtime
export ASAN_OPTIONS=log_path=$WORK/reports/asan:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:log_path=$WORK/reports/ubsan
rc=0
for suite in $SUITES; do
	echo "# tests/integration/$suite.bats"
	bats --tap "tests/integration/$suite.bats" </dev/null || rc=1
done
# One check per suite run at the end: any report file is a failure, shown in the log.
reports=$(find "$WORK/reports" -type f | sort)
echo "1..1"
if [ -n "$reports" ]; then
	echo "not ok 1 no sanitizer report: $(wc -l <<<"$reports") report file(s)"
	for f in $reports; do
		echo "# == $f"
		head -40 "$f" | sed 's/^/# /'
	done
	rc=1
else
	echo "ok 1 no sanitizer report (ASan, LeakSanitizer, UBSan) from: $SUITES"
fi
echo "# sanitizers: $(($(date +%s) - start)) s"
exit $rc
