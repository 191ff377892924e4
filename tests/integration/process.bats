#!/usr/bin/env bats
# The container process: identity, environment, limits, capabilities, sysctls, stdio.

load helpers

@test "hostname" {
	update_config '.hostname = "box-1"'
	run_container /probe hostname
	assert_status 0
	assert_kv hostname box-1
	# the host's is untouched
	[ "$(hostname)" != box-1 ] || fail "host hostname changed"
}

@test "domainname" {
	known_difference runc "runc 1.1.5 ignores domainname (added in runc 1.2)"
	update_config '.hostname = "box-1" | .domainname = "example.test"'
	run_container /probe hostname
	assert_status 0
	assert_kv hostname box-1
	assert_kv domainname example.test
	# the host's are untouched
	[ "$(hostname)" != box-1 ] || fail "host hostname changed"
}

@test "env is exactly process.env" {
	update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
	run_container /bin/sh -c 'echo "FOO=$FOO"; echo "EMPTY=[$EMPTY]"; echo "PATH=$PATH"'
	assert_status 0
	assert_kv FOO "bar baz"
	assert_kv EMPTY "[]"
	assert_kv PATH /bin
}

@test "args are passed as they are, spaces included" {
	run_container /bin/sh -c 'printf "[%s]" "$@"' sh "a b" "" 'c"d' '$HOME'
	assert_status 0
	assert_equal "$output" '[a b][][c"d][$HOME]'
}

@test "a relative binary name is found through PATH of process.env" {
	update_config '.process.env = ["PATH=/usr/bin:/bin"]'
	run_container echo found
	assert_status 0
	assert_equal "$output" found
}

@test "cwd" {
	update_config '.process.cwd = "/tmp"'
	run_container /probe cwd
	assert_status 0
	assert_kv cwd /tmp
}

@test "cwd only root can enter (/root 0700) with process.user uid 42: entered before the user switch" {
	chmod 700 "$BUNDLE/rootfs/root"
	update_config '.process.cwd = "/root" | .process.user = {uid: 42, gid: 42}'
	run_container /bin/sh -c '/probe cwd; /probe ids; ls . >/dev/null 2>&1 && echo list=yes || echo list=no'
	assert_status 0
	assert_kv cwd /root
	assert_kv uid 42
	# the process itself has no right to the directory it stands in
	assert_kv list no
}

@test "cwd only process.user can enter (user namespace): tried again after the user switch" {
	# Host root owns /shared (unmapped: container root has no DAC override on it) and host gid
	# 100042 (container gid 42) may enter it: only the container's gid-42 user gets in.
	chmod 755 "$BATS_TEST_TMPDIR" "$BUNDLE" "$BUNDLE/rootfs"
	d=$BATS_TEST_TMPDIR
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	mkdir "$BUNDLE/rootfs/shared"
	chown 0:100042 "$BUNDLE/rootfs/shared"
	chmod 070 "$BUNDLE/rootfs/shared"
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .process.cwd = "/shared" | .process.user = {uid: 42, gid: 42}'
	run_container /bin/sh -c '/probe cwd; /probe ids'
	assert_status 0
	assert_kv cwd /shared
	assert_kv uid 42
}

@test "user uid, gid and additionalGids" {
	update_config '.process.user = {uid: 1000, gid: 1001, additionalGids: [10, 20]}'
	run_container /probe ids
	assert_status 0
	assert_kv uid 1000
	assert_kv euid 1000
	assert_kv gid 1001
	assert_kv egid 1001
	assert_kv groups 10,20
}

@test "root with no additionalGids has no supplementary groups" {
	run_container /probe ids
	assert_status 0
	assert_kv uid 0
	assert_kv gid 0
	assert_kv groups ""
}

@test "umask" {
	update_config '.process.user.umask = 63'
	run_container /probe ids
	assert_status 0
	assert_kv umask 0077
}

@test "rlimits are set (soft:hard)" {
	update_config '.process.rlimits = [
		{type: "RLIMIT_NOFILE", soft: 512, hard: 1024},
		{type: "RLIMIT_CORE", soft: 0, hard: 4096},
		{type: "RLIMIT_NPROC", soft: 300, hard: 400}]'
	run_container /probe rlimits
	assert_status 0
	assert_kv RLIMIT_NOFILE 512:1024
	assert_kv RLIMIT_CORE 0:4096
	assert_kv RLIMIT_NPROC 300:400
}

