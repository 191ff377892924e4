#!/usr/bin/env bats
# Load (issue 14): many create/start/delete cycles in parallel, many containers alive at once,
# then kill --all + delete --force of all. Nothing may leak: state dirs, cgroup dirs, mounts,
# processes, fds into the state root or bundle. Run by run.sh (STRESS_QUICK=1: the CI size).
# Every runtime command is bounded by timeout(1): a hang is a failure, not a stuck run.

load ../integration/helpers

CYCLES=${STRESS_CYCLES:-200}
PARALLEL=${STRESS_PARALLEL:-8}
ALIVE=${STRESS_ALIVE:-50}
if [ -n "${STRESS_QUICK:-}" ]; then
	CYCLES=40
	ALIVE=16
fi

cycle_script() {
	cat >"$BATS_TEST_TMPDIR/cycle.sh" <<'SH'
#!/bin/sh
# cycle.sh RUNTIME ROOT BUNDLE ID: create, start, delete --force; prints "fail ID STEP" on error
r=$1 root=$2 bundle=$3 id=$4
timeout -k 5 60 "$r" --root "$root" create --bundle "$bundle" "$id" </dev/null >/dev/null 2>&1 || { echo "fail $id create"; exit 0; }
timeout -k 5 60 "$r" --root "$root" start "$id" </dev/null >/dev/null 2>&1 || echo "fail $id start"
timeout -k 5 60 "$r" --root "$root" delete --force "$id" </dev/null >/dev/null 2>&1 || echo "fail $id delete"
SH
	chmod +x "$BATS_TEST_TMPDIR/cycle.sh"
}

# ids N PREFIX: N ids, each recorded for teardown (new_id)
ids() {
	local i
	for i in $(seq "$1"); do
		new_id "$2"
	done
}

# assert_nothing_left PREFIX: no state dir, cgroup dir, mount, process or fd of the run.
assert_nothing_left() {
	local left
	left=$(ls -A "$ROOT" | grep -v '^\.' || true)
	[ -z "$left" ] || fail "state dirs left: $left" || return 1
	left=$(cgroup_dirs_of "$1")
	[ -z "$left" ] || fail "cgroup dirs left: $left" || return 1
	left=$(grep -F -- "$1" /proc/self/mountinfo || true)
	[ -z "$left" ] || fail "mounts left: $left" || return 1
	left=$(procs_of_test "$1")
	[ -z "$left" ] || fail "processes left: $left" || return 1
	left=$(find /proc/[0-9]*/fd -lname "$ROOT/*" -o -lname "$BUNDLE/*" 2>/dev/null || true)
	[ -z "$left" ] || fail "fds into the state root or bundle left: $left" || return 1
}

@test "create/start/delete cycles in parallel: all succeed, nothing leaked" {
	cycle_script
	local prefix=cyc-$$ failures
	set_args /probe sleep 3600
	ids "$CYCLES" "$prefix" >"$BATS_TEST_TMPDIR/cycle-ids"
	failures=$(xargs -a "$BATS_TEST_TMPDIR/cycle-ids" -P "$PARALLEL" -I{} \
		"$BATS_TEST_TMPDIR/cycle.sh" "$RUNTIME" "$ROOT" "$BUNDLE" {} </dev/null)
	[ -z "$failures" ] || fail "$(wc -l <<<"$failures") of $CYCLES cycles failed: $(head -5 <<<"$failures")"
	assert_nothing_left "$prefix"
}

@test "many containers alive at once, then kill --all and delete --force of all: nothing leaked" {
	local prefix=alive-$$ id n
	ids "$ALIVE" "$prefix" >"$BATS_TEST_TMPDIR/alive-ids"
	# each on its own output file: a detached container keeps its stdio open
	xargs -a "$BATS_TEST_TMPDIR/alive-ids" -P "$PARALLEL" -I{} sh -c 'exec timeout -k 5 60 "$0" --root "$1" \
		run -d --bundle "$2" "$3" </dev/null >"$4/$3.out" 2>>"$4/alive.err"' \
		"$RUNTIME" "$ROOT" "$BUNDLE" {} "$BATS_TEST_TMPDIR" </dev/null ||
		fail "run -d failed: $(head -5 "$BATS_TEST_TMPDIR/alive.err")"
	n=$(timeout 60 "$RUNTIME" --root "$ROOT" list -q | grep -c "^$prefix" || true)
	assert_equal "$n" "$ALIVE" "containers listed"
	n=0
	while read -r id; do
		[ "$(state_field "$id" .status)" = running ] && n=$((n + 1))
	done <"$BATS_TEST_TMPDIR/alive-ids"
	assert_equal "$n" "$ALIVE" "containers running"
	xargs -a "$BATS_TEST_TMPDIR/alive-ids" -P "$PARALLEL" -I{} \
		timeout -k 5 60 "$RUNTIME" --root "$ROOT" kill --all {} KILL </dev/null || fail "kill --all failed"
	xargs -a "$BATS_TEST_TMPDIR/alive-ids" -P "$PARALLEL" -I{} \
		timeout -k 5 60 "$RUNTIME" --root "$ROOT" delete --force {} </dev/null || fail "delete --force failed"
	assert_nothing_left "$prefix"
}
