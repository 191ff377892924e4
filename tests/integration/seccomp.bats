#!/usr/bin/env bats
# linux.seccomp from outside: the containerd and docker default profiles run a busybox shell,
# denied syscalls return the configured errno, defaultErrnoRet, argument filters, unknown
# syscall names skipped, bad values named by JSON path, and SCMP_ACT_NOTIFY end to end with the
# test agent (tests/seccomp-agent): the ContainerProcessState it receives, its errno reaching
# the container, no deadlock with close/fcntl notified, exec sending a new fd, and a listener
# that only exists once the createRuntime hooks ran (nerdctl + bypass4netns).
# Validated on runc 1.1.5; message texts and a few stricter checks are tinyrun-only (marked).

load helpers

FIXTURES=$REPO_DIR/tests/fixtures/seccomp
AGENT=$REPO_DIR/tests/seccomp-agent/seccomp-agent

setup() {
	common_setup
	AGENT_PIDS=$BATS_TEST_TMPDIR/agent.pids
	: >"$AGENT_PIDS"
}

teardown() {
	local p
	# kill the agents first: a container blocked on a notification then fails instead of hanging
	if [ -f "${AGENT_PIDS:-/nonexistent}" ]; then
		while read -r p; do
			[ -n "$p" ] && kill "$p" 2>/dev/null
		done <"$AGENT_PIDS"
	fi
	common_teardown
}

# fails_cleanly NEEDLE: create fails, one line on stderr naming NEEDLE (tinyrun), no leak.
fails_cleanly() {
	local needle=$1
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure || return 1
	[ -n "$output" ] || fail "nothing on stderr" || return 1
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output" || return 1
	assert_no_leak "$ID" || return 1
	if is_tinyrun; then
		assert_contains "$output" "$needle" || return 1
	fi
}

# set_seccomp JSON: linux.seccomp = JSON
set_seccomp() {
	update_config ".linux.seccomp = $1"
}

build_agent() {
	if [ ! -x "$AGENT" ] || [ "$AGENT.c" -nt "$AGENT" ]; then
		make -C "$REPO_DIR" tests/seccomp-agent/seccomp-agent >/dev/null || fail "cannot build the agent"
	fi
}

# start_agent SOCKET STATES [ARGS...]: run the agent in the background until teardown.
start_agent() {
	local sock=$1 states=$2
	shift 2
	build_agent || return 1
	"$AGENT" "$@" --log "$BATS_TEST_TMPDIR/agent.log" "$sock" "$states" \
		</dev/null >>"$BATS_TEST_TMPDIR/agent.out" 2>&1 &
	echo $! >>"$AGENT_PIDS"
	for _ in $(seq 50); do
		[ -S "$sock" ] && return 0
		sleep 0.1
	done
	fail "agent did not listen on $sock: $(cat "$BATS_TEST_TMPDIR/agent.out")"
}