@test "rlimit NOFILE above the host's hard limit fails without CAP_SYS_RESOURCE" {
	hard=$(ulimit -Hn)
	if [ "$hard" = unlimited ]; then
		skip "hard RLIMIT_NOFILE is unlimited here"
	fi
	if capsh --has-p=cap_sys_resource 2>/dev/null ||
		[ $((0x$(awk '/^CapEff/ {print $2}' /proc/self/status) >> 24 & 1)) -eq 1 ]; then
		skip "this host has CAP_SYS_RESOURCE: raising the hard limit would succeed"
	fi
	update_config ".process.rlimits = [{type: \"RLIMIT_NOFILE\", soft: $((hard + 1000)), hard: $((hard + 1000))}]"
	run_container /probe rlimits
	assert_failure
	assert_contains "${stderr,,}" rlimit
	assert_no_leak "$ID"
	# runc says "error setting rlimit type 7": the name is checked on tinyrun only
	if is_tinyrun; then
		assert_contains "$stderr" RLIMIT_NOFILE
	fi
}

@test "oomScoreAdj" {
	update_config '.process.oomScoreAdj = 500'
	run_container /probe oom-score-adj
	assert_status 0
	assert_kv oom_score_adj 500
}

@test "capabilities: the sets from the config, nothing else" {
	run_container /probe caps
	assert_status 0
	# CAP_KILL (5), CAP_NET_BIND_SERVICE (10), CAP_AUDIT_WRITE (29)
	assert_kv CapBnd 0000000020000420
	assert_kv CapEff 0000000020000420
	assert_kv CapPrm 0000000020000420
}

@test "capabilities: an empty config gives no capabilities" {
	update_config '.process.capabilities = {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []}'
	run_container /probe caps
	assert_status 0
	for k in CapBnd CapEff CapPrm CapInh CapAmb; do
		assert_kv $k 0000000000000000
	done
}

@test "noNewPrivileges sets NoNewPrivs" {
	run_container /probe seccomp
	assert_status 0
	assert_kv NoNewPrivs 1
	update_config '.process.noNewPrivileges = false'
	run_container /probe seccomp
	assert_kv NoNewPrivs 0
}

@test "sysctl in the container's network namespace; the host's is unchanged" {
	host_before=$(cat /proc/sys/net/ipv4/ip_forward)
	want=$((1 - host_before))
	update_config ".linux.sysctl = {\"net.ipv4.ip_forward\": \"$want\"}"
	run_container /probe sysctl net.ipv4.ip_forward
	assert_status 0
	assert_kv net.ipv4.ip_forward "$want"
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_before" "host value"
}

@test "sysctl in the container's ipc namespace (kernel.shmmax); the host's is unchanged" {
	host_before=$(cat /proc/sys/kernel/shmmax)
	update_config '.linux.sysctl = {"kernel.shmmax": "123456789"}'
	run_container /probe sysctl kernel.shmmax
	assert_status 0
	assert_kv kernel.shmmax 123456789
	assert_equal "$(cat /proc/sys/kernel/shmmax)" "$host_before" "host value"
}

@test "stdio passthrough: stdin in, stdout and stderr apart" {
	set_args /bin/sh -c 'read line; echo "out:$line"; echo "err:$line" >&2'
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" <<<"hello"
	assert_status 0
	assert_equal "$output" "out:hello"
	assert_equal "$stderr" "err:hello"
}

@test "only fds 0, 1, 2 reach the process" {
	set_args /probe fds
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" 7</dev/null 8<"$BUNDLE/config.json" </dev/null
	assert_status 0
	fds=$(cut -d= -f1 <<<"$output" | tr '\n' ' ')
	assert_equal "$fds" "fd0 fd1 fd2 "
}

@test "--preserve-fds passes extra fds through" {
	set_args /probe fds
	ID=$(new_id)
	run --separate-stderr runtime run --preserve-fds 1 --bundle "$BUNDLE" "$ID" 3<"$BUNDLE/config.json" </dev/null
	assert_status 0
	assert_kv fd3 "$BUNDLE/config.json"
}

@test "the process is pid 1 and its parent is 0" {
	run_container /bin/sh -c 'echo "pid=$$"; echo "ppid=$PPID"'
	assert_status 0
	assert_kv pid 1
	assert_kv ppid 0
}
