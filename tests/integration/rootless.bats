#!/usr/bin/env bats
# User namespaces and rootless operation.
#  - as root: a user namespace with uid/gid mappings (ids inside, ownership on the host) and
#    joining another container's user namespace by path;
#  - the RootlessKit shape: an unprivileged user (tinyrun-test, made here with /etc/subuid
#    entries) runs `unshare --user --map-root-user --mount` and, as uid 0 of that non-initial
#    user namespace, drives the whole lifecycle with the config of `spec --rootless` and with a
#    plain (root-style) config: device nodes bind-mounted, cgroups skipped with a debug line,
#    sysfs bound when the netns is not ours, locked mount flags kept on bind remounts;
#  - the default state root: $XDG_RUNTIME_DIR/tinyrun for the user (euid != 0) and for root of
#    a non-initial user namespace unless USER=root (as runc 1.1.5); --root always wins;
#  - the user directly (euid != 0): state under $XDG_RUNTIME_DIR/tinyrun.
# Validated on runc 1.1.5; tinyrun-only checks (log texts, state dir location) are marked.

load helpers

TEST_USER=tinyrun-test

setup() {
	common_setup
	RL=""
}

teardown() {
	local id
	if [ -n "${RL:-}" ] && [ -f "$BATS_TEST_TMPDIR/ids" ]; then
		# the containers belong to the user: delete them the way they were made
		while read -r id; do
			in_userns "\"\$RUNTIME\" --root \"\$ROOT\" delete --force $id" >/dev/null 2>&1 || true
			as_user "\"\$RUNTIME\" delete --force $id" >/dev/null 2>&1 || true
		done <"$BATS_TEST_TMPDIR/ids"
	fi
	[ -n "${LOCKED:-}" ] && umount "$LOCKED" 2>/dev/null
	common_teardown
	local rc=$?
	[ -n "${RL:-}" ] && rm -rf "$RL"
	return $rc
}

# ---------------------------------------------------------------------------------------------
# helpers for the unprivileged user

ensure_test_user() {
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd -m "$TEST_USER" || skip "cannot create user $TEST_USER"
	fi
	local f
	for f in /etc/subuid /etc/subgid; do
		grep -q "^$TEST_USER:" "$f" 2>/dev/null || echo "$TEST_USER:200000:65536" >>"$f"
	done
	TEST_UID=$(id -u "$TEST_USER")
	if ! runuser -u "$TEST_USER" -- unshare --user --map-root-user true 2>/dev/null; then
		skip "unprivileged user namespaces are not allowed on this host (kernel.unprivileged_userns_clone / user.max_user_namespaces)"
	fi
}

# rootless_bundle [plain]: a bundle owned by the test user, in a directory it can reach.
# Default: the config of `RUNTIME spec --rootless` made by the user inside its user namespace
# (as RootlessKit's child would), adjusted for the test; "plain": the root-style base config.
rootless_bundle() {
	known_difference crun "crun 1.8.1 needs the runtimes/crun wrapper on this cgroup v1 hybrid host, and the wrapper needs real root"
	ensure_test_user
	RL=$(mktemp -d /tmp/tinyrun-rootless.XXXXXX)
	chmod 755 "$RL"
	setup_bundle "$RL/bundle"
	ROOT=$RL/root
	mkdir -p "$ROOT" "$RL/xdg"
	chmod 700 "$RL/xdg"
	chown -R "$TEST_USER:" "$RL"
	if [ "${1:-}" = plain ]; then
		# only uid/gid 0 are mapped by unshare --map-root-user: devpts cannot use gid=5
		update_config '(.mounts[] | select(.destination == "/dev/pts") | .options) -= ["gid=5"]'
		chown "$TEST_USER:" "$BUNDLE/config.json"
	else
		rm "$BUNDLE/config.json"
		in_userns 'cd "$BUNDLE" && "$RUNTIME" spec --rootless' || fail "spec --rootless failed" || return 1
		update_config '.process.terminal = false | .root.readonly = false
			| .process.args = ["/bin/sh", "-c", "{ id -u; cat /proc/self/uid_map; /probe stat /dev/null; grep -c \" /dev/null \" /proc/self/mountinfo; } >/tmp/inside.tmp && mv /tmp/inside.tmp /tmp/inside.txt; exec /probe sleep 3600"]'
		chown "$TEST_USER:" "$BUNDLE/config.json"
	fi
}

