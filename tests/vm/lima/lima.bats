#!/usr/bin/env bats
# Lima's default stack, driven the way `lima nerdctl --runtime=RUNTIME run ...` drives it: run as
# the unprivileged user (uid 1000) by tests/vm/lima/guest.sh in the lima VM variant, once per
# runtime (LIMA_RUNTIME). Rootless containerd runs as the user's systemd service inside
# RootlessKit (containerd-rootless.sh); ctr runs in RootlessKit's user, mount and network
# namespaces, with the runtime as the shim's --runc-binary. Everything is checked from outside the
# runtime: what the container sees, the user's systemd (systemctl --user), the cgroup tree.
#
# Environment: LIMA_RUNTIME (the runtime), LIMA_IMAGE (tests/clients/make-image.sh tarball),
# XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS of the user session (set by guest.sh).

RUNTIME=${LIMA_RUNTIME:-}
load ../../clients/helpers

# Not BASH_SOURCE: bats runs a preprocessed copy of this file from its temp dir.
LIMA_DIR=$BATS_TEST_DIRNAME
NS=lima
LIMIT=33554432
CTR_TIMEOUT=60

# rootless_pid: RootlessKit's child (the holder of its namespaces), as nerdctl finds it.
rootless_pid() {
	cat "$XDG_RUNTIME_DIR/containerd-rootless/child_pid"
}

# in_rootless CMD...: CMD in RootlessKit's namespaces, as containerd-rootless-setuptool.sh's
# nsenter does it (the user keeps its credentials: root in the userns).
in_rootless() {
	timeout -k 5 $CTR_TIMEOUT nsenter -U --preserve-credentials -m -n -t "$(rootless_pid)" -- "$@"
}

ctrx() {
	in_rootless ctr --namespace $NS "$@"
}

# ctr_run ID [CTR-RUN-FLAGS...] -- CMD...: `ctr run -d` of the test image with the runtime, through
# nerdctl_spec (the spec nerdctl would give the runtime). NERDCTL="cgroupns cni" adds the parts of
# nerdctl's spec that are options here.
ctr_run() {
	local id=$1 flags=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
	shift
	ctrx run -d --runtime io.containerd.runc.v2 --runc-binary "$(nerdctl_spec ${NERDCTL:-})" \
		"${flags[@]}" "$IMAGE" "$id" "$@"
}

# nerdctl_spec [cgroupns] [cni]: a wrapper of the runtime that edits config.json before `create`
# where nerdctl's spec differs from ctr's, and prints its path. Always: nerdctl's cgroup mount at
# /sys/fs/cgroup (ctr's default spec has none; nerdctl's setPlatformOptions adds {"type":
# "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]}). cgroupns: a cgroup namespace
# (nerdctl's --cgroupns=private, its default on v2). cni: createRuntime/poststop hooks that give
# the container a CNI bridge network in RootlessKit's netns (cni-hook.sh), as nerdctl's oci-hook.
nerdctl_spec() {
	local words=$* w filter
	w=$BATS_FILE_TMPDIR/nerdctl-spec/${words// /-}/$RUNTIME_NAME
	filter='.mounts |= (map(select(.destination != "/sys/fs/cgroup")) + [{"destination": "/sys/fs/cgroup",
		"type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid", "noexec", "nodev"]}])'
	case " $words " in *" cgroupns "*)
		filter="$filter"' | .linux.namespaces |= (map(select(.type != "cgroup")) + [{"type": "cgroup"}])' ;;
	esac
	case " $words " in *" cni "*)
		filter="$filter | .hooks.createRuntime += [$(cni_hook add)] | .hooks.poststop += [$(cni_hook del)]" ;;
	esac
	if [ ! -x "$w" ]; then
		mkdir -p "${w%/*}"
		cat >"$w" <<-EOF
			#!/bin/bash
			prev=
			for a in "\$@"; do [ "\$prev" = --bundle ] && b=\$a; prev=\$a; done
			if [ "\${b:-}" ] && [ -e "\$b/config.json" ]; then
			    jq '$filter' "\$b/config.json" > "\$b/config.json.tmp" && mv "\$b/config.json.tmp" "\$b/config.json" || exit 1
			fi
			exec "$RUNTIME" "\$@"
		EOF
		chmod 755 "$w"
	fi
	echo "$w"
}

