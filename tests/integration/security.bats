#!/usr/bin/env bats
# Security settings of the process seen from inside: the five capability sets, a uid change
# that keeps capabilities (ambient), noNewPrivileges, oomScoreAdj, LSM labels on a host without
# an LSM, namespaced sysctls, maskedPaths/readonlyPaths, and one-line errors for bad values.
# Validated on runc 1.1.5 (RUNTIME=$(command -v runc)); message texts are tinyrun-only.

load helpers

# fails_cleanly NEEDLE: create from $BUNDLE fails, stderr is one line naming NEEDLE (tinyrun
# only: reference runtimes word it differently), and nothing is left behind.
fails_cleanly() {
	local needle=$1
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure || return 1
	[ -n "$output" ] || fail "nothing on stderr" || return 1
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output" || return 1
	assert_no_leak "$ID" || return 1
	if is_tinyrun; then
		assert_contains "$output" "$needle" || return 1
	fi
}

# cap bits used below: CHOWN 0, KILL 5, NET_BIND_SERVICE 10, AUDIT_WRITE 29

@test "capabilities: all five sets as configured for a non-root user (uid 1000)" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
			bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"],
			permitted: ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			inheritable: ["CAP_CHOWN", "CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_NET_BIND_SERVICE"]}'
	run_container /probe caps
	assert_status 0
	assert_kv CapBnd 0000000020000421
	assert_kv CapInh 0000000000000401
	# execve of a file without file capabilities by a non-root user: P' = ambient
	assert_kv CapAmb 0000000000000400
	assert_kv CapPrm 0000000000000400
	assert_kv CapEff 0000000000000400
}

@test "capabilities: kept across the uid change, uid 1000 can bind port 80" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
			bounding: ["CAP_NET_BIND_SERVICE"], permitted: ["CAP_NET_BIND_SERVICE"],
			effective: ["CAP_NET_BIND_SERVICE"], inheritable: ["CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_NET_BIND_SERVICE"]}'
	# nc -l blocks: it is killed after 1 s unless bind failed first; a bind error exits at once
	run_container /bin/sh -c '/probe ids; /probe caps; ip link set lo up;
		timeout 1 nc -l -p 80 2>&1; echo "nc=$?"'
	assert_status 0
	assert_kv uid 1000
	assert_kv CapEff 0000000000000400
	assert_kv CapAmb 0000000000000400
	assert_not_contains "$output" "ermission denied"
	# timeout's exit status for a killed command (143 with coreutils, 143/124 with busybox)
	nc=$(kv nc)
	[ "$nc" = 143 ] || [ "$nc" = 124 ] || fail "nc did not keep listening on port 80: $output"
}

@test "capabilities: uid 1000 without ambient cannot bind port 80 (the check above is real)" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {bounding: ["CAP_NET_BIND_SERVICE"],
			permitted: ["CAP_NET_BIND_SERVICE"], effective: ["CAP_NET_BIND_SERVICE"]}'
	run_container /bin/sh -c '/probe caps; ip link set lo up; timeout 1 nc -l -p 80 2>&1; echo "nc=$?"'
	assert_status 0
	assert_kv CapEff 0000000000000000
	nc=$(kv nc)
	[ "$nc" != 143 ] && [ "$nc" != 124 ] || fail "uid 1000 bound port 80 without capabilities: $output"
}

