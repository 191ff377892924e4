#!/usr/bin/env bats
# Mounts as the container sees them in /proc/self/mountinfo, and their effect (EROFS, ENOSPC,
# propagation of a mount made later on the host).

load helpers

# The test's own host mounts (shared sources): unmounted in teardown, lazily and in reverse.
teardown() {
	local m rc=0
	common_teardown || rc=1
	if [ -f "$BATS_TEST_TMPDIR/host-mounts" ]; then
		tac "$BATS_TEST_TMPDIR/host-mounts" | while read -r m; do umount -l "$m" 2>/dev/null; done
	fi
	return $rc
}

host_mount() {
	mount "$@" && echo "${@: -1}" >>"$BATS_TEST_TMPDIR/host-mounts"
}

# mnt MOUNTPOINT: the (top-most) mountinfo line of MOUNTPOINT in $output.
mnt() {
	awk -v mp="$1" '$5 == mp' <<<"$output" | tail -1
}

# mnt_opts LINE: per-mount options (field 6). mnt_super LINE: fstype and super options.
mnt_opts() {
	awk '{print $6}' <<<"$1"
}
mnt_fstype() {
	sed 's/.* - //' <<<"$1" | awk '{print $1}'
}
mnt_super() {
	sed 's/.* - //' <<<"$1" | awk '{print $3}'
}

# has_opt CSV OPT: OPT is one of the comma-separated options.
has_opt() {
	[[ ",$1," == *",$2,"* ]] || fail "option '$2' not in '$1'"
}

@test "proc, tmpfs /dev, devpts, shm, mqueue, sysfs are mounted with their options" {
	run_container /probe mounts
	assert_status 0
	l=$(mnt /proc)
	assert_equal "$(mnt_fstype "$l")" proc
	l=$(mnt /dev)
	assert_equal "$(mnt_fstype "$l")" tmpfs
	has_opt "$(mnt_opts "$l")" nosuid
	has_opt "$(mnt_super "$l")" mode=755
	has_opt "$(mnt_super "$l")" size=65536k
	l=$(mnt /dev/pts)
	assert_equal "$(mnt_fstype "$l")" devpts
	has_opt "$(mnt_opts "$l")" nosuid
	has_opt "$(mnt_opts "$l")" noexec
	has_opt "$(mnt_super "$l")" gid=5
	has_opt "$(mnt_super "$l")" mode=620
	has_opt "$(mnt_super "$l")" ptmxmode=666
	l=$(mnt /dev/shm)
	assert_equal "$(mnt_fstype "$l")" tmpfs
	for o in nosuid nodev noexec; do has_opt "$(mnt_opts "$l")" $o; done
	l=$(mnt /dev/mqueue)
	assert_equal "$(mnt_fstype "$l")" mqueue
	for o in nosuid nodev noexec; do has_opt "$(mnt_opts "$l")" $o; done
	l=$(mnt /sys)
	assert_equal "$(mnt_fstype "$l")" sysfs
	for o in ro nosuid nodev noexec; do has_opt "$(mnt_opts "$l")" $o; done
	# tmpfs does not show its default mode=1777 in mountinfo: check the directory itself
	run_container /probe stat /dev/shm
	assert_kv mode 1777
}

