#!/usr/bin/env bats
# Lifecycle verbs: create, start, state, kill, delete, run, list, and their error cases.

load helpers

@test "create: state is created with the init pid and the bundle" {
	ID=$(new_id)
	create_container "$ID"
	run runtime state "$ID"
	assert_status 0
	assert_equal "$(jq -r .status <<<"$output")" created
	assert_equal "$(jq -r .id <<<"$output")" "$ID"
	assert_equal "$(jq -r .bundle <<<"$output")" "$BUNDLE"
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ] || fail "pid '$pid' is not positive"
	# The init exists and has not exec'd the process yet: it is still the runtime's image.
	[ -d "/proc/$pid" ] || fail "init pid $pid does not exist"
	[ "$(readlink "/proc/$pid/exe")" != "$BUNDLE/rootfs/probe" ] || fail "process ran before start"
}

@test "start: created -> running, the process runs; kill -> stopped; delete -> gone" {
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" running
	assert_equal "$(state_field "$ID" .pid)" "$pid" "pid unchanged by start"
	# The init is now the container's /probe sleep.
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
	assert_equal "$cmd" "/probe sleep 3600 "

	run runtime kill "$ID" KILL
	assert_status 0
	wait_for_status "$ID" stopped
	[ ! -d "/proc/$pid" ] || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ] ||
		fail "pid $pid still alive after kill"

	run runtime delete "$ID"
	assert_status 0
	run --separate-stderr runtime state "$ID"
	assert_failure
	[ ! -e "$ROOT/$ID" ] || fail "state dir still there after delete"
}

@test "kill with a signal number and with SIGTERM name reaches the process" {
	set_args /probe signal-wait
	ID=$(new_id)
	start_detached "$ID"
	# give the probe time to block its signals and print ready
	for _ in $(seq 50); do
		grep -q ready "$BATS_TEST_TMPDIR/$ID.out" && break
		sleep 0.1
	done
	run runtime kill "$ID" 10
	assert_status 0
	wait_for_status "$ID" stopped
	run container_output "$ID"
	assert_kv signal 10
	assert_kv name SIGUSR1
}

@test "run in the foreground prints the output and returns exit code 0" {
	run_container /bin/echo hello world
	assert_status 0
	assert_equal "$output" "hello world"
	# run deletes the container when it exits
	[ ! -e "$ROOT/$ID" ] || fail "state dir left after run"
}

@test "run returns the process exit code (3)" {
	run_container /probe exit 3
	assert_status 3
}

@test "run of a missing binary fails with the path on stderr" {
	run_container /no/such/binary
	assert_failure
	assert_contains "$stderr" "/no/such/binary"
	assert_equal "$output" "" "nothing on stdout"
}

@test "run of a missing binary fails at create with exit 1 and leaves nothing (as runc, crun)" {
	# The path is resolved before the create handshake ends, so this is a failed create (a
	# runtime error, 1), not a container that ran and exited 127.
	run_container /no/such/binary
	assert_status 1
	run --separate-stderr runtime state "$ID"
	assert_failure
}

@test "run --detach leaves a running container" {
	ID=$(new_id)
	rt_detached "$ID" run --detach --bundle "$BUNDLE" "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" running
	pid=$(state_field "$ID" .pid)
	assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "/probe sleep 3600 "
}

@test "--pid-file gets the init pid" {
	ID=$(new_id)
	create_container "$ID" --pid-file "$BATS_TEST_TMPDIR/init.pid"
	[ -s "$BATS_TEST_TMPDIR/init.pid" ] || fail "pid file empty or missing"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/init.pid")" "$(state_field "$ID" .pid)"
}

@test "a second create with the same id fails and leaves the first intact" {
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	rt_detached "$ID.2" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" "exists"
	assert_equal "$(state_field "$ID" .status)" created
	assert_equal "$(state_field "$ID" .pid)" "$pid"
	# and it still starts
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" running
}

@test "start twice fails the second time" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime start "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running
}

@test "kill of a stopped container says 'container not running'" {
	known_difference crun "says 'kill container: No such process' (the shim also maps 'no such process')"
	set_args /bin/true
	ID=$(new_id)
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped
	run --separate-stderr runtime kill "$ID" TERM
	assert_failure
	assert_contains "$stderr" "container not running"
}