# notify_profile SOCKET NAMES_JSON: allow everything, notify NAMES.
notify_profile() {
	set_seccomp "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$1\",
		listenerMetadata: \"meta-42 with spaces\",
		syscalls: [{names: $2, action: \"SCMP_ACT_NOTIFY\"}]}"
	update_config '.annotations = {"nerdctl/networks": "[\"bridge\"]", "org.example/key": "value \"quoted\" é"}'
}

# ---------------------------------------------------------------------------------------------
# Filters

@test "containerd's default profile: a busybox shell works (ls, cat, sh -c, a pipe); Seccomp: 2" {
	set_seccomp "$(cat "$FIXTURES/containerd-default.json")"
	update_config '.process.noNewPrivileges = false'
	run_container /bin/sh -c 'ls / >/dev/null && cat /etc/passwd | grep -c root && sh -c "echo nested" && /probe seccomp && /probe mkdir /tmp/d'
	assert_status 0
	assert_equal "${lines[0]}" 1
	assert_equal "${lines[1]}" nested
	assert_kv Seccomp 2
	assert_kv NoNewPrivs 0
	assert_equal "${lines[-1]}" ok
}

@test "docker's default profile: a busybox shell works; a denied syscall gets EPERM" {
	set_seccomp "$(cat "$FIXTURES/docker-default.json")"
	# reboot is not in the allow list: defaultAction ERRNO, defaultErrnoRet 1 (EPERM)
	run_container /bin/sh -c 'ls /bin | wc -l >/dev/null && echo a | cat && /probe seccomp; unshare -U true 2>&1; echo "rc=$?"'
	assert_status 0
	assert_equal "${lines[0]}" a
	assert_kv Seccomp 2
	assert_contains "$output" "ermitted"
	[ "$(kv rc)" != 0 ] || fail "unshare was allowed by the docker profile: $output"
}

@test "a denied syscall returns the rule's errnoRet (mkdir -> 13, EACCES)" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	run_container /bin/sh -c '/probe mkdir /tmp/x; /probe write /tmp/y'
	assert_status 0
	assert_equal "${lines[0]}" EACCES
	assert_equal "${lines[1]}" ok
	[ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail "/tmp/x was created"
}

@test "SCMP_ACT_ERRNO without errnoRet is EPERM" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	run_container /probe mkdir /tmp/x
	assert_equal "$output" EPERM
}

@test "defaultErrnoRet: the default action's errno (28, ENOSPC); without it EPERM" {
	profile=$(jq '.syscalls[0].names -= ["mkdir", "mkdirat"] | .defaultErrnoRet = 28' "$FIXTURES/containerd-default.json")
	set_seccomp "$profile"
	run_container /probe mkdir /tmp/x
	assert_equal "$output" ENOSPC
	update_config 'del(.linux.seccomp.defaultErrnoRet)'
	run_container /probe mkdir /tmp/x
	assert_equal "$output" EPERM
}

@test "an argument filter: personality(8) denied, personality(0) allowed" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
			args: [{index: 0, value: 8, op: "SCMP_CMP_EQ"}]}]}'
	run_container /bin/sh -c 'linux64 echo sixty-four; linux32 echo thirty-two 2>&1; echo "rc=$?"'
	assert_status 0
	assert_equal "${lines[0]}" sixty-four
	assert_not_contains "$output" "thirty-two"$'\n'
	[ "$(kv rc)" != 0 ] || fail "linux32 (personality 8) was allowed: $output"
}

@test "the containerd profile's personality filter allows 8 (linux32) and refuses others" {
	set_seccomp "$(cat "$FIXTURES/containerd-default.json")"
	run_container /bin/sh -c 'linux32 echo ok32; setarch x86_64 -R echo addr-no-randomize 2>&1; true'
	assert_status 0
	assert_equal "${lines[0]}" ok32
	# ADDR_NO_RANDOMIZE (0x0040000) is not in the allowed values
	assert_not_contains "${lines[1]:-}" addr-no-randomize
}

@test "an unknown syscall name is skipped, not fatal" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["no_such_syscall_tinyrun", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
	run_container /probe mkdir /tmp/x
	assert_status 1
	assert_equal "$output" EACCES
}

@test "a bad action is an error naming linux.seccomp.syscalls[i].action" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["getcwd"], action: "SCMP_ACT_ALLOW"}, {names: ["mkdir"], action: "SCMP_ACT_BOGUS"}]}'
	fails_cleanly 'linux.seccomp.syscalls[1].action'
}

@test "a bad defaultAction is an error naming linux.seccomp.defaultAction" {
	set_seccomp '{defaultAction: "SCMP_ACT_NOPE", syscalls: []}'
	fails_cleanly linux.seccomp.defaultAction
}

@test "a bad architecture is an error naming linux.seccomp.architectures[i]" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"], syscalls: []}'
	fails_cleanly 'linux.seccomp.architectures[1]'
}

@test "a bad argument operator is an error naming linux.seccomp.syscalls[0].args[0].op" {
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{index: 0, value: 8, op: "SCMP_CMP_ALMOST"}]}]}'
	fails_cleanly 'linux.seccomp.syscalls[0].args[0].op'
}

@test "an argument index out of range is an error naming linux.seccomp.syscalls[0].args[0].index" {
	known_difference crun "crun 1.8.1 passes it to libseccomp, which fails without a path"
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["personality"], action: "SCMP_ACT_ERRNO", args: [{index: 6, value: 8, op: "SCMP_CMP_EQ"}]}]}'
	fails_cleanly 'linux.seccomp.syscalls[0].args[0].index'
}

# ---------------------------------------------------------------------------------------------
# SCMP_ACT_NOTIFY