# as_user SCRIPT: run SCRIPT with sh as the test user (euid != 0), with RUNTIME, ROOT, BUNDLE
# and XDG_RUNTIME_DIR in the environment.
as_user() {
	runuser -u "$TEST_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL" \
		RUNTIME="$RUNTIME" ROOT="$ROOT" BUNDLE="$BUNDLE" XDG_RUNTIME_DIR="$RL/xdg" \
		sh -c "$1"
}

# in_userns SCRIPT: as as_user, inside `unshare --user --map-root-user --mount` (the shape
# RootlessKit gives: uid 0 in a non-initial user namespace with its own mount namespace).
in_userns() {
	runuser -u "$TEST_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL" \
		RUNTIME="$RUNTIME" ROOT="$ROOT" BUNDLE="$BUNDLE" XDG_RUNTIME_DIR="$RL/xdg" \
		unshare --user --map-root-user --mount sh -c "$1"
}

# run_in_userns SCRIPT: bats' run of in_userns, stderr apart.
run_in_userns() {
	run --separate-stderr in_userns "$1"
}

# ---------------------------------------------------------------------------------------------
# As root: user namespaces with mappings

# open_path_to DIR: let mapped (unprivileged on the host) ids traverse to DIR.
open_path_to() {
	local d=$1
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

@test "userns: uid_map shows the mapping, id is 0, files made in a bind mount are 100000 on the host" {
	open_path_to "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE" "$BUNDLE/rootfs"
	data=$BATS_TEST_TMPDIR/data
	mkdir -p "$data" "$BUNDLE/rootfs/data"
	chown 100000:100000 "$data"
	update_config ".linux.namespaces += [{type: \"user\"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts += [{destination: \"/data\", type: \"bind\", source: \"$data\", options: [\"rbind\"]}]
		| .process.capabilities |= map_values(. + [\"CAP_CHOWN\"])"
	run_container /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map; /probe ids; touch /data/by-root; mkdir /data/dir; chown 1000:1000 /data/dir; id -u'
	assert_status 0
	read -r a b c <<<"${lines[0]}"
	assert_equal "$a $b $c" "0 100000 65536" uid_map
	read -r a b c <<<"${lines[1]}"
	assert_equal "$a $b $c" "0 100000 65536" gid_map
	assert_kv uid 0
	assert_kv gid 0
	assert_equal "${lines[-1]}" 0 "id -u"
	assert_equal "$(stat -c %u:%g "$data/by-root")" 100000:100000 "owner on the host"
	assert_equal "$(stat -c %u:%g "$data/dir")" 101000:101000 "uid 1000 inside on the host"
}

@test "userns: unmapped ids are refused, capabilities are the configured ones inside" {
	open_path_to "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE" "$BUNDLE/rootfs"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 1000}]'
	run_container /bin/sh -c '/probe caps; chown 5000 /tmp 2>&1; echo "rc=$?"'
	assert_status 0
	assert_kv CapEff 0000000020000420
	[ "$(kv rc)" != 0 ] || fail "chown to an unmapped uid succeeded: $output"
}

@test "userns: joining another container's user namespace by path" {
	known_difference runc "runc 1.1.5 wants uidMappings even for a user namespace joined by path"
	open_path_to "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE" "$BUNDLE/rootfs"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	A=$(new_id a)
	start_detached "$A"
	apid=$(state_field "$A" .pid)
	update_config "del(.linux.uidMappings, .linux.gidMappings)
		| .linux.namespaces |= map(if .type == \"user\" then .path = \"/proc/$apid/ns/user\" else . end)"
	run_container /bin/sh -c '/probe ns; cat /proc/self/uid_map; /probe ids; touch /tmp/b-file'
	assert_status 0
	assert_kv user "$(stat -L -c %i "/proc/$apid/ns/user")"
	read -r a b c <<<"$(grep -v = <<<"$output" | head -1)"
	assert_equal "$a $b $c" "0 100000 65536" "uid_map of the joined namespace"
	assert_kv uid 0
	assert_equal "$(stat -c %u "$BUNDLE/rootfs/tmp/b-file")" 100000 "owner on the host"
	# and the joiner's other namespaces are its own, owned by A's user namespace
	[ "$(kv net)" != "$(stat -L -c %i "/proc/$apid/ns/net")" ] || fail "network namespace is A's"
}

@test "userns: uidMappings without a user namespace is an error naming linux.uidMappings" {
	known_difference runc "runc 1.1.5 ignores mappings without a user namespace"
	known_difference crun "crun 1.8.1 ignores mappings without a user namespace"
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" linux.uidMappings
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "not one line: $output"
	assert_no_leak "$ID"
}

@test "userns: a user namespace without mappings is an error naming linux.uidMappings" {
	known_difference crun "crun 1.8.1 says 'cannot write mapping' without a path"
	update_config '.linux.namespaces += [{type: "user"}]'
	ID=$(new_id)
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	is_tinyrun && assert_contains "$output" linux.uidMappings
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "not one line: $output"
	assert_no_leak "$ID"
}

# ---------------------------------------------------------------------------------------------
# Rootless: the RootlessKit shape (uid 0 in a non-initial user namespace)

@test "rootless (unshare shape): spec --rootless config, create/start/state/exec/kill/delete" {
	rootless_bundle
	ID=$(new_id)
	run_in_userns "
		set -e
		\"\$RUNTIME\" --root \"\$ROOT\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null 2>\"$RL/create.err\"
		echo \"created=\$(\"\$RUNTIME\" --root \"\$ROOT\" state $ID | jq -r .status)\"
		\"\$RUNTIME\" --root \"\$ROOT\" start $ID
		echo \"started=\$(\"\$RUNTIME\" --root \"\$ROOT\" state $ID | jq -r .status)\"
		for i in \$(seq 300); do [ -s \"\$BUNDLE/rootfs/tmp/inside.txt\" ] && break; sleep 0.1; done
		cat \"\$BUNDLE/rootfs/tmp/inside.txt\"
		\"\$RUNTIME\" --root \"\$ROOT\" kill $ID KILL
		for i in \$(seq 50); do
			s=\$(\"\$RUNTIME\" --root \"\$ROOT\" state $ID | jq -r .status)
			[ \"\$s\" = stopped ] && break
			sleep 0.1
		done
		echo \"killed=\$s\"
		\"\$RUNTIME\" --root \"\$ROOT\" delete $ID
		\"\$RUNTIME\" --root \"\$ROOT\" state $ID >/dev/null 2>&1 || echo deleted=yes"
	assert_status 0
	assert_kv created created
	assert_kv started running
	assert_equal "$(grep -x 0 <<<"$output" | head -1)" 0 "id -u"
	assert_kv type char
	assert_kv major 1
	assert_kv minor 3
	# the node is the host's, bind-mounted (mknod is impossible without CAP_MKNOD on the host)
	assert_equal "$(grep -E '^[0-9]+$' <<<"$output" | tail -1)" 1 "/dev/null is a mount point"
	assert_kv killed stopped
	assert_kv deleted yes
	assert_no_leak "$ID"
}

# exec_in_userns_test: start $ID in the user namespace, exec into it, print what it sees.
exec_in_userns_test() {
	run_in_userns "
		\"\$RUNTIME\" --root \"\$ROOT\" run -d --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null 2>&1 || exit 99
		timeout 30 \"\$RUNTIME\" --root \"\$ROOT\" exec $ID /bin/sh -c '/probe ids; /probe ns' </dev/null
		rc=\$?
		\"\$RUNTIME\" --root \"\$ROOT\" delete --force $ID
		exit \$rc"
}

@test "rootless (unshare shape): exec into a spec --rootless container" {
	rootless_bundle
	ID=$(new_id)
	exec_in_userns_test
	[ "$status" -ne 99 ] || fail "run -d failed"
	assert_status 0
	assert_kv uid 0
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): exec into a plain-config container (nerdctl in RootlessKit)" {
	rootless_bundle plain
	ID=$(new_id)
	exec_in_userns_test
	[ "$status" -ne 99 ] || fail "run -d failed"
	assert_status 0
	assert_kv uid 0
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): joining another container's network namespace by path (nerdctl --net=container:)" {
	rootless_bundle plain
	A=$(new_id a)
	B=$(new_id b)
	run_in_userns "
		\"\$RUNTIME\" --root \"\$ROOT\" run -d --bundle \"\$BUNDLE\" $A </dev/null >/dev/null 2>&1 || exit 99
		apid=\$(\"\$RUNTIME\" --root \"\$ROOT\" state $A | jq -r .pid)
		echo \"anet=\$(stat -L -c %i /proc/\$apid/ns/net)\"
		jq --arg p /proc/\$apid/ns/net '.linux.namespaces |= map(if .type == \"network\" then .path = \$p else . end)
			| .process.args = [\"/probe\", \"ns\"]' \"\$BUNDLE/config.json\" >\"\$BUNDLE/b.json\"
		mkdir -p \"\$BUNDLE/b\" && cp \"\$BUNDLE/b.json\" \"\$BUNDLE/b/config.json\" && cp -a \"\$BUNDLE/rootfs\" \"\$BUNDLE/b/rootfs\"
		timeout 30 \"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE/b\" $B </dev/null
		rc=\$?
		\"\$RUNTIME\" --root \"\$ROOT\" delete --force $A
		exit \$rc"
	[ "$status" -ne 99 ] || fail "run -d of A failed"
	assert_status 0
	assert_kv net "$(kv anet)"
	assert_no_leak "$A"
	assert_no_leak "$B"
}

@test "rootless (unshare shape): run with the debug log: cgroups skipped, not fatal" {
	rootless_bundle
	update_config '.process.args = ["/probe", "caps"]'
	ID=$(new_id)
	run_in_userns "\"\$RUNTIME\" --debug --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_kv CapEff 00000000000004a0 || assert_kv CapEff 0000000020000420 || true
	[ -n "$(kv CapEff)" ] || fail "no caps printed: $output"
	if is_tinyrun; then
		grep -qi 'cgroup' <<<"$stderr" || fail "no debug line about the skipped cgroup: $stderr"
	fi
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): plain config (no user ns in the config, new netns): devices bound, sysfs mounted" {
	rootless_bundle plain
	ID=$(new_id)
	update_config '.process.args = ["/bin/sh", "-c", "/probe ids; for d in null zero full random urandom tty; do /probe stat /dev/$d | head -1; done; ls /sys/class/net | tr \"\\n\" \" \"; echo; grep \" /sys \" /proc/self/mountinfo"]'
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_kv uid 0
	assert_equal "$(grep -c '^type=char$' <<<"$output")" 6 "six character devices"
	# a fresh netns has only lo
	assert_contains "$output" "lo "
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): sysfs is bound when the netns is not ours (no network namespace)" {
	known_difference runc "runc 1.1.5 mounts sysfs anyway and fails with EPERM (runc#3672)"
	rootless_bundle plain
	ID=$(new_id)
	update_config '.linux.namespaces |= map(select(.type != "network"))
		| .process.args = ["/bin/sh", "-c", "ls /sys/class/net | tr \"\\n\" \" \"; echo; ls /sys/kernel >/dev/null && echo sys-ok"]'
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_contains "$output" sys-ok
	# the host's interfaces, seen through the bound /sys
	for i in $(ls /sys/class/net); do
		assert_contains "$output" "$i "
	done
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): a read-only bind of a nosuid,nodev,noexec source keeps the locked flags" {
	known_difference runc "runc 1.1.5 remounts without the locked flags and fails with EPERM (fixed in runc 1.2)"
	rootless_bundle plain
	LOCKED=$RL/locked
	mkdir -p "$LOCKED" "$BUNDLE/rootfs/mnt/locked"
	mount -t tmpfs -o nosuid,nodev,noexec,mode=755 tmpfs "$LOCKED"
	echo data >"$LOCKED/file"
	ID=$(new_id)
	update_config ".mounts += [{destination: \"/mnt/locked\", type: \"bind\", source: \"$LOCKED\", options: [\"bind\", \"ro\"]},
			{destination: \"/mnt/locked2\", type: \"bind\", source: \"$LOCKED\", options: [\"rbind\", \"ro\", \"nosuid\"]}]
		| .process.args = [\"/bin/sh\", \"-c\", \"cat /mnt/locked/file; /probe write /mnt/locked/x; grep ' /mnt/locked ' /proc/self/mountinfo\"]"
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_equal "${lines[0]}" data
	assert_equal "${lines[1]}" EROFS
	m=${lines[2]}
	for f in ro nosuid nodev noexec; do
		[[ " ${m//,/ } " == *" $f "* ]] || fail "flag $f missing on /mnt/locked: $m"
	done
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): a failing create leaves nothing behind" {
	rootless_bundle
	update_config '.process.args = ["/no/such/binary"]'
	ID=$(new_id)
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null"
	assert_failure
	assert_contains "$stderr" /no/such/binary
	# runc adds a warning line about the missing memory cgroup
	if is_tinyrun; then
		[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "not one line: $stderr"
	fi
	assert_no_leak "$ID"
}

# state_dir_script ID: create ID from $BUNDLE without --root, print where its state went
# (the runtime's name under $XDG_RUNTIME_DIR: tinyrun, runc) and what state says, delete it.
state_dir_script() {
	echo "
		\"\$RUNTIME\" create --bundle \"\$BUNDLE\" $1 </dev/null >/dev/null || exit 1
		[ -d \"\$XDG_RUNTIME_DIR/$RUNTIME_NAME/$1\" ] && echo state-dir=xdg
		echo \"status=\$(\"\$RUNTIME\" state $1 | jq -r .status)\"
		\"\$RUNTIME\" delete --force $1
		[ -e \"\$XDG_RUNTIME_DIR/$RUNTIME_NAME/$1\" ] || echo gone=yes"
}

@test "rootless (unshare shape): without --root, state goes under \$XDG_RUNTIME_DIR/<runtime>, as runc" {
	rootless_bundle
	ID=$(new_id)
	run_in_userns "$(state_dir_script "$ID")"
	assert_status 0
	assert_kv state-dir xdg
	assert_kv status created
	assert_kv gone yes
	assert_no_leak "$ID"
}

@test "rootless (unshare shape): USER=root or no XDG_RUNTIME_DIR keeps the /run default; --root wins" {
	rootless_bundle
	ID=$(new_id)
	# runc 1.1.5's rule (shouldHonorXDGRuntimeDir): USER=root in a user namespace means /run
	run_in_userns "USER=root \"\$RUNTIME\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null"
	assert_failure
	is_tinyrun && assert_contains "$stderr" "/run/tinyrun"
	run_in_userns "unset XDG_RUNTIME_DIR; \"\$RUNTIME\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null"
	assert_failure
	is_tinyrun && assert_contains "$stderr" "/run/tinyrun"
	[ ! -e "$RL/xdg/$RUNTIME_NAME/$ID" ] || fail "state made under XDG_RUNTIME_DIR"
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null &&
		ls -d \"\$ROOT/$ID\" >/dev/null && echo root=ok; ls \"\$XDG_RUNTIME_DIR\" | grep -c . ; \"\$RUNTIME\" --root \"\$ROOT\" delete --force $ID"
	assert_status 0
	assert_kv root ok
	# runc 1.1.5 makes an empty $XDG_RUNTIME_DIR/runc (sticky) even with --root: tinyrun only
	if is_tinyrun; then
		assert_equal "${lines[-1]}" 0 "entries under XDG_RUNTIME_DIR with --root"
	fi
	assert_no_leak "$ID"
}

# ---------------------------------------------------------------------------------------------
# Rootless: the user directly (euid != 0)

@test "rootless (euid != 0): spec --rootless, run, state under \$XDG_RUNTIME_DIR/tinyrun" {
	known_difference runc "runc keeps its state under \$XDG_RUNTIME_DIR/runc"
	known_difference crun "crun keeps its state under \$XDG_RUNTIME_DIR/crun"
	rootless_bundle
	rm "$BUNDLE/config.json"
	as_user 'cd "$BUNDLE" && "$RUNTIME" spec --rootless' || fail "spec --rootless as the user"
	# spec writes a read-only root (as runc spec): the probe's report needs a writable /tmp
	update_config '.process.terminal = false | .root.readonly = false
		| .process.args = ["/bin/sh", "-c", "{ /probe ids; cat /proc/self/uid_map; } >/tmp/inside.tmp && mv /tmp/inside.tmp /tmp/inside.txt; exec /probe sleep 3600"]'
	chown "$TEST_USER:" "$BUNDLE/config.json"
	assert_equal "$(jq -c '.linux.uidMappings' "$BUNDLE/config.json")" "[{\"containerID\":0,\"hostID\":$TEST_UID,\"size\":1}]"
	ID=$(new_id)
	run --separate-stderr as_user "
		\"\$RUNTIME\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null || exit 1
		ls -d \"\$XDG_RUNTIME_DIR/tinyrun/$ID\" && echo state-dir=ok
		\"\$RUNTIME\" start $ID
		for i in \$(seq 300); do [ -s \"\$BUNDLE/rootfs/tmp/inside.txt\" ] && break; sleep 0.1; done
		cat \"\$BUNDLE/rootfs/tmp/inside.txt\"
		\"\$RUNTIME\" delete --force $ID
		[ -e \"\$XDG_RUNTIME_DIR/tinyrun/$ID\" ] || echo gone=yes"
	assert_status 0
	assert_kv state-dir ok
	assert_kv uid 0
	read -r a b c <<<"$(grep -v = <<<"$output" | grep -v "^/" | head -1)"
	assert_equal "$a $b $c" "0 $TEST_UID 1" uid_map
	assert_kv gone yes
	assert_no_leak "$ID"
}

@test "rootless (euid != 0): a root-style config (no user namespace) fails with one clear line" {
	rootless_bundle plain
	ID=$(new_id)
	run --separate-stderr as_user "\"\$RUNTIME\" --root \"\$ROOT\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null"
	assert_failure
	[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "not one line: $stderr"
	assert_no_leak "$ID"
}

@test "rootless (euid != 0): exec into a spec --rootless container" {
	rootless_bundle
	rm "$BUNDLE/config.json"
	as_user 'cd "$BUNDLE" && "$RUNTIME" spec --rootless' || fail "spec --rootless as the user"
	update_config '.process.terminal = false | .process.args = ["/probe", "sleep", "3600"]'
	chown "$TEST_USER:" "$BUNDLE/config.json"
	ID=$(new_id)
	run --separate-stderr as_user "
		\"\$RUNTIME\" run -d --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null || exit 99
		timeout 30 \"\$RUNTIME\" exec $ID /probe ids </dev/null
		rc=\$?
		\"\$RUNTIME\" delete --force $ID
		exit \$rc"
	[ "$status" -ne 99 ] || fail "run -d failed: $stderr"
	assert_status 0
	assert_kv uid 0
	assert_no_leak "$ID"
}

# The kernel lets a process lower its oom_score_adj below the floor it inherited
# (signal->oom_score_adj_min: 0, or what a writer with CAP_SYS_RESOURCE set last) only with
# CAP_SYS_RESOURCE in the initial user namespace, which root of a user namespace lacks: EACCES.
# -1000 is below any floor but -1000 itself (checked first, as the test user).
@test "rootless (unshare shape): an oomScoreAdj below the caller's fails create naming process.oomScoreAdj, nothing left" {
	rootless_bundle
	if runuser -u "$TEST_USER" -- python3 -c 'import os; os.write(os.open("/proc/self/oom_score_adj", os.O_WRONLY), b"-1000")' 2>/dev/null; then
		skip "the test user may lower its oom_score_adj to -1000 here (its floor is -1000)"
	fi
	update_config '.process.oomScoreAdj = -1000'
	ID=$(new_id)
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" create --bundle \"\$BUNDLE\" $ID </dev/null >/dev/null"
	assert_failure
	assert_contains "$stderr" "oom_score_adj"
	assert_contains "$stderr" "Permission denied"
	assert_no_leak "$ID"
	requires_tinyrun "message text"
	[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "not one line: $stderr"
	assert_contains "$stderr" "process.oomScoreAdj: write -1000 to /proc/"
	assert_contains "$stderr" "needs CAP_SYS_RESOURCE"
}

@test "rootless (unshare shape): an oomScoreAdj at or above the caller's is applied" {
	rootless_bundle
	update_config '.process.oomScoreAdj = 600 | .process.args = ["/bin/sh", "-c", "cat /proc/self/oom_score_adj"]'
	ID=$(new_id)
	run_in_userns "\"\$RUNTIME\" --root \"\$ROOT\" run --bundle \"\$BUNDLE\" $ID </dev/null"
	assert_status 0
	assert_equal "$output" 600
	assert_no_leak "$ID"
}
