#!/usr/bin/env bats
# Namespaces: new ones are new (inode differs from the host's), unlisted ones are the host's,
# a `path` joins exactly that namespace, and a path of the wrong type is refused.

load helpers

@test "pid, network, ipc, uts, mount namespaces are new" {
	run_container /probe ns
	assert_status 0
	for ns in pid net ipc uts mnt; do
		v=$(kv "$ns") || fail "no $ns in: $output"
		[ "$v" != "$(host_ns "$ns")" ] || fail "$ns namespace is the host's ($v)"
	done
}

@test "namespaces not listed are the host's" {
	update_config '.linux.namespaces |= map(select(.type != "network" and .type != "ipc"))'
	run_container /probe ns
	assert_status 0
	assert_kv net "$(host_ns net)"
	assert_kv ipc "$(host_ns ipc)"
	assert_kv cgroup "$(host_ns cgroup)"
	assert_kv user "$(host_ns user)"
	[ "$(kv uts)" != "$(host_ns uts)" ] || fail "uts should still be new"
}

@test "cgroup namespace is new when listed" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	run_container /probe ns
	assert_status 0
	[ "$(kv cgroup)" != "$(host_ns cgroup)" ] || fail "cgroup namespace is the host's"
	# inside its own cgroup namespace the process sees itself at the root of each hierarchy
	run_container /bin/cat /proc/self/cgroup
	assert_status 0
	while IFS=: read -r _ _ path; do
		assert_equal "$path" "/" "cgroup path inside the cgroup namespace"
	done <<<"$output"
}

@test "pid namespace: the process is pid 1 and sees only its own processes" {
	run_container /bin/sh -c 'echo $$; ls -d /proc/[0-9]* | wc -l'
	assert_status 0
	assert_equal "${lines[0]}" 1
	# sh, ls and wc (and possibly the subshell) are all that run
	[ "${lines[1]}" -le 4 ] || fail "saw ${lines[1]} processes"
}

@test "user namespace with uid/gid mappings" {
	# The mapped root must be able to reach the bundle through the test's temp dirs.
	chmod 755 "$BATS_TEST_TMPDIR" "$BUNDLE" "$BUNDLE/rootfs"
	d=$BATS_TEST_TMPDIR
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	run_container /bin/sh -c '/probe ns; /probe ids; cat /proc/self/uid_map /proc/self/gid_map'
	assert_status 0
	[ "$(kv user)" != "$(host_ns user)" ] || fail "user namespace is the host's"
	assert_kv uid 0
	read -r a b c <<<"$(grep -v = <<<"$output" | head -1)"
	assert_equal "$a $b $c" "0 100000 65536" "uid_map"
	read -r a b c <<<"$(grep -v = <<<"$output" | sed -n 2p)"
	assert_equal "$a $b $c" "0 100000 65536" "gid_map"
}

@test "joining another container's network, ipc and uts namespaces by path" {
	ID1=$(new_id a)
	start_detached "$ID1"
	pid=$(state_field "$ID1" .pid)
	net=$(stat -L -c %i "/proc/$pid/ns/net")
	ipc=$(stat -L -c %i "/proc/$pid/ns/ipc")
	uts=$(stat -L -c %i "/proc/$pid/ns/uts")
	# a hostname cannot be set in a joined uts namespace: drop it
	update_config "del(.hostname) | .linux.namespaces |= map(
		if .type == \"network\" then .path = \"/proc/$pid/ns/net\"
		elif .type == \"ipc\" then .path = \"/proc/$pid/ns/ipc\"
		elif .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end)"
	run_container /bin/sh -c '/probe ns; /probe hostname'
	assert_status 0
	assert_kv net "$net"
	assert_kv ipc "$ipc"
	assert_kv uts "$uts"
	# the joined uts namespace carries the first container's hostname
	assert_kv hostname tinyrun-test
	[ "$(kv pid)" != "$(stat -L -c %i "/proc/$pid/ns/pid")" ] || fail "pid namespace should be new"
}

@test "a namespace path of the wrong type is refused and nothing is left behind" {
	ID1=$(new_id a)
	start_detached "$ID1"
	pid=$(state_field "$ID1" .pid)
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/proc/$pid/ns/ipc\" else . end)"
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_no_leak "$ID"
	# the first container is untouched
	assert_equal "$(state_field "$ID1" .status)" running
}

@test "a namespace path that does not exist is refused" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/no/such/netns" else . end)'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" "/no/such/netns"
	assert_no_leak "$ID"
}