@test "notify: SCMP_ACT_NOTIFY as defaultAction is refused" {
	set_seccomp "{defaultAction: \"SCMP_ACT_NOTIFY\", listenerPath: \"$BATS_TEST_TMPDIR/none.sock\", syscalls: []}"
	fails_cleanly linux.seccomp.defaultAction
}

@test "notify: write in the notify set is refused" {
	set_seccomp "{defaultAction: \"SCMP_ACT_ALLOW\", listenerPath: \"$BATS_TEST_TMPDIR/none.sock\",
		syscalls: [{names: [\"mkdir\", \"write\"], action: \"SCMP_ACT_NOTIFY\"}]}"
	fails_cleanly 'linux.seccomp.syscalls[0]'
}

@test "notify: NOTIFY without listenerPath is refused" {
	known_difference crun "crun 1.8.1 accepts it (the filter then kills nothing: no listener)"
	set_seccomp '{defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}'
	fails_cleanly linux.seccomp.listenerPath
}

@test "notify: a listenerPath nobody listens on fails create, nothing left behind" {
	notify_profile "$BATS_TEST_TMPDIR/nobody.sock" '["mkdir", "mkdirat"]'
	fails_cleanly "$BATS_TEST_TMPDIR/nobody.sock"
}

@test "notify: the agent gets one ContainerProcessState with the fd, its errno reaches mkdir" {
	known_difference crun "crun 1.8.1 does not deliver exactly one ContainerProcessState at create (none at create, or one per notified process)"
	sock=$BATS_TEST_TMPDIR/agent.sock states=$BATS_TEST_TMPDIR/states
	start_agent "$sock" "$states" --mkdir-errno 122
	notify_profile "$sock" '["mkdir", "mkdirat"]'
	set_args /bin/sh -c '/probe mkdir /tmp/x; /probe seccomp'
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	[ -s "$states" ] || fail "the agent received nothing at create: $(cat "$BATS_TEST_TMPDIR/agent.out")"
	assert_equal "$(wc -l <"$states")" 1 "messages received"
	msg=$(head -1 "$states")
	assert_not_contains "$msg" "error:"
	jq -e . <<<"$msg" >/dev/null || fail "not JSON: $msg"
	[[ "$(jq -r '.ociVersion // empty' <<<"$msg")" == 1.* ]] || fail "no 1.x ociVersion: $msg"
	[[ "$(jq -r '.state.ociVersion // empty' <<<"$msg")" == 1.* ]] || fail "no 1.x state.ociVersion: $msg"
	assert_equal "$(jq -c .fds <<<"$msg")" '["seccompFd"]'
	assert_equal "$(jq -r .pid <<<"$msg")" "$pid" "pid = the init pid from state"
	assert_equal "$(jq -r .metadata <<<"$msg")" "meta-42 with spaces"
	assert_equal "$(jq -r .state.id <<<"$msg")" "$ID"
	assert_equal "$(jq -r .state.status <<<"$msg")" creating
	assert_equal "$(jq -r .state.pid <<<"$msg")" "$pid"
	assert_equal "$(jq -r .state.bundle <<<"$msg")" "$BUNDLE"
	assert_equal "$(jq -cS .state.annotations <<<"$msg")" "$(jq -cS .annotations "$BUNDLE/config.json")" annotations
	[ "${#msg}" -lt 4096 ] || fail "message is ${#msg} bytes"

	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped
	run container_output "$ID"
	assert_equal "${lines[0]}" EDQUOT
	assert_kv Seccomp 2
	[ ! -e "$BUNDLE/rootfs/tmp/x" ] || fail "mkdir reached the filesystem"
}

@test "notify: close and fcntl notified too: no deadlock (bounded by timeout)" {
	known_difference crun "crun 1.8.1 does not deliver exactly one ContainerProcessState at create (none at create, or one per notified process)"
	sock=$BATS_TEST_TMPDIR/agent.sock states=$BATS_TEST_TMPDIR/states
	start_agent "$sock" "$states" --mkdir-errno 13
	# nerdctl's bypass4netns list plus mkdir
	notify_profile "$sock" '["bind", "close", "connect", "setsockopt", "fcntl", "_exit", "exit_group", "getpeername", "mkdir", "mkdirat"]'
	set_args /bin/sh -c 'ls / | cat >/dev/null; /probe mkdir /tmp/x; echo done'
	ID=$(new_id)
	run --separate-stderr timeout 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 124 ] || fail "run hung (timeout): stderr: $stderr"
	assert_status 0
	assert_equal "${lines[0]}" EACCES
	assert_equal "${lines[1]}" done
	assert_equal "$(grep -vc '^error' "$states")" 1 "states received"
}

@test "notify: exec sends a new fd with status running; the agent's errno applies to the exec'd process" {
	known_difference crun "crun 1.8.1 does not deliver exactly one ContainerProcessState at create (none at create, or one per notified process)"
	sock=$BATS_TEST_TMPDIR/agent.sock states=$BATS_TEST_TMPDIR/states
	start_agent "$sock" "$states" --mkdir-errno 122
	notify_profile "$sock" '["mkdir", "mkdirat"]'
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	assert_equal "$(wc -l <"$states")" 1 "messages after create"
	run --separate-stderr timeout 60 "$RUNTIME" --root "$ROOT" exec "$ID" /probe mkdir /tmp/y </dev/null
	assert_equal "$output" EDQUOT
	assert_equal "$(wc -l <"$states")" 2 "messages after exec"
	msg=$(sed -n 2p "$states")
	assert_not_contains "$msg" "error:"
	assert_equal "$(jq -r .state.status <<<"$msg")" running
	assert_equal "$(jq -r .state.id <<<"$msg")" "$ID"
	assert_equal "$(jq -r .state.bundle <<<"$msg")" "$BUNDLE"
	assert_equal "$(jq -c .fds <<<"$msg")" '["seccompFd"]'
	assert_equal "$(jq -r .metadata <<<"$msg")" "meta-42 with spaces"
	assert_equal "$(jq -cS .state.annotations <<<"$msg")" "$(jq -cS .annotations "$BUNDLE/config.json")" annotations
	epid=$(jq -r .pid <<<"$msg")
	[ "$epid" -gt 0 ] || fail "pid '$epid' in the exec message"
	# runtime-spec: pid is the process the fd belongs to, i.e. the exec'd one, not the init
	[ "$epid" != "$pid" ] || fail "the exec message names the init pid $pid, not the exec'd process"
	true
}

@test "notify: the listener started by a createRuntime hook (bypass4netns shape) is used" {
	known_difference crun "crun connects to listenerPath before the createRuntime hooks run (STACK-REQUIREMENTS §5): ENOENT"
	build_agent
	sock=$BATS_TEST_TMPDIR/hook-agent.sock states=$BATS_TEST_TMPDIR/states
	[ ! -e "$sock" ] || fail "socket exists before the hook"
	notify_profile "$sock" '["bind", "close", "connect", "setsockopt", "fcntl", "_exit", "exit_group", "getpeername", "mkdir", "mkdirat"]'
	# the hook starts the agent detached (as bypass4netnsd does) and returns once it listens
	script="\"$AGENT\" --mkdir-errno 122 \"$sock\" \"$states\" </dev/null >>\"$BATS_TEST_TMPDIR/agent.out\" 2>&1 &
		echo \$! >>\"$AGENT_PIDS\"; echo hook-ran >\"$BATS_TEST_TMPDIR/hook.ran\"
		i=0; while [ ! -S \"$sock\" ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done"
	hook=$(jq -n --arg s "$script" '{path: "/bin/sh", args: ["sh", "-c", $s], env: ["PATH=/usr/bin:/bin"]}')
	update_config ".hooks = {createRuntime: [$hook]}"
	set_args /bin/sh -c '/probe mkdir /tmp/x; echo done'
	ID=$(new_id)
	run --separate-stderr timeout 60 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	[ "$status" -ne 124 ] || fail "run hung (timeout): stderr: $stderr"
	assert_status 0
	[ -e "$BATS_TEST_TMPDIR/hook.ran" ] || fail "the hook did not run"
	assert_equal "${lines[0]}" EDQUOT
	assert_equal "${lines[1]}" done
	msg=$(head -1 "$states")
	assert_equal "$(jq -r .state.id <<<"$msg")" "$ID"
	assert_equal "$(jq -r .state.status <<<"$msg")" creating
}