# The CNI network of the cni tests: a bridge like nerdctl's default network (nerdctl0, 10.4.0.0/24)
# without its masquerade and firewall plugins (iptables in RootlessKit's netns is not the point).
CNI_DIR=$BATS_FILE_TMPDIR/cni
cni_hook() {
	printf '{"path": "%s", "args": ["cni-hook.sh", "%s", "%s"], "env": ["PATH=/usr/bin:/bin:/usr/sbin:/sbin"]}' \
		"$LIMA_DIR/cni-hook.sh" "$1" "$CNI_DIR"
}
write_cni_conf() {
	mkdir -p "$CNI_DIR"
	cat >"$CNI_DIR/net.conf" <<-EOF
		{"cniVersion": "1.0.0", "name": "lima-bridge", "type": "bridge", "bridge": "nerdctl0",
		 "isGateway": true, "ipMasq": false, "hairpinMode": true,
		 "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.4.0.0/24", "gateway": "10.4.0.1"}]],
		          "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$CNI_DIR/ipam"}}
	EOF
}

# payload_cgroup SCOPE-CGROUP: where the container's processes are and its limits apply when the
# systemd driver made SCOPE: the scope for tinyrun and runc. crun on cgroup v2 puts them in a
# "container" sub-cgroup of the scope (its run.oci.systemd.subgroup annotation, whose default on
# v2 is "container", documented in crun(1)), so the scope's own files keep the defaults.
payload_cgroup() {
	if [ "$RUNTIME_NAME" = crun ]; then echo "$1/container"; else echo "$1"; fi
}

# The user manager's own cgroup (/user.slice/user-1000.slice/user@1000.service).
manager_cgroup() {
	systemctl --user show -p ControlGroup --value
}

task_status() {
	ctrx task ls | awk -v id="$1" '$1 == id { print $3 }'
}

wait_task_status() {
	local end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		[ "$(task_status "$1")" = "$2" ] && return 0
		sleep 0.2
	done
	fail "task $1: status '$(task_status "$1")', expected $2"
}

remove_container() {
	ctrx task kill -a -s SIGKILL "$1" >/dev/null 2>&1
	ctrx task delete -f "$1" >/dev/null 2>&1
	ctrx containers delete "$1" >/dev/null 2>&1
	true
}

# wait_secs N CMD...: retry CMD until it succeeds, for at most N seconds.
wait_secs() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

setup_file() {
	[ -x "$RUNTIME" ] || skip "no runtime at '$RUNTIME' (LIMA_RUNTIME)"
	[ "$(id -u)" != 0 ] || skip "must run as the unprivileged user (tests/vm/lima/guest.sh)"
	local c
	for c in rootlesskit slirp4netns containerd ctr containerd-shim-runc-v2 newuidmap nsenter jq; do
		command -v $c >/dev/null || skip "$c is not installed"
	done
	[ -s "${LIMA_IMAGE:-}" ] || skip "no image tarball (LIMA_IMAGE='${LIMA_IMAGE:-}')"
	install_containerd_unit
	progress "starting the containerd user service"
	timeout 60 systemctl --user start containerd.service ||
		skip "systemctl --user start containerd.service failed or hung"
	progress "waiting for rootless containerd"
	wait_secs 180 in_rootless timeout 10 ctr version ||
		skip "rootless containerd did not start: $(journalctl --user -u containerd.service --no-pager 2>&1 | tail -n 5)"
	progress "importing $LIMA_IMAGE"
	ctrx images import "$LIMA_IMAGE" >/dev/null || skip "ctr images import failed"
	progress "ready"
}

# progress MSG: a TAP comment with the time since the suite began (bats prints fd 3 as is).
progress() {
	echo "# setup ${SECONDS}s: $*" >&3
}

# The containerd user unit and its private config, as containerd-rootless-setuptool.sh installs
# them (Delegate=yes: the runtime creates cgroups below the service).
install_containerd_unit() {
	local cfg=$HOME/.config
	mkdir -p "$cfg/systemd/user" "$cfg/containerd"
	[ -e "$cfg/systemd/user/containerd.service" ] && return 0
	cat >"$cfg/containerd/config.toml" <<-'EOF'
		version = 2
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing"]
	EOF
	cat >"$cfg/systemd/user/containerd.service" <<-EOF
		[Unit]
		Description=containerd (rootless, tests/vm/lima)
		[Service]
		Environment=PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
		ExecStart=$LIMA_DIR/containerd-rootless.sh
		Type=simple
		Delegate=yes
		KillMode=mixed
		TimeoutStopSec=30
	EOF
	systemctl --user daemon-reload
}

teardown_file() {
	local id
	[ -s "$XDG_RUNTIME_DIR/containerd-rootless/child_pid" ] || return 0
	for id in $(ctrx containers ls -q 2>/dev/null); do remove_container "$id"; done
	return 0
}

setup() {
	ID=lima-$BATS_TEST_NUMBER-$RANDOM
}

teardown() {
	remove_container "$ID"
}

