#!/usr/bin/env bats
# tinyrun --trace (global flag): per-phase start-up timings of the runtime and of the container's
# init, on stderr or as JSON records into --log. runc and crun have no such flag.

load helpers

no_trace_flag() {
	known_difference runc "runc 1.1.5 has no --trace flag (a tinyrun feature)"
	known_difference crun "crun 1.8.1 has no --trace flag (a tinyrun feature)"
}

# trace_lines TEXT: the "tinyrun trace:" lines of TEXT, as "who at dur phase".
trace_lines() {
	sed -n 's/^tinyrun trace: \([a-z]*\) at=\([0-9.]*\) dur=\([0-9.-]*\) \(.*\)$/\1 \2 \3 \4/p' <<<"$1"
}

# assert_order WHO PHASE...: the phases of WHO appear in $lines in this order (others between).
assert_order() {
	local who=$1 got
	shift
	got=$(awk -v w="$who" '$1 == w { $1 = $2 = $3 = ""; sub(/^ +/, ""); print }' <<<"$lines")
	local want
	for want in "$@"; do
		grep -qxF "$want" <<<"$got" || fail "$who phase '$want' missing; $who phases:"$'\n'"$got" || return 1
		got=$(sed -n "/^$(sed 's/[][\/.*^$]/\\&/g' <<<"$want")\$/,\$p" <<<"$got" | tail -n +2)
	done
}

# assert_sane: times increase down the list, durations are >= 0 and within the whole run, and
# each process's phases do not overlap (one ends where the next begins).
assert_sane() {
	awk '
		{ at = $2 + 0; if (at < prev) { print "at=" at " after " prev; bad = 1 } prev = at }
		$3 != "-" { if ($3 + 0 < 0) { print "negative dur: " $0; bad = 1 }
			end = $2 + $3; if (end > last) last = end }
		{ if (($1 in open) && (open[$1] - $2 > 0.002 || $2 - open[$1] > 0.002)) {
			print "gap or overlap in " $1 " before: " $0; bad = 1 }
		  if ($3 != "-") open[$1] = $2 + $3; else delete open[$1] }
		END { if (NR < 10) { print "only " NR " phases"; bad = 1 }
		      if (last <= 0 || last > 60000) { print "total " last " ms is not sane"; bad = 1 }
		      exit bad }' <<<"$lines" || fail "trace not sane:"$'\n'"$lines"
}

@test "run --trace: the runtime's and the init's phases on stderr, in order, with sane times" {
	no_trace_flag
	set_args /bin/echo traced
	ID=$(new_id)
	run --separate-stderr "$RUNTIME" --root "$ROOT" --trace run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	# the container's own output is untouched
	assert_equal "$output" "traced"
	lines=$(trace_lines "$stderr")
	assert_order runtime "run" "reserve the state dir" "load spec" "validate" \
		"prepare: caps, seccomp, namespaces" "cgroup: create" "clone the init" \
		"cgroup: enter and apply limits" "answer the init: hooks, ready" "record the state" \
		"start" "wait for the container to exit" "delete"
	# no user namespace in the bundle: the init's steps before the rootfs run before it waits
	# for the runtime's setup (init.c waits_for_setup_first)
	assert_order init "enter a new network namespace" "open a private procfs" "wait for the runtime's setup" \
		"prepare the rootfs" "enter the rootfs" "drop privileges" "report created" "wait for start" "execve"
	# the init's last phase is its execve, whose end it cannot see: no duration
	assert_equal "$(awk '$1 == "init"' <<<"$lines" | tail -n1 | cut -d' ' -f3-)" "- execve"
	# the init begins after the clone and reports created before the runtime records the state
	clone=$(awk '$1 == "runtime" && /clone the init$/ { print $2 }' <<<"$lines")
	first=$(awk '$1 == "init" { print $2; exit }' <<<"$lines")
	awk -v a="$clone" -v b="$first" 'BEGIN { exit !(b >= a) }' || fail "init at $first before the clone at $clone"
	assert_sane
	# every stderr line is a trace line: nothing else was printed
	assert_equal "$(grep -vc '^tinyrun trace: ' <<<"$stderr")" 0
}

@test "create --trace shows the init up to 'wait for start'; start --trace its own phases" {
	no_trace_flag
	ID=$(new_id)
	"$RUNTIME" --root "$ROOT" --trace create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create.err" || fail "create failed: $(cat "$BATS_TEST_TMPDIR/create.err")"
	lines=$(trace_lines "$(cat "$BATS_TEST_TMPDIR/create.err")")
	assert_order init "prepare the rootfs" "enter the rootfs" "report created"
	# the init's last phase, still running: it stamps "wait for start" right after it reported
	# created, while create may already be printing
	last=$(awk '$1 == "init"' <<<"$lines" | tail -n1 | cut -d' ' -f3-)
	[ "$last" = "- wait for start" ] || [ "$last" = "- report created" ] || fail "last init phase: $last"
	assert_sane
	assert_equal "$(state_field "$ID" .status)" created
	# start is another process: only its own phase, which ends when it exits
	run --separate-stderr "$RUNTIME" --root "$ROOT" --trace start "$ID" </dev/null
	assert_status 0
	lines=$(trace_lines "$stderr")
	assert_equal "$(cut -d' ' -f1,4- <<<"$lines")" "runtime start"
	awk '{ exit !($3 >= 0 && $3 < 60000) }' <<<"$lines" || fail "start dur not sane: $lines"
}

@test "exec --trace: the runtime's and the exec'd process's phases" {
	no_trace_flag
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr "$RUNTIME" --root "$ROOT" --trace exec "$ID" /bin/echo in-exec </dev/null
	assert_status 0
	assert_equal "$output" "in-exec"
	lines=$(trace_lines "$stderr")
	assert_order runtime "prepare: process, namespaces, cgroup" "clone and answer the process" \
		"wait for the process to exit"
	assert_order exec "join the user namespace, wait for setup" \
		"rlimits, find the program, seccomp, privileges" "execve"
}

@test "--trace --log-format json: one JSON record per phase into --log, none on stderr" {
	no_trace_flag
	set_args /bin/true
	ID=$(new_id)
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr "$RUNTIME" --root "$ROOT" --log "$log" --log-format json --trace \
		run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_not_contains "$stderr" "trace"
	# every line of the log is JSON; the trace records carry who, phase and numbers
	jq -e . "$log" >/dev/null || fail "log is not JSON lines: $(cat "$log")"
	lines=$(jq -r 'select(.msg == "trace") | "\(.who) \(.at_ms) \(.dur_ms // "-") \(.phase)"' "$log")
	assert_order runtime "load spec" "clone the init" "start" "delete"
	assert_order init "enter the rootfs" "execve"
	assert_sane
	assert_equal "$(jq -r 'select(.msg == "trace") | .level' "$log" | sort -u)" info
}

@test "without --trace: no trace output at all" {
	# runs on every runtime: none of them prints a trace by default
	set_args /bin/true
	ID=$(new_id)
	log=$BATS_TEST_TMPDIR/log.json
	run --separate-stderr "$RUNTIME" --root "$ROOT" --log "$log" --log-format json run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_not_contains "$stderr" "trace"
	assert_not_contains "$(cat "$log" 2>/dev/null)" '"trace"'
}