@test "state, kill, start, delete of an unknown id say 'does not exist'" {
	for verb in state start delete "kill"; do
		run --separate-stderr runtime $verb no-such-container-$$
		assert_failure
		assert_does_not_exist_msg
	done
}

@test "delete --force of an unknown id exits 0" {
	run --separate-stderr runtime delete --force no-such-container-$$
	assert_status 0
	# and makes nothing: no state dir, and state still does not know the id
	[ ! -e "$ROOT/no-such-container-$$" ] || fail "delete --force made $ROOT/no-such-container-$$"
	run --separate-stderr runtime state no-such-container-$$
	assert_failure
}

@test "delete of a running container without --force fails and leaves it running" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime delete "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running
}

@test "delete --force of a running container kills it" {
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	run --separate-stderr runtime delete --force "$ID"
	assert_status 0
	for _ in $(seq 50); do
		[ -d "/proc/$pid" ] || break
		sleep 0.1
	done
	[ ! -d "/proc/$pid" ] || fail "pid $pid still alive"
	[ ! -e "$ROOT/$ID" ] || fail "state dir left"
}

@test "delete --force of a created container removes it" {
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	run --separate-stderr runtime delete --force "$ID"
	assert_status 0
	run --separate-stderr runtime state "$ID"
	assert_failure
}

@test "kill --all signals every process of the container" {
	# A container without its own pid namespace: --all is how the shim kills it.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args /bin/sh -c '/probe sleep 3600 & /probe sleep 3600 & wait'
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	for _ in $(seq 50); do
		[ "$(pgrep -P "$pid" | wc -l)" -eq 2 ] && break
		sleep 0.1
	done
	kids=$(pgrep -P "$pid" | tr '\n' ' ')
	[ "$(wc -w <<<"$kids")" -eq 2 ] || fail "expected 2 children of $pid, got '$kids'"
	run --separate-stderr runtime kill --all "$ID" KILL
	assert_status 0
	wait_for_status "$ID" stopped
	for _ in $(seq 50); do
		alive=""
		for k in $kids; do
			[ -d "/proc/$k" ] && [ "$(awk '{print $3}' "/proc/$k/stat" 2>/dev/null)" != Z ] && alive+=" $k"
		done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	[ -z "$alive" ] || fail "children still alive after kill --all:$alive"
}

@test "list prints a table and json with the containers" {
	ID=$(new_id)
	ID2=$(new_id)
	create_container "$ID"
	start_detached "$ID2"
	run --separate-stderr runtime list
	assert_status 0
	assert_contains "${lines[0]}" "ID"
	assert_contains "${lines[0]}" "STATUS"
	line1=$(grep "^$ID " <<<"$output") || fail "no row for $ID in: $output"
	line2=$(grep "^$ID2 " <<<"$output") || fail "no row for $ID2 in: $output"
	assert_contains "$line1" created
	assert_contains "$line2" running
	assert_contains "$line2" "$(state_field "$ID2" .pid)"

	run --separate-stderr runtime list --format json
	assert_status 0
	assert_equal "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" created
	assert_equal "$(jq -r --arg id "$ID2" '.[] | select(.id == $id) | .status' <<<"$output")" running
	assert_equal "$(jq -r --arg id "$ID2" '.[] | select(.id == $id) | .pid' <<<"$output")" \
		"$(state_field "$ID2" .pid)"
	assert_equal "$(jq -r --arg id "$ID2" '.[] | select(.id == $id) | .bundle' <<<"$output")" "$BUNDLE"
	run runtime list -q
	assert_status 0
	assert_equal "$(sort <<<"$output" | tr '\n' ' ')" "$(printf '%s\n' "$ID" "$ID2" | sort | tr '\n' ' ')"
}

@test "state JSON has ociVersion, id, status, pid, bundle" {
	ID=$(new_id)
	start_detached "$ID"
	run runtime state "$ID"
	assert_status 0
	for key in ociVersion id status pid bundle; do
		jq -e --arg k "$key" 'has($k)' <<<"$output" >/dev/null || fail "state lacks '$key': $output"
	done
	jq -e '.ociVersion | type == "string" and length > 0' <<<"$output" >/dev/null ||
		fail "ociVersion not a non-empty string"
	jq -e '.pid | type == "number"' <<<"$output" >/dev/null || fail "pid not a number"
	jq -e '.bundle | startswith("/")' <<<"$output" >/dev/null || fail "bundle not absolute"
}

