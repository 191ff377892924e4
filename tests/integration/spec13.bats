#!/usr/bin/env bats
# runtime-spec 1.3 process-level fields, proved from inside the container: linux.timeOffsets
# (the clocks the process reads), linux.memoryPolicy (get_mempolicy), process.execCPUAffinity,
# process.scheduler and ioPriority for exec, the session keyring, --pidfd-socket.

load helpers

teardown() {
	# a pidfd receiver still waiting (the runtime never connected) goes first: its command
	# line names the bundle, and the leak check would count it
	[ -z "${PIDFD_RECV:-}" ] || { kill "$PIDFD_RECV" 2>/dev/null; wait "$PIDFD_RECV" 2>/dev/null; } || true
	common_teardown
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

# run_shifted_clocks: run /probe clocks with $time_offsets; monotonic and boottime shifted.
run_shifted_clocks() {
	update_config "$time_offsets"
	host=$(host_uptime)
	run_container /probe clocks
	assert_status 0
	assert_shifted monotonic "$host" 10
	assert_shifted boottime "$host" 20
}

@test "timeOffsets: CLOCK_MONOTONIC, CLOCK_BOOTTIME and /proc/uptime inside are shifted" {
	requires_timens_runtime
	run_shifted_clocks
	assert_shifted uptime "$host" 20
}

@test "timeOffsets in a new user namespace" {
	requires_timens_runtime
	userns_bundle
	run_shifted_clocks
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

# The host's CPUs as the probe prints them ("0,1"), and whether there are two to play with.
host_cpus() {
	taskset -c -p $$ >/dev/null 2>&1 || skip "no taskset (util-linux)"
	[ "$(nproc --all)" -ge 2 ] || skip "needs 2 CPUs"
	ALL_CPUS=$(seq -s, 0 $(($(nproc --all) - 1)))
}

@test "execCPUAffinity: an affinity the runtime inherited is reset to every CPU for run and exec" {
	known_difference runc "runc 1.1.5 passes its own affinity on (the reset came in runc 1.2)"
	known_difference crun "crun 1.8.1 passes its own affinity on"
	host_cpus
	id=$(new_id)
	start_detached "$id"
	set_args /probe affinity
	run --separate-stderr taskset -c 0 "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)" </dev/null
	assert_status 0
	assert_kv cpus "$ALL_CPUS"
	run --separate-stderr taskset -c 1 "$RUNTIME" --root "$ROOT" exec "$id" /probe affinity </dev/null
	assert_status 0
	assert_kv cpus "$ALL_CPUS"
}

@test "execCPUAffinity.final is the exec'd process's affinity; initial and final from config.json" {
	known_difference runc "runc 1.1.5 has no execCPUAffinity (runc 1.2)"
	known_difference crun "crun 1.8.1 has no execCPUAffinity"
	host_cpus
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	id=$(new_id)
	start_detached "$id"
	# not the init's: the spec makes execCPUAffinity an exec setting
	pid=$(state_field "$id" .pid)
	assert_equal "$(awk '/^Cpus_allowed_list/ {print $2}' /proc/$pid/status)" "0-$(($(nproc --all) - 1))" "init's affinity"
	run exec_in "$id" /probe affinity
	assert_status 0
	assert_kv cpus 1
	jq '.process | .args = ["/probe", "affinity"] | .execCPUAffinity = {"final": "0-1"}' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr taskset -c 1 "$RUNTIME" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" "$id" </dev/null
	assert_status 0
	assert_kv cpus 0,1
	# final wins over the affinity the runtime was started with
	jq '.process | .args = ["/probe", "affinity"] | .execCPUAffinity = {"final": "0"}' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr taskset -c 1 "$RUNTIME" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" "$id" </dev/null
	assert_status 0
	assert_kv cpus 0
}

# initial is the CPU set the runtime's child has while it is moved into the container's cgroup.
# With no final, the spec says the runtime SHOULD NOT change the affinity after the move, so the
# kernel's (6.2+ keeps the affinity set before the move) is what the process shows: initial's,
# not the affinity of the runtime that ran the exec (taskset -c 0), nor every CPU (the reset).
@test "execCPUAffinity.initial without final: the exec'd process keeps the initial set through the cgroup move" {
	known_difference runc "runc 1.1.5 has no execCPUAffinity (runc 1.2)"
	known_difference crun "crun 1.8.1 has no execCPUAffinity"
	host_cpus
	id=$(new_id)
	start_detached "$id"
	for cpus in 1 0; do
		jq --arg c "$cpus" '.process | .args = ["/probe", "affinity"] | .execCPUAffinity = {"initial": $c}' \
			"$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
		run --separate-stderr taskset -c $((1 - cpus)) "$RUNTIME" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" "$id" </dev/null
		assert_status 0
		assert_kv cpus "$cpus"
	done
	# the runtime's own affinity is back after the clone: a later exec without the field is reset
	run --separate-stderr taskset -c 0 "$RUNTIME" --root "$ROOT" exec "$id" /probe affinity </dev/null
	assert_status 0
	assert_kv cpus "$ALL_CPUS"
}

@test "execCPUAffinity: a malformed list is refused, naming the member" {
	known_difference runc "runc 1.1.5 has no execCPUAffinity (runc 1.2)"
	known_difference crun "crun 1.8.1 has no execCPUAffinity"
	id=$(new_id)
	start_detached "$id"
	jq '.process | .args = ["/probe", "affinity"] | .execCPUAffinity = {"final": "1-0"}' "$BUNDLE/config.json" >"$BATS_TEST_TMPDIR/p.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_failure
	requires_tinyrun "message text"
	assert_contains "$stderr" "process.execCPUAffinity.final"
}

@test "session keyring: a new one named _ses.<id>; --no-new-keyring keeps the caller's" {
	host=$("$BUNDLE/rootfs/probe" keyring)
	host=${host#keyring=}
	run_container /probe keyring
	assert_status 0
	[ "$(kv keyring)" != "$host" ] || fail "the container has the caller's session keyring"
	known_difference crun "crun 1.8.1 names the keyring after the id alone, without runc's _ses. prefix"
	assert_kv keyring "_ses.$ID"
	ID=$(new_id)
	run --separate-stderr runtime run --no-new-keyring --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_kv keyring "$host"
	[ "$host" != "_ses.$ID" ] || fail "the host's session keyring is the container's"
}

@test "session keyring in a new user namespace" {
	userns_bundle
	run_container /probe keyring
	assert_status 0
	known_difference crun "crun 1.8.1 names the keyring after the id alone, without runc's _ses. prefix"
	assert_kv keyring "_ses.$ID"
}

# start_pidfd_receiver SIGNAL: /probe pidfd-recv on $PIDFD_SOCK in the background (output in
# $PIDFD_OUT), back once it listens.
start_pidfd_receiver() {
	PIDFD_SOCK=$BATS_TEST_TMPDIR/pidfd.sock
	PIDFD_OUT=$BATS_TEST_TMPDIR/pidfd.out
	rm -f "$PIDFD_SOCK"
	"$BUNDLE/rootfs/probe" pidfd-recv "$PIDFD_SOCK" "$1" </dev/null >"$PIDFD_OUT" 2>&1 &
	PIDFD_RECV=$!
	for _ in $(seq 50); do
		grep -qs listening "$PIDFD_OUT" && return 0
		sleep 0.1
	done
	fail "the pidfd receiver did not listen: $(cat "$PIDFD_OUT")"
}

# wait_pidfd_receiver: its output in $output once it exited (bounded by its own alarm).
wait_pidfd_receiver() {
	wait "$PIDFD_RECV" || true
	output=$(cat "$PIDFD_OUT")
}

@test "--pidfd-socket on create: a pidfd of the init, which kills it" {
	known_difference runc "runc 1.1.5 has no --pidfd-socket (runc 1.2)"
	known_difference crun "crun 1.8.1 has no --pidfd-socket"
	start_pidfd_receiver 9
	id=$(new_id)
	create_container "$id" --pid-file "$BATS_TEST_TMPDIR/init.pid" --pidfd-socket "$PIDFD_SOCK"
	wait_pidfd_receiver
	assert_kv got_fd yes
	assert_kv pid "$(cat "$BATS_TEST_TMPDIR/init.pid")"
	assert_kv signal sent
	wait_for_status "$id" stopped
}

@test "--pidfd-socket on run --detach and on exec: the pidfd of that process" {
	known_difference runc "runc 1.1.5 has no --pidfd-socket (runc 1.2)"
	known_difference crun "crun 1.8.1 has no --pidfd-socket"
	start_pidfd_receiver 0
	id=$(new_id)
	rt_detached "$id" run --detach --bundle "$BUNDLE" --pidfd-socket "$PIDFD_SOCK" "$id"
	assert_status 0
	wait_pidfd_receiver
	assert_kv pid "$(state_field "$id" .pid)"
	assert_kv signal sent
	start_pidfd_receiver 9
	rt_detached "$id" exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" --pidfd-socket "$PIDFD_SOCK" "$id" /probe sleep 60
	assert_status 0
	wait_pidfd_receiver
	assert_kv pid "$(cat "$BATS_TEST_TMPDIR/exec.pid")"
	assert_kv signal sent
	[ "$(state_field "$id" .status)" = running ] || fail "the init died with the exec'd process"
}

@test "--pidfd-socket that nobody listens on fails create and leaves nothing" {
	known_difference runc "runc 1.1.5 has no --pidfd-socket (runc 1.2)"
	known_difference crun "crun 1.8.1 has no --pidfd-socket"
	id=$(new_id)
	rt_detached "$id" create --bundle "$BUNDLE" --pidfd-socket "$BATS_TEST_TMPDIR/nobody.sock" "$id"
	assert_failure
	assert_no_leak "$id"
	requires_tinyrun "message text"
	assert_contains "$output" "pidfd socket"
}

@test "session keyring: exec joins the container's; after create --no-new-keyring it keeps the caller's" {
	known_difference crun "crun 1.8.1 names the keyring after the id alone, without runc's _ses. prefix"
	host=$("$BUNDLE/rootfs/probe" keyring)
	host=${host#keyring=}
	id=$(new_id)
	start_detached "$id"
	run exec_in "$id" /probe keyring
	assert_status 0
	assert_kv keyring "_ses.$id"
	id2=$(new_id)
	create_container "$id2" --no-new-keyring
	rt_detached "$id2" start "$id2"
	run exec_in "$id2" /probe keyring
	assert_status 0
	assert_kv keyring "$host"
}