@test "capabilities: an unknown name is a one-line warning naming process.capabilities.<set>[i]" {
	# runtime-spec 1.2 config.md: a capability that cannot be mapped MUST be logged as a
	# warning and runtimes SHOULD NOT fail (runc >= 1.0 does so; nerdctl passes unknown
	# --cap-add names on).
	update_config '.process.capabilities.permitted += ["CAP_BOGUS"]'
	run_container /probe caps
	assert_status 0
	assert_kv CapPrm 0000000020000420
	if is_tinyrun; then
		assert_contains "$stderr" 'process.capabilities.permitted[3]'
		assert_contains "$stderr" CAP_BOGUS
		[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "warning is not one line: $stderr"
	fi
}

@test "noNewPrivileges: NoNewPrivs 1 when true, 0 when false (uid 1000)" {
	update_config '.process.user = {uid: 1000, gid: 1000}'
	run_container /probe seccomp
	assert_status 0
	assert_kv NoNewPrivs 1
	update_config '.process.noNewPrivileges = false'
	run_container /probe seccomp
	assert_status 0
	assert_kv NoNewPrivs 0
}

@test "oomScoreAdj: the value reaches /proc/self/oom_score_adj" {
	update_config '.process.oomScoreAdj = 123'
	run_container /bin/cat /proc/self/oom_score_adj
	assert_status 0
	assert_equal "$output" 123
}

@test "oomScoreAdj below the current value without CAP_SYS_RESOURCE: clear error" {
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	if (( (0x$eff >> 24) & 1 )); then
		skip "this host has CAP_SYS_RESOURCE: lowering oom_score_adj would succeed"
	fi
	[ "$(cat /proc/self/oom_score_adj)" -gt -321 ] || skip "oom_score_adj already low"
	update_config '.process.oomScoreAdj = -321'
	run_container /bin/cat /proc/self/oom_score_adj
	assert_failure
	assert_no_leak "$ID"
	# runc prints two lines (nsexec's and its own): the text and the line count are tinyrun's
	if is_tinyrun; then
		assert_contains "$stderr" process.oomScoreAdj
		[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "stderr is not one line: $stderr"
	fi
}

@test "oomScoreAdj out of range is an error naming process.oomScoreAdj" {
	known_difference runc "runc 1.1.5 lets the kernel refuse 1001 at start, with two lines on stderr"
	update_config '.process.oomScoreAdj = 1001'
	fails_cleanly process.oomScoreAdj
}

@test "apparmorProfile on a host without AppArmor: error naming process.apparmorProfile" {
	if [ -e /sys/kernel/security/apparmor ] || grep -qs Y /sys/module/apparmor/parameters/enabled; then
		skip "this host has AppArmor: the success path needs a loaded profile (not tested here)"
	fi
	known_difference crun "crun ignores apparmorProfile when AppArmor is not enabled"
	update_config '.process.apparmorProfile = "nerdctl-default"'
	fails_cleanly process.apparmorProfile
}

# no_selinux_or_skip: the label tests below are about a host without SELinux (most Lima guests,
# Debian, Ubuntu): labels are ignored there, as crun and go-selinux do, with a --debug line.
no_selinux_or_skip() {
	if [ -e /sys/fs/selinux/enforce ]; then
		skip "this host has SELinux: the success path needs a policy (not tested here)"
	fi
}

# debug_says_ignored FIELD: tinyrun's --debug output ($stderr) says FIELD was ignored.
debug_says_ignored() {
	if is_tinyrun; then
		assert_contains "$stderr" "$1: SELinux is not enabled on this host"
		assert_contains "$stderr" ignored
	fi
}

@test "selinuxLabel on a host without SELinux: ignored, with a debug line naming process.selinuxLabel" {
	no_selinux_or_skip
	known_difference runc "runc 1.1.5 refuses it: selinux label is specified in config, but selinux is disabled"
	known_difference crun "crun 1.8.1 writes the label to /proc/self/attr/keycreate and fails with EINVAL"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	set_args /bin/sh -c 'echo ran'
	ID=$(new_id)
	run --separate-stderr "$RUNTIME" --debug --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "$output" ran
	debug_says_ignored process.selinuxLabel
	assert_no_leak "$ID"
}

@test "mountLabel on a host without SELinux: ignored (no context= on any mount), with a debug line" {
	no_selinux_or_skip
	known_difference runc "runc 1.1.5 passes context= to the kernel, which refuses the tmpfs mount (EINVAL)"
	update_config '.linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	# /dev, /dev/shm (tmpfs), /dev/pts (devpts) and the masked directories would carry context=
	set_args /bin/sh -c 'echo "context=$(grep -c context= /proc/self/mountinfo)"; ls /sys/firmware | wc -l'
	ID=$(new_id)
	run --separate-stderr "$RUNTIME" --debug --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_kv context 0
	# /sys/firmware is a masked directory: an empty read-only tmpfs, mounted without the label
	assert_equal "${lines[-1]}" 0 "entries in the masked /sys/firmware"
	debug_says_ignored linux.mountLabel
	assert_no_leak "$ID"
}

@test "exec --process-label on a host without SELinux: ignored, with a debug line" {
	no_selinux_or_skip
	known_difference runc "runc 1.1.5 refuses it: selinux label is specified in config, but selinux is disabled"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr "$RUNTIME" --debug --root "$ROOT" exec --process-label system_u:system_r:container_t:s0 "$ID" /bin/sh -c 'echo ran' </dev/null
	assert_status 0
	assert_equal "$output" ran
	debug_says_ignored --process-label
}

# The success paths need the LSM itself: where it is enabled the container's own
# /proc/self/attr/current must show what the config asked for; elsewhere the tests say so.
@test "apparmorProfile on a host with AppArmor: the process runs confined by that profile" {
	grep -qs Y /sys/module/apparmor/parameters/enabled && [ -r /sys/kernel/security/apparmor/profiles ] ||
		skip "AppArmor is not enabled on this host (the error path is tested above)"
	local profile
	profile=$(awk '{ print $1; exit }' /sys/kernel/security/apparmor/profiles)
	[ -n "$profile" ] || skip "AppArmor is enabled but no profile is loaded"
	update_config ".process.apparmorProfile = \"$profile\""
	set_args /bin/cat /proc/self/attr/current
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "${output%% (*}" "$profile" "the process's AppArmor confinement"
}

@test "selinuxLabel on a host with SELinux: the process runs with that label" {
	[ -e /sys/fs/selinux/enforce ] || skip "SELinux is not enabled on this host (the no-SELinux paths are tested above)"
	# our own label: a transition every policy allows, so the check is that it was applied
	local label
	label=$(tr -d '\0' </proc/self/attr/current)
	update_config ".process.selinuxLabel = \"$label\""
	set_args /bin/cat /proc/self/attr/current
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "$(tr -d '\0' <<<"$output")" "$label" "the process's SELinux label"
}

# ---------------------------------------------------------------------------------------------
# sysctl

@test "sysctl: net.* in a new netns, kernel.shm*/msg*/sem and fs.mqueue.* in a new ipc ns" {
	host_fwd=$(cat /proc/sys/net/ipv4/ip_forward)
	host_shm=$(cat /proc/sys/kernel/shmmni)
	host_msg=$(cat /proc/sys/kernel/msgmax)
	host_sem=$(cat /proc/sys/kernel/sem)
	host_mq=$(cat /proc/sys/fs/mqueue/msg_max)
	want_fwd=$((1 - host_fwd))
	update_config ".linux.sysctl = {
		\"net.ipv4.ip_forward\": \"$want_fwd\",
		\"kernel.shmmni\": \"1234\",
		\"kernel.msgmax\": \"4321\",
		\"kernel.sem\": \"251 32001 33 129\",
		\"fs.mqueue.msg_max\": \"77\"}"
	run_container /bin/sh -c 'for k in net.ipv4.ip_forward kernel.shmmni kernel.msgmax kernel.sem fs.mqueue.msg_max; do /probe sysctl $k; done'
	assert_status 0
	assert_kv net.ipv4.ip_forward "$want_fwd"
	assert_kv kernel.shmmni 1234
	assert_kv kernel.msgmax 4321
	assert_equal "$(kv kernel.sem | tr -s ' \t' ' ')" "251 32001 33 129" kernel.sem
	assert_kv fs.mqueue.msg_max 77
	assert_equal "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_fwd" "host ip_forward"
	assert_equal "$(cat /proc/sys/kernel/shmmni)" "$host_shm" "host shmmni"
	assert_equal "$(cat /proc/sys/kernel/msgmax)" "$host_msg" "host msgmax"
	assert_equal "$(cat /proc/sys/kernel/sem)" "$host_sem" "host sem"
	assert_equal "$(cat /proc/sys/fs/mqueue/msg_max)" "$host_mq" "host mqueue msg_max"
}

@test "sysctl: kernel.domainname in a new uts ns, host value unchanged" {
	host=$(cat /proc/sys/kernel/domainname)
	update_config '.linux.sysctl = {"kernel.domainname": "sysctl.example"}'
	run_container /probe sysctl kernel.domainname
	assert_status 0
	assert_kv kernel.domainname sysctl.example
	assert_equal "$(cat /proc/sys/kernel/domainname)" "$host" "host domainname"
}

@test "sysctl: kernel.hostname in a new uts ns (no hostname field), host value unchanged" {
	known_difference runc "runc 1.1.5 refuses kernel.hostname (conflicts with the hostname field)"
	known_difference crun "crun 1.8.1 refuses kernel.hostname (conflicts with the hostname field), even without one"
	host=$(cat /proc/sys/kernel/hostname)
	update_config 'del(.hostname) | .linux.sysctl = {"kernel.hostname": "from-sysctl"}'
	run_container /bin/sh -c '/probe sysctl kernel.hostname; hostname'
	assert_status 0
	assert_kv kernel.hostname from-sysctl
	assert_equal "${lines[1]}" from-sysctl
	assert_equal "$(cat /proc/sys/kernel/hostname)" "$host" "host hostname"
}

@test "sysctl: kernel.hostname without a uts namespace is an error" {
	update_config 'del(.hostname) | .linux.namespaces |= map(select(.type != "uts"))
		| .linux.sysctl = {"kernel.hostname": "from-sysctl"}'
	host=$(cat /proc/sys/kernel/hostname)
	fails_cleanly kernel.hostname
	assert_equal "$(cat /proc/sys/kernel/hostname)" "$host" "host hostname"
}

@test "sysctl: net.ipv4.ip_unprivileged_port_start=0 (nerdctl) with /proc/sys read-only" {
	host=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	update_config '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0"}'
	run_container /bin/sh -c '/probe sysctl net.ipv4.ip_unprivileged_port_start; /probe write /proc/sys/net/ipv4/ip_forward; true'
	assert_status 0
	assert_kv net.ipv4.ip_unprivileged_port_start 0
	# readonlyPaths still apply after the sysctl was written
	assert_equal "${lines[1]}" EROFS
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host" host
}

@test "sysctl: a non-namespaced key is an error naming linux.sysctl and the key" {
	val=$(cat /proc/sys/vm/swappiness)
	update_config ".linux.sysctl = {\"vm.swappiness\": \"$val\"}"
	fails_cleanly 'linux.sysctl'
	is_tinyrun && assert_contains "$output" vm.swappiness
	assert_equal "$(cat /proc/sys/vm/swappiness)" "$val"
}

@test "sysctl: net.* with the host network namespace is an error naming the key" {
	update_config '.linux.namespaces |= map(select(.type != "network"))
		| .linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0"}'
	host=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)
	fails_cleanly net.ipv4.ip_unprivileged_port_start
	assert_equal "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" "$host" "host value"
}

@test "sysctl: kernel.shmmax with the host ipc namespace is an error" {
	update_config '.linux.namespaces |= map(select(.type != "ipc"))
		| .linux.sysctl = {"kernel.shmmax": "123456789"}'
	host=$(cat /proc/sys/kernel/shmmax)
	fails_cleanly kernel.shmmax
	assert_equal "$(cat /proc/sys/kernel/shmmax)" "$host" "host value"
}

@test "sysctl: a key that does not exist is an error naming it" {
	update_config '.linux.sysctl = {"net.ipv4.no_such_key": "1"}'
	fails_cleanly net.ipv4.no_such_key
}

@test "sysctl: a key with a path escape is refused" {
	update_config '.linux.sysctl = {"net.ipv4/../../../vm.swappiness": "60"}'
	fails_cleanly linux.sysctl
}

# ---------------------------------------------------------------------------------------------
# maskedPaths / readonlyPaths

@test "maskedPaths: a masked file reads empty, a masked dir is an empty read-only tmpfs" {
	update_config '.linux.maskedPaths += ["/etc/passwd", "/mnt"] | .linux.readonlyPaths = []'
	mkdir -p "$BUNDLE/rootfs/mnt/sub"
	echo secret >"$BUNDLE/rootfs/mnt/sub/file"
	run_container /bin/sh -c 'echo "passwd=$(wc -c </etc/passwd)"; echo "keys=$(wc -c </proc/keys)";
		echo "mnt=$(ls -A /mnt | wc -l)"; echo "mntw=$(/probe write /mnt/x)";
		echo "pw=$(/probe write /etc/passwd)"; grep " /mnt " /proc/self/mountinfo'
	assert_status 0
	assert_kv passwd 0
	assert_kv keys 0
	assert_kv mnt 0
	assert_kv mntw EROFS
	# a file masked with /dev/null: writes go nowhere (runc binds /dev/null, writable)
	[ "$(cat "$BUNDLE/rootfs/etc/passwd" | wc -c)" -gt 0 ] || fail "host file clobbered"
	m=$(grep ' /mnt ' <<<"$output")
	assert_contains "$m" " ro"
	assert_contains "$m" tmpfs
	assert_equal "$(cat "$BUNDLE/rootfs/mnt/sub/file")" secret
}

@test "readonlyPaths: writes fail with EROFS; a nonexistent entry in either list is skipped" {
	update_config '.linux.maskedPaths += ["/no/such/masked"] | .linux.readonlyPaths += ["/no/such/ro", "/etc"]'
	run_container /bin/sh -c '/probe write /proc/sys/kernel/domainname; /probe write /etc/newfile; /probe write /tmp/ok'
	assert_status 0
	assert_equal "${lines[0]}" EROFS
	assert_equal "${lines[1]}" EROFS
	assert_equal "${lines[2]}" ok
	[ ! -e "$BUNDLE/rootfs/no/such/masked" ] && [ ! -e "$BUNDLE/rootfs/no/such/ro" ] ||
		fail "a nonexistent masked/readonly path was created in the rootfs"
}

@test "readonlyPaths: a read-only path cannot be remounted read-write without CAP_SYS_ADMIN" {
	update_config '.linux.readonlyPaths += ["/etc"]'
	run_container /bin/sh -c 'mount -o remount,rw /etc 2>&1; /probe write /etc/x; true'
	assert_status 0
	assert_equal "${lines[-1]}" EROFS
}

# ---------------------------------------------------------------------------------------------
# Bad values: one line naming the JSON path, nothing left behind.

@test "bad value: process.capabilities is not an object" {
	known_difference crun "crun 1.8.1 ignores a capabilities value of the wrong type"
	update_config '.process.capabilities = ["CAP_KILL"]'
	fails_cleanly process.capabilities
}

@test "bad value: process.capabilities.effective[1] is not a string" {
	known_difference crun "crun 1.8.1 ignores a non-string capability"
	update_config '.process.capabilities.effective[1] = 5'
	fails_cleanly 'process.capabilities.effective[1]'
}

@test "bad value: process.noNewPrivileges is not a boolean" {
	known_difference crun "crun 1.8.1 accepts a string here"
	update_config '.process.noNewPrivileges = "yes"'
	fails_cleanly process.noNewPrivileges
}

@test "bad value: process.oomScoreAdj is not an integer" {
	known_difference crun "crun 1.8.1 ignores a non-integer oomScoreAdj"
	update_config '.process.oomScoreAdj = "high"'
	fails_cleanly process.oomScoreAdj
}

@test "bad value: linux.sysctl value is not a string" {
	known_difference crun "crun 1.8.1 accepts a number here"
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": 1}'
	fails_cleanly 'linux.sysctl'
}

@test "bad value: linux.maskedPaths entry is relative" {
	known_difference runc "runc 1.1.5 accepts a relative masked path"
	known_difference crun "crun 1.8.1 accepts a relative masked path"
	update_config '.linux.maskedPaths += ["proc/kcore"]'
	fails_cleanly 'linux.maskedPaths[10]'
}

@test "bad value: linux.readonlyPaths is not an array" {
	known_difference crun "crun 1.8.1 ignores a non-array readonlyPaths"
	update_config '.linux.readonlyPaths = "/proc/sys"'
	fails_cleanly linux.readonlyPaths
}