@test "state of a stopped container has status stopped" {
	set_args /bin/true
	ID=$(new_id)
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped
	run runtime state "$ID"
	assert_status 0
	assert_equal "$(jq -r .status <<<"$output")" stopped
}

@test "run of a process that exits at once never fails (2 x 30 runs in parallel)" {
	# A race between the process exiting and run's own status check must not turn a clean
	# exit into an error (seen as "the init process exited before start" under load).
	set_args /bin/true
	for stream in a b; do
		(
			for i in $(seq 30); do
				id=$(new_id "$stream$i")
				runtime run --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>>"$BATS_TEST_TMPDIR/errs" ||
					echo "run $id failed" >>"$BATS_TEST_TMPDIR/errs"
			done
		) &
	done
	wait
	[ ! -s "$BATS_TEST_TMPDIR/errs" ] || fail "$(sort "$BATS_TEST_TMPDIR/errs" | uniq -c)"
}

# host_mounts_under DIR: lines of this shell's mountinfo (the host's mount namespace) under DIR.
host_mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1' /proc/self/mountinfo
}

# no_namespaces_config: linux.namespaces empty, and nothing that needs a mount namespace
# (mounts, maskedPaths, readonlyPaths: runc refuses those without one) or a uts namespace.
no_namespaces_config() {
	update_config '.linux.namespaces = [] | .mounts = [] | del(.hostname)
		| del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
}

@test "no namespaces at all: create reaches created, start runs the process in every host namespace, chrooted" {
	# runc 1.1.5 needs /proc/self/fd in the container ("error closing exec fds: open
	# /proc/self/fd: no such file or directory") and leaves the rootfs bind-mounted on the host.
	known_difference runc "fails without a /proc in the rootfs and leaks a host mount"
	no_namespaces_config
	ID=$(new_id)
	create_container "$ID"
	assert_equal "$(state_field "$ID" .status)" created "status after create"
	pid=$(state_field "$ID" .pid)
	[ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ] ||
		fail "init pid $pid is not alive after create"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" running
	# crun runs in a private mount namespace of its wrapper (runtimes/crun): compare the rest.
	for ns in $([ "$RUNTIME_NAME" = crun ] || echo mnt) pid net ipc uts cgroup user; do
		assert_equal "$(stat -L -c %i "/proc/$pid/ns/$ns")" "$(host_ns "$ns")" "$ns namespace" || return 1
	done
	assert_equal "$(readlink "/proc/$pid/root")" "$BUNDLE/rootfs" "root of the process"
	assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "/probe sleep 3600 " "the process"
	run runtime delete --force "$ID"
	assert_status 0
	assert_equal "$(host_mounts_under "$BUNDLE")" "" "host mounts under the bundle after delete"
}

@test "no mount namespace: mounts are refused by name, nothing is mounted on the host" {
	# runc 1.1.5 and crun 1.8.1 do the mounts in the runtime's own mount namespace and leave them
	# there after delete (seen on this host: proc, tmpfs, devpts... under the rootfs).
	known_difference runc "mounts on the host"
	known_difference crun "mounts on the host"
	update_config '.linux.namespaces = [] | del(.hostname) | del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" 'config.json: mounts: needs a new mount namespace'
	assert_contains "$output" 'add {"type": "mount"} to linux.namespaces'
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output"
	assert_equal "$(host_mounts_under "$BUNDLE")" "" "host mounts under the bundle"
	assert_no_leak "$ID"
}

@test "a mount namespace without a /proc mount: the init still reaches created and starts" {
	# The init opens exec.fifo without /proc. runc 1.1.5 needs /proc/self/fd ("error closing
	# exec fds").
	known_difference runc "needs /proc in the container"
	update_config '.mounts |= map(select(.destination != "/proc")) | del(.linux.maskedPaths) | del(.linux.readonlyPaths)'
	ID=$(new_id)
	create_container "$ID"
	assert_equal "$(state_field "$ID" .status)" created "status after create"
	pid=$(state_field "$ID" .pid)
	[ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ] ||
		fail "init pid $pid is not alive after create"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" running
	assert_equal "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "/probe sleep 3600 " "the process"
}

