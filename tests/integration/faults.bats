#!/usr/bin/env bats
# Fault injection (issue 14): the runtime is killed with SIGKILL in the middle of create, start,
# exec or delete. Afterwards `delete --force ID` must remove everything the dead runtime made
# (state dir, the cgroup in every hierarchy, processes, mounts) and the ID must be usable again.
# Kill points: deterministic ones first (a hook that kills its parent, the runtime; strace
# injecting SIGKILL at the Nth call of a syscall), then a bounded sweep of delays.

load helpers

# assert_all_gone ID: assert_no_leak (state dir, cgroup dirs, processes) and no mount naming ID.
assert_all_gone() {
	assert_no_leak "$1" || return 1
	if grep -F -- "$1" /proc/self/mountinfo; then
		fail "mounts left behind for $1" || return 1
	fi
}

# recover_and_reuse ID: delete --force after the kill, nothing left, and a new create/delete of
# the same ID works.
recover_and_reuse() {
	local id=$1
	rt_detached "$id" delete --force "$id"
	[ "$status" -eq 0 ] || fail "delete --force $id after the kill failed ($status): $output" || return 1
	assert_all_gone "$id" || return 1
	create_container "$id" || return 1
	rt_detached "$id" delete --force "$id"
	[ "$status" -eq 0 ] || fail "delete --force of the new $id failed: $output" || return 1
	assert_all_gone "$id"
}

# hook_kills_runtime KIND: a KIND hook that SIGKILLs its parent, the runtime that runs it.
hook_kills_runtime() {
	update_config ".hooks.$1 = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"kill -9 \$PPID\"]}]"
}

# kill_runtime_after MS ARG...: the runtime with ARG..., SIGKILLed MS ms after it started; then
# delete --force $ID must succeed and leave nothing.
kill_runtime_after() {
	local ms=$1 pid
	shift
	# the binary itself, not the runtime() function: $! must be the runtime's pid
	"$RUNTIME" --root "$ROOT" "$@" </dev/null >/dev/null 2>&1 &
	pid=$!
	sleep "$(printf '0.%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" || true
	rt_detached "$ID" delete --force "$ID"
	[ "$status" -eq 0 ] || fail "$1 killed after $ms ms: delete --force failed: $output" || return 1
	assert_all_gone "$ID" || fail "$1 killed after $ms ms: leftovers above"
}

# skip_leaky_references: runc and crun leave the cgroup of a create killed in its middle.
skip_leaky_references() {
	known_difference runc "runc 1.1.5 leaves the cgroup of a create killed before it wrote state.json: delete --force says it does not exist"
	known_difference crun "crun 1.8.1 leaves the cgroup (name=systemd hierarchy) of a create it was killed in: delete --force does not remove it"
}

# create_killed_by_hook KIND: create with a KIND hook that kills the runtime, then recover.
create_killed_by_hook() {
	hook_kills_runtime "$1"
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_status 137 || return 1
	[ -n "$(cgroup_dirs_of "$ID")" ] || fail "the killed create made no cgroup: the kill point is too early" || return 1
	update_config 'del(.hooks)'
	recover_and_reuse "$ID"
}

@test "runtime killed by its prestart hook during create: delete --force removes everything" {
	skip_leaky_references
	create_killed_by_hook prestart
}

@test "runtime killed by its createRuntime hook during create: delete --force removes everything" {
	skip_leaky_references
	create_killed_by_hook createRuntime
}

@test "runtime killed by its poststart hook during start: delete --force removes everything" {
	known_difference runc "runc 1.1.5 runs poststart hooks in create, not start (runc#1710, moved in runc#5186)"
	hook_kills_runtime poststart
	ID=$(new_id)
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	assert_status 137
	update_config 'del(.hooks)'
	recover_and_reuse "$ID"
}

@test "runtime killed by a poststop hook during delete: a second delete --force removes everything" {
	# the hook kills only the first delete: the second one runs it to its end
	local once=$BATS_TEST_TMPDIR/killed-once
	update_config ".hooks.poststop = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"[ -e $once ] || { touch $once; kill -9 \$PPID; }\"]}]"
	ID=$(new_id)
	start_detached "$ID"
	rt_detached "$ID" delete --force "$ID"
	assert_status 137
	update_config 'del(.hooks)'
	recover_and_reuse "$ID"
}

