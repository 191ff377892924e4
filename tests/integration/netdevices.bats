#!/usr/bin/env bats
# linux.netDevices (runtime-spec 1.2): host interfaces that the test makes (dummy, veth) move
# into the container's network namespace under their new name, with their addresses and up
# state, and come back to the host on delete; refusals name the field and leave the device where
# it was. Where the kernel has no dummy driver (this CI host's has none, nor veth), an ifb device
# stands in for it: both are plain virtual devices. runc 1.1.5 and crun 1.8.1 predate the field (runc 1.3, crun 1.19).

load helpers

setup() {
	common_setup
	known_difference runc "runc 1.1.5 predates linux.netDevices (runc 1.3)"
	known_difference crun "crun 1.8.1 predates linux.netDevices"
	DEV=trnd$((RANDOM % 100000))
	make_dev "$DEV"
	ip addr add 192.0.2.10/24 dev "$DEV"
	ip link set "$DEV" up
}

teardown() {
	common_teardown
	local rc=$?
	# the device is the test's: it must be back on the host (then removed here)
	if [ -n "${DEV:-}" ]; then
		ip link show "$DEV" >/dev/null 2>&1 || { echo "$DEV is not back on the host" >&2; rc=1; }
		ip link del "$DEV" 2>/dev/null || true
	fi
	[ -z "${PEER:-}" ] || ip link del "$PEER" 2>/dev/null || true
	return $rc
}

# make_dev NAME: a dummy device, or an ifb one on a kernel without the dummy driver.
make_dev() {
	ip link add "$1" type dummy 2>/dev/null || ip link add "$1" type ifb
}

# host_has_addr DEV CIDR: DEV is on the host, up, with the IPv4 address CIDR.
host_has_addr() {
	ip -4 -o addr show dev "$1" | grep -qF "inet $2" || fail "$1 has not $2 on the host: $(ip -o addr show dev "$1" 2>&1)"
	ip -o link show dev "$1" | grep -q '[<,]UP[,>]' || fail "$1 is not up on the host"
}

# create_refused [RUNTIME_FLAG...] -- TEXT...: create of $BUNDLE as $ID fails in one line of
# stderr that contains every TEXT.
create_refused() {
	local flags=() t
	while [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	run --separate-stderr runtime "${flags[@]}" create --bundle "$BUNDLE" "$ID" </dev/null
	assert_failure
	for t in "$@"; do assert_contains "$stderr" "$t" || return 1; done
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "expected one line: $stderr"
}

@test "netDevices: a dummy device moves in as eth9 with its address, up; back on the host after delete" {
	update_config ".linux.netDevices = {\"$DEV\": {\"name\": \"eth9\"}}"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /bin/ip -4 -o addr show dev eth9 </dev/null
	assert_status 0
	assert_contains "$output" "inet 192.0.2.10/24"
	run --separate-stderr runtime exec "$ID" /bin/cat /sys/class/net/eth9/flags </dev/null
	assert_status 0
	(( output & 1 )) || fail "eth9 is not up inside: flags $output"
	# gone from the host meanwhile
	! ip link show "$DEV" >/dev/null 2>&1 || fail "$DEV is still on the host"
	run --separate-stderr runtime delete --force "$ID"
	assert_status 0
	host_has_addr "$DEV" 192.0.2.10/24
}

@test "netDevices: without a name the device keeps its own; a veth end moves, its peer stays" {
	PEER=trpe$((RANDOM % 100000))
	ip link add "${DEV}v" type veth peer name "$PEER" 2>/dev/null || skip "no veth driver in this kernel (the VM layer runs it)"
	ip addr add 198.51.100.1/24 dev "${DEV}v"
	ip link set "${DEV}v" up
	update_config ".linux.netDevices = {\"$DEV\": {}, \"${DEV}v\": {\"name\": \"veth0\"}}"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /bin/ip -4 -o addr show </dev/null
	assert_status 0
	assert_contains "$output" "$DEV    inet 192.0.2.10/24"
	assert_contains "$output" "veth0    inet 198.51.100.1/24"
	ip link show "$PEER" >/dev/null || fail "the veth peer left the host"
	run --separate-stderr runtime delete --force "$ID"
	assert_status 0
	host_has_addr "$DEV" 192.0.2.10/24
	host_has_addr "${DEV}v" 198.51.100.1/24
	ip link del "${DEV}v"
}

@test "netDevices: refused without a network namespace of its own, for a missing device, rootless" {
	update_config ".linux.netDevices = {\"$DEV\": {}} | .linux.namespaces |= map(select(.type != \"network\"))"
	ID=$(new_id)
	create_refused -- "linux.netDevices[\"$DEV\"]" "network namespace"
	update_config ".linux.namespaces += [{\"type\": \"network\", \"path\": \"/proc/$$/ns/net\"}]"
	create_refused -- "linux.netDevices[\"$DEV\"]" "is the host's"
	update_config ".linux.namespaces |= map(select(.type != \"network\")) | .linux.namespaces += [{\"type\": \"network\"}]
		| .linux.netDevices = {\"trnosuch0\": {}}"
	create_refused -- 'linux.netDevices["trnosuch0"]: no such network device on the host'
	update_config ".linux.netDevices = {\"$DEV\": {}}"
	create_refused --rootless true -- "linux.netDevices[\"$DEV\"]" "rootless"
	host_has_addr "$DEV" 192.0.2.10/24
}

@test "netDevices: a name clash inside fails create; the device moved before it is back on the host" {
	# lo exists in every new network namespace: the second device cannot take its name
	PEER=trpe$((RANDOM % 100000))
	make_dev "$PEER"
	update_config ".linux.netDevices = {\"$DEV\": {\"name\": \"eth9\"}, \"$PEER\": {\"name\": \"lo\"}}"
	ID=$(new_id)
	create_refused -- "linux.netDevices[\"$PEER\"]" "lo already exists"
	host_has_addr "$DEV" 192.0.2.10/24
	ip link show "$PEER" >/dev/null || fail "$PEER left the host"
	assert_no_leak "$ID"
}
