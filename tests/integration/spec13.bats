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

# crun 1.8.1 and runc 1.1.5 predate linux.memoryPolicy (runtime-spec 1.3): their parsers ignore it.
requires_mempolicy_runtime() {
	known_difference runc "runc 1.1.5 ignores linux.memoryPolicy (runtime-spec 1.3, runc 1.4)"
	known_difference crun "crun 1.8.1 ignores linux.memoryPolicy (runtime-spec 1.3)"
}

@test "memoryPolicy MPOL_BIND to node 0: the init and an exec'd process are bound" {
	requires_mempolicy_runtime
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_STATIC_NODES"]}'
	id=$(new_id)
	start_detached "$id"
	run exec_in "$id" /probe mempolicy
	assert_status 0
	assert_kv mode 2
	assert_kv flags 32768
	assert_kv nodes 0x1
	# the init's own policy, seen from the host
	pid=$(state_field "$id" .pid)
	grep -q " bind=static:0\| bind:0" "/proc/$pid/numa_maps" || fail "init's numa_maps: $(head -3 /proc/$pid/numa_maps)"
}

@test "memoryPolicy MPOL_PREFERRED with a node, MPOL_LOCAL without" {
	requires_mempolicy_runtime
	update_config '.linux.memoryPolicy = {"mode": "MPOL_PREFERRED", "nodes": "0"}'
	run_container /probe mempolicy
	assert_status 0
	assert_kv mode 1
	assert_kv nodes 0x1
	update_config '.linux.memoryPolicy = {"mode": "MPOL_LOCAL"}'
	run_container /probe mempolicy
	assert_status 0
	assert_kv mode 4
}

@test "memoryPolicy: a node that does not exist, an unknown mode or flag, a bad list are refused by path" {
	requires_mempolicy_runtime
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0,63"}'
	run_container /probe mempolicy
	assert_failure
	assert_no_leak "$ID"
	requires_tinyrun "message texts"
	assert_contains "$stderr" "linux.memoryPolicy.nodes: node 63 does not exist on this host"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_SOMETIMES", "nodes": "0"}'
	run_container /probe mempolicy
	assert_failure
	assert_contains "$stderr" "linux.memoryPolicy.mode"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0", "flags": ["MPOL_F_LOUD"]}'
	run_container /probe mempolicy
	assert_failure
	assert_contains "$stderr" "linux.memoryPolicy.flags[0]"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0-"}'
	run_container /probe mempolicy
	assert_failure
	assert_contains "$stderr" "linux.memoryPolicy.nodes"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND"}'
	run_container /probe mempolicy
	assert_failure
	assert_contains "$stderr" "MPOL_BIND needs at least one node"
}

# runc 1.1.5 applies neither to exec'd processes (runc 1.2 added both); crun 1.8.1 has no
# process.scheduler.
@test "exec --process: scheduler and ioPriority apply to the exec'd process" {
	known_difference runc "runc 1.1.5 has no process.scheduler nor ioPriority (runc 1.2)"
	known_difference crun "crun 1.8.1 has no process.scheduler"
	id=$(new_id)
	start_detached "$id"
	jq '.process | .args = ["/probe", "sched"]
		| .scheduler = {"policy": "SCHED_BATCH", "nice": 7}
		| .ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	run runtime exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_status 0
	assert_kv policy 3
	assert_kv nice 7
	assert_kv ioprio_class 2
	assert_kv ioprio_level 6
	# the init keeps its own (the config's process has neither)
	pid=$(state_field "$id" .pid)
	assert_equal "$(awk '/^policy/ {print $3}' /proc/$pid/sched)" 0 "init's policy"
}

@test "exec --process: an out-of-range ioPriority is refused, naming process.ioPriority.priority" {
	known_difference runc "runc 1.1.5 has no process.scheduler nor ioPriority (runc 1.2)"
	known_difference crun "crun 1.8.1 has no process.scheduler"
	id=$(new_id)
	start_detached "$id"
	jq '.process | .args = ["/probe", "sched"] | .ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 9}' \
		"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_failure
	requires_tinyrun "message text"
	assert_contains "$stderr" "process.ioPriority.priority"
}