# freeze_hook: a createRuntime hook that freezes the init's cgroup (v1 freezer, else cgroup v2
# cgroup.freeze) from the state on its stdin: the init then sits in the refrigerator, alive and
# silent, as in a cgroupsPath whose cgroup someone froze.
freeze_hook() {
	cat >"$BATS_TEST_TMPDIR/freeze.sh" <<'HOOK'
#!/bin/sh
pid=$(jq -r .pid)
v1=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$pid/cgroup")
if [ -n "$v1" ]; then
	echo FROZEN >"/sys/fs/cgroup/freezer$v1/freezer.state"
else
	echo 1 >"/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")/cgroup.freeze"
fi
HOOK
	chmod 755 "$BATS_TEST_TMPDIR/freeze.sh"
	update_config ".hooks.createRuntime = [{path: \"$BATS_TEST_TMPDIR/freeze.sh\", timeout: 10}]"
}

# thaw_cgroups_of ID: thaw every freezer cgroup named after ID (v1 freezer.state, v2 cgroup.freeze).
thaw_cgroups_of() {
	local d
	for d in $(cgroup_dirs_of "$1"); do
		[ ! -e "$d/freezer.state" ] || echo THAWED >"$d/freezer.state"
		[ ! -e "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze"
	done
}

@test "an init frozen during create: create fails within its bound, names the awaited message and the frozen cgroup" {
	# runc 1.1.5 and crun 1.8.1 wait for the init without a bound: create never returns.
	known_difference runc "waits forever"
	known_difference crun "waits forever"
	freeze_hook
	ID=$(new_id)
	# a guard against the hang this test is about, not a timing threshold
	status=0
	timeout 120 "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
		>/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/err")
	if [ "$status" -eq 124 ]; then
		# the runtime that hung left a frozen init: thaw it so that it can die
		thaw_cgroups_of "$ID"
		fail "create still waiting after 120 s" || return 1
	fi
	assert_failure
	assert_contains "$output" "sent no READY within"
	assert_contains "$output" "its cgroup is frozen"
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output"
	assert_no_leak "$ID"
}

@test "an init killed during create gets a named cause: SIGKILL under a tiny memory limit names the OOM killer" {
	# runc 1.1.5 fails the limit write itself ("unable to set memory limit to 1000 (current
	# usage: ...)"): its init already uses memory when the limit is written.
	known_difference runc "fails the write instead, with its own wording"
	update_config '.linux.resources.memory = {limit: 1000}'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output"
	assert_no_leak "$ID"
	requires_tinyrun "message text"
	assert_contains "$output" "linux.resources.memory.limit"
	# Usually the write succeeds (the init's memory is not counted yet) and the OOM killer
	# kills the init; on a loaded host the init may already be charged when the limit is
	# written, and then the write itself fails: both name the cause.
	if [[ "$output" == *"Device or resource busy"* ]]; then
		assert_contains "$output" "memory"
	else
		assert_contains "$output" "was killed by signal 9 (SIGKILL) before sending"
		assert_contains "$output" "OOM killer"
	fi
}

@test "start of an init stopped by SIGSTOP fails within its bound and names what it awaited" {
	# runc 1.1.5 waits for the init without a bound: start never returns. crun 1.8.1 does not
	# wait for the init at all: start exits 0 at once (and poststart may run before the process).
	known_difference runc "waits forever"
	known_difference crun "does not wait for the init"
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	kill -STOP "$pid"
	status=0
	# a guard against the hang this test is about, not a timing threshold
	timeout 120 "$RUNTIME" --root "$ROOT" start "$ID" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/err")
	kill -CONT "$pid"
	[ "$status" -ne 124 ] || fail "start still waiting after 120 s"
	assert_failure
	assert_contains "$output" "did not run its startContainer hooks and report within"
	assert_contains "$output" "delete --force"
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output"
}

@test "oomScoreAdj with a new user namespace: the init has it (the runtime writes it from outside)" {
	# The init, root of its own user namespace only, may not open its own oom_score_adj (not
	# the host's root); the runtime writes /proc/<pid>/oom_score_adj (runc does the same from
	# its parent stage). A value above the current one: lowering needs CAP_SYS_RESOURCE.
	local d=$BATS_TEST_TMPDIR want=$(( $(cat /proc/self/oom_score_adj) + 100 ))
	chown -R 100000:100000 "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config ".process.oomScoreAdj = $want | .linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]"
	ID=$(new_id)
	create_container "$ID"
	assert_equal "$(cat "/proc/$(state_field "$ID" .pid)/oom_score_adj")" "$want" "oom_score_adj of the init"
}
