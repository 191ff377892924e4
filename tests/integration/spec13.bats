#!/usr/bin/env bats
# runtime-spec 1.3 process-level fields, proved from inside the container: linux.timeOffsets
# (the clocks the process reads), linux.memoryPolicy (get_mempolicy), process.execCPUAffinity,
# process.scheduler and ioPriority for exec, the session keyring, --pidfd-socket.

load helpers

# userns_bundle: a user namespace mapping root to 100000, the bundle reachable by that uid.
userns_bundle() {
	local d=$BATS_TEST_TMPDIR
	chmod 755 "$BATS_TEST_TMPDIR" "$BUNDLE" "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# assert_shifted KEY HOSTVALUE DAYS: the probe's KEY is HOSTVALUE + DAYS days (a minute of slack).
assert_shifted() {
	local got want
	got=$(kv "$1") || fail "no $1= in: $output" || return 1
	want=$(($2 + $3 * 86400))
	[ "$got" -ge "$want" ] && [ "$got" -le $((want + 60)) ] ||
		fail "$1: expected about $want (host $2 + $3 days), got $got"
}

# host_uptime: whole seconds of the host's CLOCK_BOOTTIME (= CLOCK_MONOTONIC with no suspend).
host_uptime() {
	local up _
	read -r up _ </proc/uptime
	echo "${up%.*}"
}

# runc 1.1.5 does not know the time namespace (1.2+); crun 1.8.1 fails creating one here.
requires_timens_runtime() {
	known_difference runc "runc 1.1.5: namespace {\"time\" \"\"} does not exist (time namespaces came in runc 1.2)"
	known_difference crun "crun 1.8.1 dies creating a time namespace on this host (write to sync socket: Connection reset by peer)"
}

time_offsets='.linux.namespaces += [{"type": "time"}]
	| .linux.timeOffsets = {"monotonic": {"secs": 864000, "nanosecs": 0}, "boottime": {"secs": 1728000, "nanosecs": 0}}'

@test "timeOffsets: CLOCK_MONOTONIC, CLOCK_BOOTTIME and /proc/uptime inside are shifted" {
	requires_timens_runtime
	update_config "$time_offsets"
	host=$(host_uptime)
	run_container /probe clocks
	assert_status 0
	assert_shifted monotonic "$host" 10
	assert_shifted boottime "$host" 20
	assert_shifted uptime "$host" 20
}

@test "timeOffsets in a new user namespace" {
	requires_timens_runtime
	userns_bundle
	update_config "$time_offsets"
	host=$(host_uptime)
	run_container /probe clocks
	assert_status 0
	assert_shifted monotonic "$host" 10
	assert_shifted boottime "$host" 20
}

@test "a time namespace without offsets works and its clocks are the host's" {
	requires_timens_runtime
	update_config '.linux.namespaces += [{"type": "time"}]'
	host=$(host_uptime)
	run_container /bin/sh -c '/probe clocks; /probe ns'
	assert_status 0
	assert_shifted monotonic "$host" 0
	assert_shifted uptime "$host" 0
	[ "$(kv time)" != "$(host_ns time)" ] || fail "time namespace is the host's"
}

@test "exec joins the container's time namespace and sees the same shift" {
	requires_timens_runtime
	update_config "$time_offsets"
	id=$(new_id)
	start_detached "$id"
	host=$(host_uptime)
	run exec_in "$id" /probe clocks
	assert_status 0
	assert_shifted monotonic "$host" 10
	assert_shifted boottime "$host" 20
	pid=$(state_field "$id" .pid)
	assert_equal "$(stat -L -c %i /proc/$pid/ns/time)" "$(stat -L -c %i /proc/$pid/ns/time_for_children)" "init's time ns"
	[ "$(stat -L -c %i /proc/$pid/ns/time)" != "$(host_ns time)" ] || fail "the init is in the host's time namespace"
}

@test "timeOffsets with a time namespace joined by path is refused, naming linux.timeOffsets" {
	update_config '.linux.namespaces += [{"type": "time", "path": "/proc/self/ns/time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 10, "nanosecs": 0}}'
	run_container /probe clocks
	assert_failure
	requires_tinyrun "message text"
	assert_contains "$stderr" "linux.timeOffsets"
}