@test "user@1000.service is delegated (memory pids cpu) and the user bus belongs to the user" {
	run systemctl show -p Delegate --value "user@$(id -u).service"
	assert_equal "$output" yes
	local c
	for c in memory pids cpu; do
		assert_contains " $(cat "/sys/fs/cgroup$(manager_cgroup)/cgroup.controllers") " " $c "
	done
	run busctl --user status
	assert_contains "$output" "OwnerUID=$(id -u)"
}

@test "rootless containerd: a user service inside RootlessKit's user, mount and net namespaces" {
	local pid
	pid=$(systemctl --user show -p MainPID --value containerd.service)
	[ "$pid" -gt 0 ] || fail "containerd.service has no main pid"
	assert_contains "$(cat /proc/"$(rootless_pid)"/cgroup)" "$(manager_cgroup)/app.slice/containerd.service"
	run in_rootless cat /proc/self/uid_map
	assert_equal "$(echo $output)" "0 $(id -u) 1 1 200000 65536"
	[ "$(in_rootless readlink /proc/self/ns/net)" != "$(readlink /proc/self/ns/net)" ] ||
		fail "RootlessKit's child shares the host network namespace"
}

@test "systemd driver: user.slice:nerdctl:ID is a transient scope under user@1000.service with MemoryMax" {
	ctr_run "$ID" --runc-systemd-cgroup --cgroup "user.slice:nerdctl:$ID" --memory-limit $LIMIT -- sleep 1000
	local scope=nerdctl-$ID.scope cg pcg
	cg=$(manager_cgroup)/user.slice/$scope
	pcg=$(payload_cgroup "$cg")
	run systemctl --user show -p ControlGroup -p MemoryMax -p ActiveState "$scope"
	assert_contains "$output" "ControlGroup=$cg"
	assert_contains "$output" "ActiveState=active"
	assert_equal "$(cat "/sys/fs/cgroup$pcg/memory.max")" $LIMIT
	# The limit is on crun's sub-cgroup, not the unit: systemd's MemoryMax of the scope stays
	# infinity with crun 1.8.1. runc and tinyrun give systemd MemoryMax for the scope itself.
	[ "$RUNTIME_NAME" = crun ] || assert_contains "$output" "MemoryMax=$LIMIT"
	run ctrx task exec --exec-id cg "$ID" cat /proc/self/cgroup
	assert_equal "$output" "0::$pcg"
	# Without a cgroup namespace a rootless runtime cannot mount cgroup2 (the initial cgroupns
	# belongs to the initial userns): runc then binds the whole /sys/fs/cgroup, tinyrun the
	# container's own cgroup (what a cgroupns would show).
	run ctrx task exec --exec-id mem "$ID" sh -c \
		"cat /sys/fs/cgroup$pcg/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory.max"
	assert_equal "$output" $LIMIT
	remove_container "$ID"
	[ ! -e "/sys/fs/cgroup$cg" ] || fail "$cg left behind"
	run systemctl --user is-active "$scope"
	[ "$output" != active ] || fail "$scope still active after rm"
}

@test "cgroupfs driver: a cgroup inside the delegated subtree gets memory.max and the task" {
	local cg pid
	cg=$(manager_cgroup)/lima-cgfs-$ID
	ctr_run "$ID" --cgroup "$cg" --memory-limit $LIMIT -- sleep 1000
	assert_equal "$(cat "/sys/fs/cgroup$cg/memory.max")" $LIMIT
	pid=$(ctrx task ls | awk -v id="$ID" '$1 == id { print $2 }')
	assert_contains " $(echo $(cat "/sys/fs/cgroup$cg/cgroup.procs")) " " $pid "
	run ctrx task exec --exec-id cg "$ID" cat /proc/self/cgroup
	assert_equal "$output" "0::$cg"
	remove_container "$ID"
	[ ! -e "/sys/fs/cgroup$cg" ] || fail "$cg left behind"
}

@test "run -d, task exec, task ps, pause/resume (frozen in the scope), kill, rm leave nothing" {
	ctr_run "$ID" --runc-systemd-cgroup --cgroup "user.slice:nerdctl:$ID" -- sleep 1000
	local cg pcg
	cg=/sys/fs/cgroup$(manager_cgroup)/user.slice/nerdctl-$ID.scope
	pcg=$(payload_cgroup "$cg")
	# The exec joins the container's pid namespace: its pid 1 is the container's sleep.
	run ctrx task exec --exec-id hi "$ID" sh -c 'echo hello from $(cat /proc/1/cmdline | tr "\0" " ")'
	assert_status 0
	assert_equal "$output" "hello from sleep 1000"
	ctrx task exec -d --exec-id bg "$ID" sleep 1000
	run ctrx task ps "$ID"
	assert_equal "$(echo "$output" | tail -n +2 | wc -l)" 2 "processes in task ps: $output"
	ctrx task pause "$ID"
	wait_task_status "$ID" PAUSED
	assert_contains "$(cat "$pcg/cgroup.events")" "frozen 1"
	ctrx task resume "$ID"
	wait_task_status "$ID" RUNNING
	assert_contains "$(cat "$pcg/cgroup.events")" "frozen 0"
	ctrx task kill -s SIGKILL "$ID"
	wait_task_status "$ID" STOPPED
	ctrx task delete "$ID"
	ctrx containers delete "$ID"
	[ ! -e "$cg" ] || fail "$cg left behind"
	[ ! -e "$XDG_RUNTIME_DIR/containerd/runc/$NS/$ID" ] || fail "runtime state dir left behind"
	assert_equal "$(ctrx containers ls -q | grep -cx "$ID")" 0
}

