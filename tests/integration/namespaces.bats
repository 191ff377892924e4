#!/usr/bin/env bats
# Namespaces: new ones are new (inode differs from the host's), unlisted ones are the host's,
# a `path` joins exactly that namespace, and a path of the wrong type is refused. A network
# namespace the runtime creates has lo up (rootful and in the rootless unshare shape); a joined
# one keeps its lo as it was. hostname may be set in a uts namespace joined by path.

load helpers

NETNS=""

teardown() {
	common_teardown
	local rc=$?
	[ -z "$NETNS" ] || ip netns delete "$NETNS" 2>/dev/null || true
	[ -z "${RL:-}" ] || rm -rf "$RL"
	return $rc
}

# What the container sees of lo: its flags word and what a connect to a closed port on
# 127.0.0.1 says ("Connection refused" with lo up, "Network is unreachable" with lo down).
LO_PROBE='echo flags=$(cat /sys/class/net/lo/flags); nc 127.0.0.1 1 </dev/null 2>&1; ip -o link show lo'

# assert_lo_up: the output of LO_PROBE says lo is up and usable.
assert_lo_up() {
	local flags
	flags=$(kv flags) || fail "no flags= line: $output" || return 1
	[ $((flags & 1)) -eq 1 ] || fail "lo is not IFF_UP (flags $flags): $output" || return 1
	assert_contains "$output" "refused"
	assert_not_contains "$output" "unreachable"
}

# in_userns_as_user SCRIPT: SCRIPT as an unprivileged user who is uid 0 of its own user
# namespace (`unshare --user --map-root-user --mount`, the RootlessKit shape; rootless.bats
# tests this shape in depth), with RUNTIME, ROOT and BUNDLE in the environment.
in_userns_as_user() {
	runuser -u tinyrun-test -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL" \
		RUNTIME="$RUNTIME" ROOT="$ROOT" BUNDLE="$BUNDLE" XDG_RUNTIME_DIR="$RL/xdg" \
		unshare --user --map-root-user --mount sh -c "$1"
}

# rootless_plain_bundle: the base config in a bundle and root owned by the test user.
rootless_plain_bundle() {
	known_difference crun "crun 1.8.1 needs the runtimes/crun wrapper on this cgroup v1 hybrid host, and the wrapper needs real root"
	id tinyrun-test >/dev/null 2>&1 || useradd -m tinyrun-test || skip "cannot create user tinyrun-test"
	runuser -u tinyrun-test -- unshare --user --map-root-user true 2>/dev/null ||
		skip "unprivileged user namespaces are not allowed on this host"
	RL=$(mktemp -d /tmp/tinyrun-ns.XXXXXX)
	chmod 755 "$RL"
	setup_bundle "$RL/bundle"
	ROOT=$RL/root
	mkdir -p "$ROOT" "$RL/xdg"
	chmod 700 "$RL/xdg"
	# only uid/gid 0 are mapped by unshare --map-root-user: devpts cannot use gid=5
	update_config '(.mounts[] | select(.destination == "/dev/pts") | .options) -= ["gid=5"]'
	chown -R tinyrun-test: "$RL"
}

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
	userns_bundle
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
	# no hostname here: the joined uts namespace keeps the first container's
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

@test "a new network namespace has lo up: 127.0.0.1 answers (refused), not unreachable" {
	run_container /bin/sh -c "$LO_PROBE"
	assert_status 0
	assert_lo_up
	assert_contains "$output" "LOOPBACK,UP"
}

@test "a new network namespace owned by a new user namespace has lo up" {
	userns_bundle
	run_container /bin/sh -c "$LO_PROBE"
	assert_status 0
	assert_lo_up
}

@test "rootless (unshare shape): a new network namespace has lo up" {
	rootless_plain_bundle
	ID=$(new_id)
	set_args /bin/sh -c "$LO_PROBE"
	run --separate-stderr in_userns_as_user "\"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_lo_up
}

@test "a network namespace joined by path keeps its lo down" {
	NETNS=tinyrun-lo-$$-$RANDOM
	ip netns add "$NETNS"
	# a new one starts down; the runtime must leave it that way
	ip netns exec "$NETNS" ip -o link show lo | grep -qv ',UP' || fail "lo of the new netns is already up"
	update_config ".linux.namespaces |= map(if .type == \"network\" then .path = \"/run/netns/$NETNS\" else . end)"
	run_container /bin/sh -c "$LO_PROBE"
	assert_status 0
	flags=$(kv flags)
	[ $((flags & 1)) -eq 0 ] || fail "lo was brought up in a joined netns (flags $flags): $output"
	assert_contains "$output" "unreachable"
	assert_not_contains "$(ip netns exec "$NETNS" ip -o link show lo)" ",UP"
}

@test "hostname is set in a uts namespace joined by path" {
	ID1=$(new_id a)
	start_detached "$ID1"
	pid=$(state_field "$ID1" .pid)
	uts=$(stat -L -c %i "/proc/$pid/ns/uts")
	update_config ".hostname = \"joined-uts\" | .linux.namespaces |= map(
		if .type == \"uts\" then .path = \"/proc/$pid/ns/uts\" else . end)"
	run_container /bin/sh -c '/probe ns; /probe hostname'
	assert_status 0
	assert_kv uts "$uts"
	assert_kv hostname joined-uts
	# the name is the namespace's: the first container sees it too
	run --separate-stderr exec_in "$ID1" /probe hostname
	assert_status 0
	assert_kv hostname joined-uts
}

@test "hostname without a uts namespace is refused, naming hostname and linux.namespaces" {
	update_config 'del(.domainname) | .linux.namespaces |= map(select(.type != "uts"))'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_no_leak "$ID"
	requires_tinyrun "message text"
	assert_contains "$output" "hostname: setting it needs a uts namespace"
	assert_contains "$output" "linux.namespaces"
}
