#!/usr/bin/env bats
# /dev: the default devices (runtime-spec config-linux "Default Devices"), the dev symlinks,
# and linux.devices nodes with their type, numbers, mode and owner.

load helpers

# assert_dev PATH TYPE MAJOR MINOR MODE: `probe stat PATH` in a fresh container.
assert_dev() {
	run_container /probe stat "$1"
	assert_status 0
	assert_kv type "$2"
	assert_kv major "$3"
	assert_kv minor "$4"
	assert_kv mode "$5"
}

@test "/dev/null" {
	assert_dev /dev/null char 1 3 0666
}

@test "/dev/zero" {
	assert_dev /dev/zero char 1 5 0666
}

@test "/dev/full" {
	assert_dev /dev/full char 1 7 0666
}

@test "/dev/random" {
	assert_dev /dev/random char 1 8 0666
}

@test "/dev/urandom" {
	assert_dev /dev/urandom char 1 9 0666
}

@test "/dev/tty" {
	assert_dev /dev/tty char 5 0 0666
}

@test "the default devices work: write /dev/null, read /dev/zero, /dev/full is full" {
	run_container /bin/sh -c '/probe write /dev/null; head -c 4 /dev/zero | od -An -tx1; /probe write /dev/full'
	assert_status 1
	assert_equal "${lines[0]}" ok
	assert_equal "$(echo ${lines[1]})" "00 00 00 00"
	assert_equal "${lines[2]}" ENOSPC
}

@test "/dev/ptmx is a symlink to pts/ptmx" {
	run_container /probe stat /dev/ptmx
	assert_status 0
	assert_kv type symlink
	assert_kv target pts/ptmx
}

@test "/dev/fd, stdin, stdout, stderr symlinks" {
	run_container /bin/sh -c 'for l in fd stdin stdout stderr; do echo "$l=$(readlink /dev/$l)"; done'
	assert_status 0
	assert_kv fd /proc/self/fd
	assert_kv stdin /proc/self/fd/0
	assert_kv stdout /proc/self/fd/1
	assert_kv stderr /proc/self/fd/2
}

@test "/dev/console is absent without a terminal" {
	run_container /probe stat /dev/console
	assert_kv error ENOENT
}

@test "/dev is a small tmpfs without host devices" {
	run_container /bin/ls /dev
	assert_status 0
	assert_not_contains "$output" vda
	assert_not_contains "$output" kmsg
	assert_not_contains "$output" mem
}

@test "linux.devices: a char device with fileMode, uid and gid" {
	update_config '.linux.devices = [{path: "/dev/mychar", type: "c", major: 1, minor: 5,
		fileMode: 416, uid: 1000, gid: 2000}]
		| .linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 5, access: "rwm"}]'
	run_container /probe stat /dev/mychar
	assert_status 0
	assert_kv type char
	assert_kv major 1
	assert_kv minor 5
	# 416 = 0640
	assert_kv mode 0640
	assert_kv uid 1000
	assert_kv gid 2000
}

@test "linux.devices: a block device in a subdirectory" {
	update_config '.linux.devices = [{path: "/dev/disks/myblock", type: "b", major: 7, minor: 200,
		fileMode: 384, uid: 0, gid: 0}]'
	run_container /probe stat /dev/disks/myblock
	assert_status 0
	assert_kv type block
	assert_kv major 7
	assert_kv minor 200
	assert_kv mode 0600
}

@test "linux.devices: a fifo" {
	update_config '.linux.devices = [{path: "/dev/myfifo", type: "p", fileMode: 420}]'
	run_container /probe stat /dev/myfifo
	assert_status 0
	assert_kv type fifo
	assert_kv mode 0644
}

# /dev/fuse (10:229) can be opened without capabilities, so only the device cgroup decides
# (not /dev/net/tun: runc allows it by default).
@test "the device cgroup: a node not allowed cannot be opened, an allowed one can" {
	update_config '.linux.devices = [{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 438}]
		| .linux.resources.devices = [{allow: false, access: "rwm"}]'
	run_container /probe open /dev/fuse
	assert_equal "$output" EPERM
	update_config '.linux.resources.devices += [{allow: true, type: "c", major: 10, minor: 229, access: "rwm"}]'
	run_container /probe open /dev/fuse
	assert_equal "$output" ok
}

@test "/dev read-only: populated first (nodes, pts, shm), then made read-only" {
	# runc and crun mount /dev writable and remount it read-only once everything below exists.
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	run_container /bin/sh -c '/probe write /dev/x; /probe write /dev/null; /probe write /dev/shm/x;
		ls /dev/pts; grep " /dev " /proc/self/mountinfo'
	assert_status 0
	assert_equal "${lines[0]}" EROFS
	assert_equal "${lines[1]}" ok
	assert_equal "${lines[2]}" ok
	assert_contains "$output" ptmx
	opts=$(grep " /dev " <<<"$output" | awk '{print $6}')
	[[ ",$opts," == *",ro,"* ]] || fail "/dev is not read-only: $opts"
}