@test "own network namespace: loopback is up and a TCP connection to 127.0.0.1 works" {
	ctr_run "$ID" --runc-systemd-cgroup --cgroup "user.slice:nerdctl:$ID" -- sleep 1000
	local netns
	netns=$(ctrx task exec --exec-id ns "$ID" readlink /proc/self/ns/net)
	[ "$netns" != "$(in_rootless readlink /proc/self/ns/net)" ] || fail "container shares RootlessKit's netns"
	# The client retries until the server listens; a refused try's message is not the result.
	run ctrx task exec --exec-id nc "$ID" sh -c '
		nc -l -p 7777 > /tmp/got & server=$!
		i=0; until echo ping | nc -w 2 127.0.0.1 7777 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || exit 9; sleep 0.2; done
		wait $server; cat /tmp/got'
	assert_status 0
	assert_equal "$output" ping
}

@test "private cgroup namespace (nerdctl's v2 default): the container sees its cgroup as / with memory.max" {
	local cg=$(manager_cgroup)/user.slice/nerdctl-$ID.scope
	NERDCTL=cgroupns ctr_run "$ID" --runc-systemd-cgroup --cgroup "user.slice:nerdctl:$ID" \
		--memory-limit $LIMIT -- sleep 1000
	run ctrx task exec --exec-id cg "$ID" cat /proc/self/cgroup
	assert_equal "$output" "0::/"
	run ctrx task exec --exec-id mnt "$ID" sh -c 'grep " /sys/fs/cgroup " /proc/self/mountinfo'
	assert_contains "$output" " - cgroup2 "
	run ctrx task exec --exec-id mem "$ID" cat /sys/fs/cgroup/memory.max
	assert_equal "$output" $LIMIT
	assert_equal "$(cat "/sys/fs/cgroup$(payload_cgroup "$cg")/memory.max")" $LIMIT
	# The namespace is the container's own, not RootlessKit's.
	[ "$(ctrx task exec --exec-id ns "$ID" readlink /proc/self/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" ] ||
		fail "no private cgroup namespace"
}

@test "CNI bridge network from createRuntime/poststop hooks (nerdctl's default network): eth0, TCP from RootlessKit's netns, address released" {
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || skip "containernetworking-plugins not installed"
	local ip addr
	write_cni_conf
	NERDCTL=cni ctr_run "$ID" --runc-systemd-cgroup --cgroup "user.slice:nerdctl:$ID" -- sleep 1000
	addr=$(jq -r '.ips[0].address' "$CNI_DIR/$ID.add.json") || fail "no CNI result for $ID"
	ip=${addr%/*}
	assert_contains "$addr" 10.4.0.
	run ctrx task exec --exec-id ip "$ID" ip -4 addr show eth0
	assert_contains "$output" "inet $addr"
	run ctrx task exec --exec-id route "$ID" ip route
	assert_contains "$output" "default via 10.4.0.1"
	# The bridge is in RootlessKit's netns, where nerdctl's is: a client there reaches the container.
	run in_rootless ip -4 addr show nerdctl0
	assert_contains "$output" "inet 10.4.0.1/24"
	ctrx task exec -d --exec-id srv "$ID" sh -c 'nc -l -p 7777 > /tmp/got'
	local end=$((SECONDS + 30)) try=0
	until [ "$(ctrx task exec --exec-id "got$((try += 1))" "$ID" cat /tmp/got 2>/dev/null)" = ping ]; do
		[ $SECONDS -lt $end ] || fail "no TCP connection from RootlessKit's netns to $ip:7777 in 30 s"
		in_rootless sh -c "echo ping | busybox nc -w 2 $ip 7777" >/dev/null 2>&1
		sleep 0.5
	done
	[ -e "$CNI_DIR/ipam/lima-bridge/$ip" ] || fail "host-local has no lease file for $ip"
	remove_container "$ID"
	# poststop ran the CNI DEL: host-local released the address.
	[ ! -e "$CNI_DIR/ipam/lima-bridge/$ip" ] || fail "$ip still allocated after rm (poststop hook not run?)"
}