@test "runtime killed at the Nth mkdir, mkdirat, write, rename, clone3, sendmsg or recvmsg of create: delete --force removes everything" {
	known_difference runc "runc is a multi-threaded Go program: strace without -f does not see the threads that make its syscalls (and it leaves the cgroup, see above)"
	known_difference crun "crun 1.8.1 leaves the cgroup (name=systemd hierarchy) of a create it was killed in: delete --force does not remove it"
	command -v strace >/dev/null || skip "no strace"
	local point n cut killed=0
	# each syscall: every Nth call up to about the count one create makes (strace -c: 1 mkdir,
	# the state dir; 9 mkdirat, a cgroup in each v1 hierarchy, made relative to an fd of
	# /sys/fs/cgroup; 29 write, 3 rename, 1 clone3, 1 sendmsg, 2 recvmsg)
	for point in mkdir:1:2:1 mkdirat:1:10:1 write:1:31:3 rename:1:3:1 clone3:1:1:1 sendmsg:1:2:1 recvmsg:1:3:1; do
		IFS=: read -r sc first last step <<<"$point"
		for n in $(seq "$first" "$step" "$last"); do
			ID=$(new_id)
			status=0
			strace -o /dev/null -e trace="$sc" -e inject="$sc:signal=KILL:when=$n" \
				"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
				>"$BATS_TEST_TMPDIR/strace.out" 2>&1 || status=$?
			[ "$status" -eq 0 ] || killed=$((killed + 1))
			rt_detached "$ID" delete --force "$ID"
			[ "$status" -eq 0 ] || fail "killed at $sc #$n: delete --force failed: $output" || return 1
			assert_all_gone "$ID" || fail "killed at $sc #$n: leftovers above" || return 1
		done
	done
	[ "$killed" -gt 20 ] || fail "only $killed creates were killed: the kill points missed"
	# and the last ID is usable again
	recover_and_reuse "$ID"
}

@test "runtime killed 0-30 ms into create (a sweep of delays): delete --force removes everything" {
	skip_leaky_references
	local ms
	for ms in $(seq 0 2 30); do
		ID=$(new_id)
		kill_runtime_after "$ms" create --bundle "$BUNDLE" "$ID" || return 1
	done
	recover_and_reuse "$ID"
}

@test "exec runtime killed 0-20 ms in: delete --force of the container removes everything" {
	local ms
	for ms in $(seq 0 4 20); do
		ID=$(new_id)
		start_detached "$ID"
		kill_runtime_after "$ms" exec "$ID" /probe sleep 3600 || return 1
	done
}

@test "delete --force --debug after a killed create names each cgroup directory it removed" {
	requires_tinyrun "the --debug text"
	hook_kills_runtime createRuntime
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_status 137
	local dirs
	dirs=$(cgroup_dirs_of "$ID")
	[ -n "$dirs" ] || fail "no cgroup to remove"
	run --separate-stderr runtime --debug delete --force "$ID"
	assert_status 0
	for d in $dirs; do
		assert_contains "$stderr" "removed cgroup $d"
	done
	assert_contains "$stderr" "removed the state dir $ROOT/$ID"
	assert_all_gone "$ID"
}

# hook_kills_init KIND: a KIND hook that SIGKILLs the container init (the pid of its state).
hook_kills_init() {
	printf '#!/bin/sh\nkill -9 "$(jq -r .pid)"\n' >"$BATS_TEST_TMPDIR/kill-init.sh"
	chmod +x "$BATS_TEST_TMPDIR/kill-init.sh"
	update_config ".hooks.$1 = [{path: \"$BATS_TEST_TMPDIR/kill-init.sh\"}]"
}

@test "init killed by a prestart hook: create fails naming its fate and the hooks, nothing left" {
	hook_kills_init prestart
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_all_gone "$ID"
	requires_tinyrun "message text"
	assert_contains "$output" "was killed by signal 9 (SIGKILL) during prestart hooks"
	assert_not_contains "$output" "Broken pipe"
}

@test "init killed by a createRuntime hook: create fails naming its fate and the hooks, nothing left" {
	hook_kills_init createRuntime
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_all_gone "$ID"
	requires_tinyrun "message text"
	assert_contains "$output" "was killed by signal 9 (SIGKILL) during createRuntime hooks"
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "not one line: $output"
}

@test "delete --force during create: create fails (the container was deleted), delete waits for it, nothing left" {
	local mark=$BATS_TEST_TMPDIR/in-hook
	update_config ".hooks.createRuntime = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"touch $mark; sleep 2\"]}]"
	ID=$(new_id)
	"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create.err" &
	local pid=$! i
	for i in $(seq 100); do
		[ -e "$mark" ] && break
		sleep 0.1
	done
	[ -e "$mark" ] || fail "the createRuntime hook did not run"
	run timeout 60 "$RUNTIME" --root "$ROOT" delete --force "$ID"
	assert_status 0
	local create_status=0
	wait "$pid" || create_status=$?
	[ "$create_status" -ne 0 ] || fail "create exited 0 for a container delete --force removed"
	run "$RUNTIME" --root "$ROOT" state "$ID"
	assert_failure
	assert_all_gone "$ID"
	requires_tinyrun "message text"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/create.err")" "was deleted (delete --force) while being created"
}

