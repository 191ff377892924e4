#!/bin/sh
# Run every libFuzzer target for FUZZ_SECONDS (default 60) and print TAP: one test per target,
# ok when it ran the whole time without a crash, a sanitizer report or a leak.
#   tests/fuzz/run.sh [BUILD_DIR [CORPUS_DIR]]   (defaults: tests/fuzz and the seeds next to it)
# The seed corpus is only read: new inputs go to a scratch corpus, crashes to $FUZZ_OUT
# (default: a temporary directory, named in the diagnostics) as crash-*/leak-*/timeout-*.
bindir=${1:-tests/fuzz}
seeds=${2:-$(dirname "$0")/corpus}
seconds=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-$(mktemp -d /tmp/tinyrun-fuzz.XXXXXX)}
targets="config state mountopts pending dbus"
# run by hand or from tests/run-all.sh in the build tree: build what is missing (make fuzz did).
# With clang there, a target that does not build is a failure, not a skip (a fuzz target that
# no longer compiles against the code it reads must not pass quietly).
failed_build=" "
if [ -f Makefile ] && command -v clang >/dev/null 2>&1; then
	for t in $targets; do
		if ! make -s "$bindir/fuzz-$t" >"$out/build-$t.log" 2>&1; then
			failed_build="$failed_build$t "
			rm -f "$bindir/fuzz-$t"
		fi
	done
fi
set -- $targets
echo "1..$#"
n=0
rc=0
for t in $targets; do
	n=$((n + 1))
	bin=$bindir/fuzz-$t
	case $failed_build in *" $t "*)
		rc=1
		echo "not ok $n - fuzz-$t: does not build (log: $out/build-$t.log)"
		grep -m3 'error' "$out/build-$t.log" | sed 's/^/# /'
		continue ;;
	esac
	if [ ! -x "$bin" ]; then
		echo "ok $n - fuzz-$t # SKIP not built (make fuzz needs clang)"
		continue
	fi
	work=$out/$t-corpus
	mkdir -p "$work"
	log=$out/$t.log
	# -rss_limit_mb and -timeout bound a run away input; -print_final_stats gives execs/s
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$out/$t-" "$work" "$seeds/$t" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
		echo "ok $n - fuzz-$t: ${execs:-?} runs in ${seconds}s (${secs:-?} exec/s, ${cov:-cov: ?})"
	else
		rc=1
		echo "not ok $n - fuzz-$t: crash, leak or timeout (log: $log)"
		grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/# /'
	fi
done
exit $rc