@test "the rootfs is / and nothing of the host's mount table is visible" {
	run_container /probe mounts
	assert_status 0
	[ -n "$(mnt /)" ] || fail "no / in mountinfo: $output"
	# every mount point is the root or one of the config's mounts (or masks) under it
	while read -r mp; do
		case "$mp" in
		/ | /proc | /proc/* | /dev | /dev/* | /sys | /sys/*) ;;
		*) fail "host mount point visible in the container: $mp" ;;
		esac
	done < <(awk '{print $5}' <<<"$output")
}

@test "bind mount of a directory: contents visible, writes reach the host" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	echo from-host >"$BATS_TEST_TMPDIR/src/file"
	update_config ".mounts += [{destination: \"/mnt/data\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"rbind\", \"rw\"]}]"
	run_container /bin/sh -c 'cat /mnt/data/file && echo from-container >/mnt/data/new'
	assert_status 0
	assert_equal "$output" from-host
	assert_equal "$(cat "$BATS_TEST_TMPDIR/src/new")" from-container
}

@test "bind mount of a file onto a path that does not exist in the rootfs" {
	echo "nameserver 192.0.2.1" >"$BATS_TEST_TMPDIR/resolv.conf"
	update_config ".mounts += [{destination: \"/etc/resolv.conf\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/resolv.conf\", options: [\"bind\", \"rprivate\"]}]"
	run_container /bin/sh -c 'cat /etc/resolv.conf; /probe stat /etc/resolv.conf'
	assert_status 0
	assert_equal "${lines[0]}" "nameserver 192.0.2.1"
	assert_kv type file
	# a file bind is the file itself (not a copy): a later host write is seen
	[ "$(stat -c %i "$BATS_TEST_TMPDIR/resolv.conf")" != "" ]
}

@test "read-only bind mount: writes fail with EROFS" {
	mkdir -p "$BATS_TEST_TMPDIR/src"
	update_config ".mounts += [{destination: \"/mnt/ro\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"bind\", \"ro\"]}]"
	run_container /bin/sh -c '/probe write /mnt/ro/x; /probe mounts'
	assert_equal "${lines[0]}" EROFS
	has_opt "$(mnt_opts "$(mnt /mnt/ro)")" ro
	[ ! -e "$BATS_TEST_TMPDIR/src/x" ] || fail "file was created"
}

@test "rro: a recursive read-only bind makes submounts read-only too" {
	run runtime features
	if [ "$status" -ne 0 ] || ! jq -e '.mountOptions | index("rro")' <<<"$output" >/dev/null; then
		skip "$RUNTIME_NAME does not advertise rro in features"
	fi
	mkdir -p "$BATS_TEST_TMPDIR/src/sub"
	host_mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/src/sub"
	update_config ".mounts += [{destination: \"/mnt/rro\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"rbind\", \"rro\"]}]"
	run_container /bin/sh -c '/probe write /mnt/rro/x; /probe write /mnt/rro/sub/x'
	assert_equal "${lines[0]}" EROFS
	assert_equal "${lines[1]}" EROFS
}

@test "plain ro rbind leaves submounts writable (the difference rro makes)" {
	mkdir -p "$BATS_TEST_TMPDIR/src/sub"
	host_mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/src/sub"
	update_config ".mounts += [{destination: \"/mnt/r\", type: \"bind\", source: \"$BATS_TEST_TMPDIR/src\", options: [\"rbind\", \"ro\"]}]"
	run_container /bin/sh -c '/probe write /mnt/r/x; /probe write /mnt/r/sub/x'
	assert_equal "${lines[0]}" EROFS
	assert_equal "${lines[1]}" ok
}

# shared_source DIR: a tmpfs at DIR made shared on the host.
shared_source() {
	mkdir -p "$1"
	host_mount -t tmpfs tmpfs "$1"
	mount --make-shared "$1"
}

@test "rslave bind: shown as master in mountinfo, host mounts made later propagate in" {
	known_difference crun "crun 1.8.1 (behind the hybrid-host wrapper) leaves the bind private"
	src=$BATS_TEST_TMPDIR/shared
	shared_source "$src"
	mkdir "$src/later"
	update_config ".mounts += [{destination: \"/mnt/s\", type: \"bind\", source: \"$src\", options: [\"rbind\", \"rslave\"]}]"
	set_args /bin/sh -c 'grep " /mnt/s " /proc/self/mountinfo; while [ ! -e /mnt/s/later/marker ]; do sleep 0.1; done; echo seen'
	ID=$(new_id)
	start_detached "$ID"
	host_mount -t tmpfs tmpfs "$src/later"
	touch "$src/later/marker"
	wait_for_status "$ID" stopped 100
	run container_output "$ID"
	assert_contains "${lines[0]}" "master:"
	assert_equal "${lines[1]}" seen
}

@test "rshared bind: shown as shared in mountinfo" {
	known_difference crun "crun 1.8.1 (behind the hybrid-host wrapper) leaves the bind private"
	src=$BATS_TEST_TMPDIR/shared
	shared_source "$src"
	update_config ".mounts += [{destination: \"/mnt/s\", type: \"bind\", source: \"$src\", options: [\"rbind\", \"rshared\"]}]"
	run_container /probe mounts
	assert_status 0
	assert_contains "$(mnt /mnt/s)" "shared:"
}

@test "rprivate bind: no propagation tag in mountinfo" {
	src=$BATS_TEST_TMPDIR/shared
	shared_source "$src"
	update_config ".mounts += [{destination: \"/mnt/s\", type: \"bind\", source: \"$src\", options: [\"rbind\", \"rprivate\"]}]"
	run_container /probe mounts
	assert_status 0
	l=$(mnt /mnt/s)
	[ -n "$l" ] || fail "no /mnt/s in $output"
	assert_not_contains "$l" "shared:"
	assert_not_contains "$l" "master:"
}

# rootfs_on_shared_mount: move the bundle onto a shared tmpfs, so propagation is observable.
rootfs_on_shared_mount() {
	local src=$BATS_TEST_TMPDIR/shared
	shared_source "$src"
	cp -a "$BUNDLE" "$src/bundle"
	BUNDLE=$src/bundle
}

@test "rootfsPropagation slave: the rootfs takes nothing shared from its host mount (as runc)" {
	# The mount holding the rootfs is shared here: it is made private so that pivot_root works
	# and nothing leaks out, and a slave of a private mount has no master (runc does the same).
	rootfs_on_shared_mount
	update_config '.linux.rootfsPropagation = "slave"'
	run_container /probe mounts
	assert_status 0
	assert_not_contains "$(mnt /)" "shared:"
}

@test "rootfsPropagation private: the rootfs has no propagation tag" {
	rootfs_on_shared_mount
	update_config '.linux.rootfsPropagation = "private"'
	run_container /probe mounts
	assert_status 0
	l=$(mnt /)
	assert_not_contains "$l" "master:"
	assert_not_contains "$l" "shared:"
}

@test "rootfsPropagation shared: the rootfs is in a peer group" {
	known_difference runc "runc 1.1.5 leaves the rootfs private for rootfsPropagation=shared"
	rootfs_on_shared_mount
	update_config '.linux.rootfsPropagation = "shared"'
	run_container /probe mounts
	assert_status 0
	assert_contains "$(mnt /)" "shared:"
}

@test "mounts made in the container never appear on the host" {
	update_config '.mounts += [{destination: "/mnt/t", type: "tmpfs", source: "tmpfs", options: ["size=1m"]}]'
	ID=$(new_id)
	start_detached "$ID"
	! grep -q "$BUNDLE" /proc/self/mountinfo || fail "host sees: $(grep "$BUNDLE" /proc/self/mountinfo)"
}

@test "readonly root: writes to / fail with EROFS, tmpfs mounts stay writable" {
	update_config '.root.readonly = true'
	run_container /bin/sh -c '/probe write /x; /probe mkdir /newdir; /probe write /dev/shm/x; /probe mounts'
	assert_equal "${lines[0]}" EROFS
	assert_equal "${lines[1]}" EROFS
	assert_equal "${lines[2]}" ok
	has_opt "$(mnt_opts "$(mnt /)")" ro
}

@test "tmpfs with a size option: size in mountinfo, writes beyond it fail with ENOSPC" {
	update_config '.mounts += [{destination: "/mnt/t", type: "tmpfs", source: "tmpfs", options: ["nosuid", "size=1m", "mode=700"]}]'
	run_container /bin/sh -c 'grep " /mnt/t " /proc/self/mountinfo; /probe stat /mnt/t | grep mode; dd if=/dev/zero of=/mnt/t/f bs=1024 count=2048 2>&1'
	has_opt "$(mnt_super "${lines[0]}")" size=1024k
	has_opt "$(mnt_opts "${lines[0]}")" nosuid
	assert_equal "${lines[1]}" mode=0700
	assert_contains "$output" "No space left on device"
}

@test "maskedPaths are hidden and readonlyPaths are read-only" {
	run_container /bin/sh -c '/probe stat /proc/keys; ls /sys/firmware | wc -l; /probe write /proc/sys/kernel/hostname'
	assert_kv type char
	assert_kv major 1
	assert_kv minor 3
	# masked directories are an empty read-only tmpfs; /proc/sys is read-only (the write would
	# only rename the container: it has its own uts namespace)
	assert_equal "${lines[7]}" 0
	assert_equal "${lines[8]}" EROFS
}

@test "/sys/fs/cgroup (type cgroup) is mounted read-only" {
	update_config '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	# v1 (this host): a tmpfs with one read-only mount per controller; v2: one cgroup2 mount
	run_container /bin/sh -c 'ls /sys/fs/cgroup;
		if [ -d /sys/fs/cgroup/memory ]; then /probe write /sys/fs/cgroup/memory/x;
		else /probe write /sys/fs/cgroup/x; fi; /probe mounts'
	assert_status 0
	l=$(mnt /sys/fs/cgroup)
	[ -n "$l" ] || fail "/sys/fs/cgroup is not a mount point: $output"
	if ! grep -qx -e memory -e cgroup.controllers <<<"$output"; then
		fail "no memory controller nor cgroup.controllers under /sys/fs/cgroup: $output"
	fi
	grep -qx EROFS <<<"$output" || fail "writing a cgroup file did not fail with EROFS: $output"
}

# ---- /proc and /sys must be real directories of the rootfs (CVE-2019-16884 class) ----

# replace_with_symlink PATH TARGET: PATH in the rootfs becomes a symlink to TARGET (created).
replace_with_symlink() {
	rm -rf "${BUNDLE:?}/rootfs$1"
	mkdir -p "$BUNDLE/rootfs$2"
	ln -s "$2" "$BUNDLE/rootfs$1"
}

@test "a rootfs whose /proc is a symlink is refused" {
	# An image could otherwise send procfs anywhere in the rootfs (runc and crun refuse too).
	replace_with_symlink /proc /elsewhere
	run_container /probe mounts
	assert_failure
	requires_tinyrun "error text"
	assert_contains "$stderr" "mounts[0] (/proc)"
	assert_contains "$stderr" "is a symlink"
}

@test "a rootfs whose /sys is a symlink is refused" {
	replace_with_symlink /sys /var/sys
	run_container /probe mounts
	assert_failure
	requires_tinyrun "error text"
	assert_contains "$stderr" "mounts[5] (/sys)"
	assert_contains "$stderr" "is a symlink"
}

@test "a proc mount on a relative symlink below /run is refused too" {
	update_config '.mounts += [{destination: "/run/p", type: "proc", source: "proc"}]'
	mkdir -p "$BUNDLE/rootfs/tmp/p"
	ln -s ../tmp/p "$BUNDLE/rootfs/run/p"
	run_container /probe mounts
	assert_failure
}

# ---- linux.rootfsPropagation unbindable ----

@test "rootfsPropagation unbindable: the rootfs is unbindable" {
	known_difference runc "runc 1.1.5 makes / unbindable before binding the rootfs onto itself: EINVAL"
	update_config '.linux.rootfsPropagation = "unbindable"'
	run_container /probe mounts
	assert_status 0
	assert_contains "$(mnt /)" "unbindable"
}

@test "rootfsPropagation runbindable: the rootfs and its submounts are unbindable" {
	known_difference crun "crun 1.8.1 makes the tree runbindable before maskedPaths: binding /dev/null then fails with EINVAL"
	known_difference runc "runc 1.1.5 makes / unbindable before binding the rootfs onto itself: EINVAL"
	update_config '.linux.rootfsPropagation = "runbindable"'
	run_container /probe mounts
	assert_status 0
	assert_contains "$(mnt /)" "unbindable"
	assert_contains "$(mnt /dev)" "unbindable"
}

# ---- bind sources only the host root can reach, with a user namespace ----

# userns_bundle: a user namespace mapping container 0 to host 100000 (host root is not mapped);
# the rootfs belongs to the mapped root and is reachable by it, as a real one would be.
userns_bundle() {
	local d=$BATS_TEST_TMPDIR
	chown -R 100000:100000 "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE" "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

# secret_sources: $SECRET, a root-owned 0700 directory holding a world-readable directory and
# file: only the host root can reach them by path.
secret_sources() {
	SECRET=$BATS_TEST_TMPDIR/secret
	mkdir -p "$SECRET/data"
	echo dir-content >"$SECRET/data/file"
	echo file-content >"$SECRET/file"
	chmod 755 "$SECRET/data"
	chmod 644 "$SECRET/data/file" "$SECRET/file"
	chmod 700 "$SECRET"
}

@test "userns: bind sources inside a 0700 host directory are mounted and readable" {
	userns_bundle
	secret_sources
	update_config '.mounts += [
		{destination: "/mnt/data", type: "bind", source: "'"$SECRET/data"'", options: ["rbind", "ro"]},
		{destination: "/mnt/file", type: "bind", source: "'"$SECRET/file"'", options: ["bind"]}]'
	run_container /bin/sh -c 'cat /mnt/data/file /mnt/file; /probe write /mnt/data/x || true'
	assert_status 0
	assert_equal "${lines[0]}" dir-content
	assert_equal "${lines[1]}" file-content
	assert_equal "${lines[2]}" EROFS
}

@test "userns: a 0700 directory of the host root, bound itself, is not readable by the mapped root" {
	# The mount is made (the runtime opens it), but the mapped root has no rights on an
	# unmapped owner's 0700 directory: the same as runc.
	userns_bundle
	secret_sources
	update_config '.mounts += [{destination: "/mnt/secret", type: "bind", source: "'"$SECRET"'", options: ["rbind"]}]'
	run_container /bin/sh -c '/probe stat /mnt/secret | grep mode; ls /mnt/secret >/dev/null 2>&1; echo "ls=$?"'
	assert_status 0
	assert_equal "${lines[0]}" mode=0700
	assert_kv ls 1
}

@test "userns: exec works in a container with a bind source only the host root can reach" {
	userns_bundle
	secret_sources
	update_config '.mounts += [{destination: "/mnt/data", type: "bind", source: "'"$SECRET/data"'", options: ["rbind"]}]'
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" cat /mnt/data/file
	assert_status 0
	assert_equal "$output" dir-content
	run --separate-stderr runtime exec --cwd /mnt/data "$ID" cat file
	assert_status 0
	assert_equal "$output" dir-content
}

@test "userns mapping the host root: the 0700 directory bound itself is readable" {
	userns_bundle
	update_config '.linux.uidMappings = [{containerID: 0, hostID: 0, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 0, size: 65536}]'
	chown -R 0:0 "$BUNDLE/rootfs"
	secret_sources
	update_config '.mounts += [{destination: "/mnt/secret", type: "bind", source: "'"$SECRET"'", options: ["rbind"]}]'
	run_container /bin/sh -c 'cat /mnt/secret/file /mnt/secret/data/file'
	assert_status 0
	assert_equal "${lines[0]}" file-content
	assert_equal "${lines[1]}" dir-content
}

@test "userns: a bind source's flags inherited from a read-only host mount stay locked (no remount rw)" {
	# The host mounts a directory read-only (a mount flag, the filesystem itself is writable).
	# A container with a user namespace gets a bind of it: the kernel locks the flags such a
	# mount inherits when it enters a mount namespace owned by another user namespace
	# (MNT_LOCK_READONLY), so even the container's root with CAP_SYS_ADMIN cannot make it
	# writable. A runtime that clones the source from its own, host-owned mount namespace
	# hands over the same flags unlocked. runc opens sources inside the container's mount
	# namespace: it passes.
	known_difference crun "crun 1.8.1 clones bind sources in its own mount namespace: the remount succeeds"
	userns_bundle
	local host=$BATS_TEST_TMPDIR/rohost
	mkdir -p "$host"
	chmod 777 "$host"
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]
		| .mounts += [{destination: "/mnt/ro", type: "bind", source: "'"$host"'", options: ["rbind"]}]'
	set_args /bin/sh -c 'mount -o remount,bind,rw /mnt/ro 2>/dev/null; echo remount=$?; /probe write /mnt/ro/x; exit 0'
	ID=$(new_id)
	# the read-only host mount lives in a private mount namespace of the runtime: nothing to undo
	run --separate-stderr unshare -m --propagation private sh -c \
		'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' _ \
		"$host" "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "$(kv remount)" 1
	assert_equal "${lines[1]}" EROFS
	[ ! -e "$host/x" ] || fail "the container wrote into the read-only host mount"
}