# run_stuck_then_signal KIND SIG: foreground `run` with a KIND hook (run by the init, in the
# container) that never exits and has no timeout; SIG to run once the hook runs. run must end
# (bounded here by timeout: 124 = it ignored SIG), fail, and leave nothing.
run_stuck_then_signal() {
	local kind=$1 sig=$2 mark=$BUNDLE/rootfs/hook-ran i
	# createContainer runs before pivot_root (the bundle path resolves), startContainer after
	# (the rootfs is /)
	update_config ".hooks.$kind = [{path: \"/bin/sh\", args: [\"sh\", \"-c\", \"touch $mark 2>/dev/null || touch /hook-ran; sleep 3600\"]}]"
	ID=$(new_id)
	timeout -k 5 30 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/run.err" &
	local pid=$!
	for i in $(seq 100); do
		[ -e "$mark" ] && break
		sleep 0.1
	done
	[ -e "$mark" ] || fail "the $kind hook did not run: $(cat "$BATS_TEST_TMPDIR/run.err")" || return 1
	# timeout(1) execs nothing: signal the runtime, its child
	kill -"$sig" "$(pgrep -P "$pid")"
	status=0
	wait "$pid" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/run.err")
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "run ignored SIG$sig while its init was stuck in a $kind hook" || return 1
	assert_failure
	assert_all_gone "$ID"
}

@test "run in the foreground ends on SIGTERM while its init is stuck in a createContainer hook, nothing left" {
	known_difference runc "runc 1.1.5 forwards no signal and acts on none before the container process runs: run waits for the hook"
	known_difference crun "crun 1.8.1 forwards no signal and acts on none before the container process runs: run waits for the hook"
	run_stuck_then_signal createContainer TERM
	requires_tinyrun "message text"
	assert_contains "$output" "interrupted by SIGTERM"
}

@test "run in the foreground ends on SIGINT while its init is stuck in a startContainer hook, nothing left" {
	known_difference runc "runc 1.1.5 forwards no signal and acts on none before the container process runs: run waits for the hook"
	known_difference crun "crun 1.8.1 forwards no signal and acts on none before the container process runs: run waits for the hook"
	run_stuck_then_signal startContainer INT
	requires_tinyrun "message text"
	assert_contains "$output" "interrupted by SIGINT"
}

# assert_one_named_error TEXT...: $output is one line and contains each TEXT.
assert_one_named_error() {
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "not one line: $output" || return 1
	local t
	for t in "$@"; do
		assert_contains "$output" "$t" || return 1
	done
}

@test "EMFILE (ulimit -n 4..12): create fails with one named error and leaves nothing" {
	local n
	for n in $(seq 4 12); do
		ID=$(new_id)
		status=0
		(ulimit -n "$n" && exec "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID") \
			</dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/emfile.err" || status=$?
		output=$(cat "$BATS_TEST_TMPDIR/emfile.err")
		[ "$status" -ne 0 ] || fail "ulimit -n $n: create succeeded" || return 1
		assert_all_gone "$ID" || fail "ulimit -n $n: leftovers above ($output)" || return 1
		# below some n the dynamic loader itself fails: the runtime never ran
		if is_tinyrun && [[ "$output" != *"error while loading shared libraries"* ]]; then
			assert_one_named_error "Too many open files" || fail "ulimit -n $n" || return 1
		fi
	done
}

TINY=
teardown() {
	[ -z "$TINY" ] || umount "$TINY" 2>/dev/null || true
	common_teardown
}

@test "ENOSPC on the state root (a full tmpfs as --root): one named error, nothing left" {
	known_difference crun "crun 1.8.1 leaves its state dir (config.json) behind when the state root is full"
	TINY=$BATS_TEST_TMPDIR/tiny
	mkdir -p "$TINY"
	mount -t tmpfs -o size=16k tmpfs "$TINY"
	dd if=/dev/zero of="$TINY/fill" bs=4k 2>/dev/null || true
	ID=$(new_id)
	run --separate-stderr "$RUNTIME" --root "$TINY" create --bundle "$BUNDLE" "$ID"
	output=$stderr
	assert_failure
	[ ! -e "$TINY/$ID" ] || fail "state dir left: $(ls -A "$TINY/$ID")"
	assert_all_gone "$ID"
	if is_tinyrun; then
		assert_one_named_error "No space left on device" "$TINY/$ID"
	fi
}

@test "a read-only --root: one named error, nothing left" {
	TINY=$BATS_TEST_TMPDIR/ro
	mkdir -p "$TINY"
	mount --bind "$TINY" "$TINY"
	mount -o remount,bind,ro "$TINY"
	ID=$(new_id)
	run --separate-stderr "$RUNTIME" --root "$TINY" create --bundle "$BUNDLE" "$ID"
	output=$stderr
	assert_failure
	[ ! -e "$TINY/$ID" ] || fail "state dir left"
	assert_all_gone "$ID"
	if is_tinyrun; then
		assert_one_named_error "Read-only file system" "$TINY/$ID"
	fi
}
