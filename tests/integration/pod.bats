#!/usr/bin/env bats
# A Kubernetes-like pod without Kubernetes, through the runtime directly: a sandbox ("pause")
# container owns the pod's namespaces, and app containers join them by /proc/<pid>/ns/* path,
# the way containerd's CRI plugin writes their configs (STACK-REQUIREMENTS §8).
#
# The host side brings up the sandbox's loopback, as CNI's loopback plugin does for a pod.

load helpers

# pod_bundle NAME: a fresh bundle $BATS_TEST_TMPDIR/NAME, made the current $BUNDLE.
pod_bundle() {
	setup_bundle "$BATS_TEST_TMPDIR/$1"
}

# join_sandbox SANDBOX_PID TYPE...: the current bundle joins the sandbox's TYPE namespaces by
# path (TYPE as in config.json: network, ipc, uts, pid), keeps new ones for the others.
join_sandbox() {
	local spid=$1 type ns
	shift
	for type in "$@"; do
		case $type in network) ns=net ;; *) ns=$type ;; esac
		update_config "(.linux.namespaces[] | select(.type == \"$type\")) |= {type: \"$type\", path: \"/proc/$spid/ns/$ns\"}"
	done
	# A container that does not own its uts namespace must not set the hostname.
	update_config 'del(.hostname)'
}

# start_sandbox: the pause-like sandbox with its own pid/net/ipc/uts/mount namespaces and
# hostname pod-sandbox; sets $SANDBOX and $SPID.
start_sandbox() {
	pod_bundle sandbox
	update_config '.hostname = "pod-sandbox"'
	set_args /probe sleep 3600
	SANDBOX=$(new_id sandbox)
	start_detached "$SANDBOX" || return 1
	SPID=$(state_field "$SANDBOX" .pid)
	nsenter -t "$SPID" -n ip link set lo up
}

ns_of() {
	stat -L -c %i "/proc/$1/ns/$2"
}

# gone PID: the process no longer exists (or is a zombie waiting to be reaped).
gone() {
	[ ! -d "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

wait_gone() {
	local tries=50
	while [ "$tries" -gt 0 ]; do
		gone "$1" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	fail "process $1 still alive: $(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null)"
}

@test "pod: containers joining the sandbox's net, ipc and uts share localhost, IPC and hostname" {
	start_sandbox

	# Container A: makes a POSIX message queue in the pod's ipc namespace, then serves one
	# TCP connection in the pod's network namespace (busybox nc listens on every address;
	# B reaches it through 127.0.0.1, which only the shared namespace can give).
	pod_bundle app-a
	join_sandbox "$SPID" network ipc uts
	set_args sh -c 'touch /dev/mqueue/pod-queue && exec nc -l -p 8080 -e echo hello-over-localhost'
	A=$(new_id app-a)
	start_detached "$A"
	APID=$(state_field "$A" .pid)
	# Seen from the host (before B connects: A exits after one connection): A is in the
	# sandbox's net/ipc/uts namespaces, not in its pid or mount namespace, and none of them is
	# the host's.
	for ns in net ipc uts; do
		assert_equal "$(ns_of "$APID" $ns)" "$(ns_of "$SPID" $ns)" "$ns namespace of A"
		[ "$(ns_of "$SPID" $ns)" != "$(host_ns $ns)" ] || fail "sandbox $ns namespace is the host's"
	done
	for ns in pid mnt; do
		[ "$(ns_of "$APID" $ns)" != "$(ns_of "$SPID" $ns)" ] || fail "A shares the sandbox's $ns namespace"
	done

	# Container B: connects to A over localhost, lists the pod's message queues, prints the
	# hostname.
	pod_bundle app-b
	join_sandbox "$SPID" network ipc uts
	run_container sh -c 'for i in $(seq 50); do nc 127.0.0.1 8080 2>/dev/null && break; sleep 0.1; done
		echo queues: $(ls /dev/mqueue); echo hostname: $(hostname)'
	assert_status 0
	assert_contains "$output" "hello-over-localhost"
	assert_contains "$output" "queues: pod-queue"
	assert_contains "$output" "hostname: pod-sandbox"
}

@test "pod: a SysV shared memory segment made in one container is seen by the other" {
	command -v ipcmk >/dev/null || skip "ipcmk (util-linux) not installed"
	start_sandbox
	pod_bundle app-a
	join_sandbox "$SPID" ipc uts network
	set_args /probe sleep 3600
	A=$(new_id app-a)
	start_detached "$A"
	APID=$(state_field "$A" .pid)
	# Made with ipcmk inside A's ipc namespace (busybox has no ipcmk/ipcs); an unusual size
	# marks it, since segment ids restart at 0 in every ipc namespace.
	run nsenter -t "$APID" -i ipcmk -M 40961
	assert_status 0
	id=$(grep -o '[0-9]*$' <<<"$output")
	pod_bundle app-b
	join_sandbox "$SPID" ipc uts network
	run_container awk '$4 == 40961 { print "shmid=" $2 }' /proc/sysvipc/shm
	assert_status 0
	assert_equal "$output" "shmid=$id"
	# Not visible on the host: it lives in the pod's ipc namespace.
	[ -z "$(awk '$4 == 40961' /proc/sysvipc/shm)" ] || fail "a 40961-byte segment is visible on the host"
}

@test "pod: shared pid namespace; kill --all of an app container, then of the sandbox" {
	start_sandbox

	pod_bundle app-a
	join_sandbox "$SPID" network ipc uts pid
	set_args /probe sleep 3601
	A=$(new_id app-a)
	start_detached "$A"
	APID=$(state_field "$A" .pid)
	# A second process in A's cgroup, as `kubectl exec` makes.
	rt_detached "$A" exec --detach --pid-file "$BATS_TEST_TMPDIR/a-exec.pid" "$A" /probe sleep 3602
	assert_status 0
	AEXEC=$(cat "$BATS_TEST_TMPDIR/a-exec.pid")

	pod_bundle app-b
	join_sandbox "$SPID" network ipc uts pid
	set_args /probe sleep 3603
	B=$(new_id app-b)
	start_detached "$B"
	BPID=$(state_field "$B" .pid)

	# One pid namespace: B sees the sandbox's process as pid 1 and A's processes.
	run exec_in "$B" ps -o pid,args
	assert_status 0
	assert_contains "$output" "1 /probe sleep 3600"
	assert_contains "$output" "/probe sleep 3601"
	assert_contains "$output" "/probe sleep 3602"
	assert_equal "$(ns_of "$APID" pid)" "$(ns_of "$SPID" pid)" "pid namespace of A"

	# kill --all of A (what containerd's shim does for a container without its own pid
	# namespace) reaches every process of A's cgroup, and nothing else.
	run runtime kill --all "$A" KILL
	assert_status 0
	wait_gone "$APID"
	wait_gone "$AEXEC"
	wait_for_status "$A" stopped
	! gone "$SPID" || fail "the sandbox died with A"
	! gone "$BPID" || fail "B died with A"

	# Killing the sandbox (the pid namespace's init) takes every process of the pod with it.
	run runtime kill --all "$SANDBOX" KILL
	assert_status 0
	wait_gone "$SPID"
	wait_gone "$BPID"
	wait_for_status "$SANDBOX" stopped
	wait_for_status "$B" stopped
	for id in "$A" "$B" "$SANDBOX"; do
		run runtime delete "$id"
		assert_status 0
	done
}
