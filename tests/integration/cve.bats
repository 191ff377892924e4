#!/usr/bin/env bats
# Regression tests for the container-escape classes runc had, each written so that it fails on
# the vulnerable design:
#   CVE-2021-30465  symlink in the rootfs as a mount destination (mount lands on the host)
#   CVE-2024-21626  a host fd leaked into the container, or a cwd outside the container root
#   CVE-2019-5736   /proc/<pid>/exe of the runtime reachable from the container (overwrite)
# Validated on runc 1.1.5 (which has all three fixes).

load helpers

# host_mounted PATH: PATH is a mount point in the host's (this shell's) mount namespace.
host_mounted() {
	awk -v p="$1" '$5 == p { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# ---------------------------------------------------------------------------------------------
# CVE-2021-30465

@test "CVE-2021-30465: an absolute symlink as mount destination stays inside the rootfs" {
	target=$BATS_TEST_TMPDIR/host-target
	mkdir -p "$target"
	echo original >"$target/file"
	ln -s "$target" "$BUNDLE/rootfs/evil"
	update_config '.mounts += [{destination: "/evil", type: "tmpfs", source: "tmpfs", options: ["nosuid"]}]'
	run_container /bin/sh -c 'echo marker >/evil/marker && ls -A /evil | tr "\n" " "; echo'
	# Either the mount is made inside the rootfs (runc, tinyrun) or refused (crun 1.8.1 says
	# "openat2 `evil`: No such file or directory"); never on the host.
	if [ "$status" -eq 0 ]; then
		# inside, /evil is the new tmpfs (no host file in it)
		assert_equal "$output" "marker "
	else
		is_tinyrun && fail "tinyrun should make the mount inside the rootfs: $stderr"
		assert_no_leak "$ID"
	fi
	host_mounted "$target" && fail "a mount landed on the host at $target"
	[ ! -e "$target/marker" ] || fail "the container wrote into the host directory"
	assert_equal "$(ls -A "$target" | tr '\n' ' ')" "file " "host directory contents"
	assert_equal "$(cat "$target/file")" original
}

@test "CVE-2021-30465: a relative ../ symlink and a symlinked parent of a bind destination" {
	target=$BATS_TEST_TMPDIR/host-target2
	src=$BATS_TEST_TMPDIR/bind-src
	mkdir -p "$target/sub" "$src"
	echo from-src >"$src/payload"
	# ../../../../..<target>: resolved against the rootfs, .. stops at its root
	ln -s "../../../../../../../../..$target" "$BUNDLE/rootfs/evil-rel"
	update_config ".mounts += [
		{destination: \"/evil-rel/sub\", type: \"bind\", source: \"$src\", options: [\"bind\", \"ro\"]},
		{destination: \"/evil-rel\", type: \"tmpfs\", source: \"tmpfs\"}]"
	run_container /bin/sh -c 'ls -A /evil-rel | tr "\n" " "; echo'
	# made inside the rootfs (runc, tinyrun) or refused (crun); never on the host
	is_tinyrun && assert_status 0
	host_mounted "$target" && fail "a tmpfs landed on the host at $target"
	host_mounted "$target/sub" && fail "a bind mount landed on the host at $target/sub"
	[ ! -e "$target/sub/payload" ] || fail "the bind source became visible on the host"
	assert_equal "$(ls -A "$target" | tr '\n' ' ')" "sub " "host directory contents"
}

@test "CVE-2021-30465: a symlink swapped in for a mount destination does not redirect later mounts" {
	# Two mounts, the second into a directory the first one could have replaced by a symlink:
	# the rootfs prepared by the bundle already has the symlink (the race's end state).
	target=$BATS_TEST_TMPDIR/host-target3
	mkdir -p "$target"
	mkdir -p "$BUNDLE/rootfs/a"
	ln -s "$target" "$BUNDLE/rootfs/a/b"
	update_config '.mounts += [{destination: "/a", type: "bind", source: "'"$BUNDLE"'/rootfs/a", options: ["rbind"]},
		{destination: "/a/b", type: "tmpfs", source: "tmpfs"}]'
	run_container /bin/sh -c 'touch /a/b/inside && echo ok'
	# made inside the rootfs (runc, tinyrun) or refused (crun); never on the host
	is_tinyrun && assert_status 0
	host_mounted "$target" && fail "a mount landed on the host at $target"
	[ ! -e "$target/inside" ] || fail "the container wrote into the host directory"
}

@test "CVE-2021-30465: a dir and a symlink swapped (RENAME_EXCHANGE) in a loop while mounts are made: nothing lands outside the rootfs" {
	# The race itself: a host process exchanges, as fast as it can, the directory the
	# container mounts onto (/mnt/d) with a symlink to a host directory, while the runtime
	# creates containers that mount a tmpfs at /mnt/d. A runtime that resolves the
	# destination safely but then mounts on the path string loses the race now and then: the
	# tmpfs lands on the host's $target inside the container's mount namespace. That mount is
	# invisible from the host (the namespace is private) and gone after pivot_root, so the
	# detector is a createContainer hook: it runs in the container's mount namespace after the
	# mounts and before pivot_root (runtime-spec config.md), where the host paths still resolve.
	# Checked: a tinyrun patched to mount on the path string (mount_fs_on_fd using readlink of
	# the resolved fd, with a 2 ms pause to widen the window) fails this test at its 4th run.
	command -v python3 >/dev/null || skip "no python3"
	local target=$BATS_TEST_TMPDIR/race-target hits=$BATS_TEST_TMPDIR/escapes i swapper deadline
	mkdir -p "$target" "$BUNDLE/rootfs/mnt/d"
	ln -s "$target" "$BUNDLE/rootfs/mnt/l"
	: >"$hits"
	update_config '.mounts += [{destination: "/mnt/d", type: "tmpfs", source: "tmpfs"}]'
	update_config ".hooks.createContainer = [{path: \"/bin/sh\", args: [\"sh\", \"-c\",
		\"grep -F ' $target ' /proc/self/mountinfo >> $hits; exit 0\"]}]"
	set_args /probe exit 0
	python3 - "$BUNDLE/rootfs/mnt/d" "$BUNDLE/rootfs/mnt/l" 30 <<'PY' &
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
a, b, end = os.fsencode(sys.argv[1]), os.fsencode(sys.argv[2]), time.time() + float(sys.argv[3])
while time.time() < end:
    libc.renameat2(-100, a, -100, b, 2)   # AT_FDCWD, RENAME_EXCHANGE
PY
	swapper=$!
	deadline=$((SECONDS + 20))
	for i in $(seq 40); do
		[ "$SECONDS" -lt "$deadline" ] || break
		ID=$(new_id)
		runtime run --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1 || true
		runtime delete --force "$ID" >/dev/null 2>&1 || true
		if [ -s "$hits" ] || [ -n "$(ls -A "$target")" ]; then
			kill "$swapper" 2>/dev/null || true
			fail "run $i: a mount landed on the host's $target in the container's namespace: $(head -1 "$hits")"
		fi
	done
	kill "$swapper" 2>/dev/null || true
	wait "$swapper" 2>/dev/null || true
	host_mounted "$target" && fail "a mount landed on the host at $target"
	[ -z "$(ls -A "$target")" ] || fail "the host directory got content: $(ls -A "$target")"
}

# ---------------------------------------------------------------------------------------------
# CVE-2024-21626
# Each test below fails on a vulnerable build, checked on 2026-12-04 with a copy of the tree
# patched and built to /tmp/vuln-21626-*/tinyrun, then run as RUNTIME=/tmp/vuln-.../tinyrun:
#  - fds: proc_finish (src/lib/process.c) returning 0 instead of cloexec_fds_from(3 +
#    preserve_fds): the three fd tests fail (exec'd: fd3 fd4 fd7 fd8 fd9 fd10 fd251 seen; the
#    init: fd3-fd6 fd10 fd251); the cwd tests pass (no fd is a directory at chdir time).
#  - cwd: procfs_handle_hide (src/lib/procfs.c) returning 0 without moving the private procfs
#    fd out of the fd table: both /proc/self/fd/N cwd tests fail (cwd outside the root,
#    getcwd ENOENT); with N only up to 12 the exec one had passed (its fd is 15): widened.

@test "CVE-2024-21626: an exec'd process gets only fds 0-2, even with host fds open" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /probe fds 7</dev/null 8<"$BUNDLE/config.json" 9>"$BATS_TEST_TMPDIR/x" </dev/null
	assert_status 0
	assert_equal "$(cut -d= -f1 <<<"$output" | tr '\n' ' ')" "fd0 fd1 fd2 "
}

@test "CVE-2024-21626: --preserve-fds on exec passes exactly the asked fds" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --preserve-fds 1 "$ID" /probe fds 3<"$BUNDLE/config.json" 4</dev/null </dev/null
	assert_status 0
	assert_equal "$(cut -d= -f1 <<<"$output" | tr '\n' ' ')" "fd0 fd1 fd2 fd3 "
}

@test "CVE-2024-21626: the init gets only fds 0-2 (created then started)" {
	set_args /probe fds
	ID=$(new_id)
	create_container "$ID" 5</dev/null 6<"$BUNDLE/config.json"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped
	run container_output "$ID"
	assert_equal "$(cut -d= -f1 <<<"$output" | tr '\n' ' ')" "fd0 fd1 fd2 "
	# and none of them is a host directory or file outside the container
	assert_not_contains "$output" "$BUNDLE"
}

@test "CVE-2024-21626: the cwd is inside the container root" {
	update_config '.process.cwd = "/tmp"'
	run_container /bin/sh -c '/probe cwd; readlink /proc/self/cwd; readlink /proc/1/cwd; ls -a /proc/self/cwd/../ | grep -c probe'
	assert_status 0
	assert_kv cwd /tmp
	assert_equal "${lines[1]}" /tmp
	assert_equal "${lines[2]}" /tmp
	assert_equal "${lines[3]}" 1 "/tmp/.. is the container's /"
}

# N runs well past the fds the init and exec hold while they enter the cwd (their private procfs
# fd was 11 in the init and 15 in exec under bats: it moves with the caller's fd table).
# Shown to fail on a vulnerable build (see the CVE-2024-21626 note above): the private procfs
# fd left in the fd table during chdir (procfs_handle_hide returning at once) gives cwd=
# /proc/self/fd/11 outside the root (getcwd: ENOENT); exec --cwd the same with fd 15.
@test "CVE-2024-21626: process.cwd = /proc/self/fd/N cannot reach the host (N = 3..40)" {
	for n in $(seq 3 40); do
		update_config ".process.cwd = \"/proc/self/fd/$n\""
		run_container /bin/sh -c '/probe cwd; ls /proc/self/cwd/ | head -50'
		if [ "$status" -eq 0 ]; then
			# a cwd reached through an fd must still be a path inside the container root
			c=$(kv cwd) || fail "cwd=/proc/self/fd/$n: no cwd (outside the root?): $output" || return 1
			[[ "$c" == /* ]] || fail "cwd=/proc/self/fd/$n resolved to '$c'" || return 1
		else
			assert_no_leak "$ID" || return 1
		fi
		# the host's cgroup tree (runc's leaked fd pointed there) is never listed
		assert_not_contains "$output" "cgroup.procs" || return 1
	done
}

@test "CVE-2024-21626: exec --cwd /proc/self/fd/N cannot reach the host (N = 3..40)" {
	ID=$(new_id)
	start_detached "$ID"
	for n in $(seq 3 40); do
		run --separate-stderr runtime exec --cwd "/proc/self/fd/$n" "$ID" /bin/sh -c '/probe cwd; ls /proc/self/cwd/ | head -50' </dev/null
		if [ "$status" -eq 0 ]; then
			c=$(kv cwd) || fail "exec --cwd /proc/self/fd/$n: no cwd: $output" || return 1
			[[ "$c" == /* ]] || fail "exec --cwd /proc/self/fd/$n resolved to '$c'" || return 1
		fi
		assert_not_contains "$output" "cgroup.procs" || return 1
	done
	assert_equal "$(state_field "$ID" .status)" running
}

# ---------------------------------------------------------------------------------------------
# CVE-2019-5736
# Both tests fail on a vulnerable build, checked on 2026-12-04: src/lib/spawn.c with both
# prctl(PR_SET_DUMPABLE, 0) calls (spawn_child_prologue, spawn_child_setup_done) removed, built
# to /tmp/vuln-5736/tinyrun: the created init's /proc/PID/exe opens ("ok", not EACCES) and the
# watcher sees /proc/PID/exe -> /tmp/vuln-5736/tinyrun for a joining exec.

@test "CVE-2019-5736: a created init is non-dumpable: its /proc/PID/exe cannot be opened from another container" {
	A=$(new_id a)
	start_detached "$A"
	apid=$(state_field "$A" .pid)
	# B joins A's pid namespace and stays created: its init is still the runtime binary
	update_config ".linux.namespaces |= map(if .type == \"pid\" then .path = \"/proc/$apid/ns/pid\" else . end)"
	B=$(new_id b)
	create_container "$B"
	bpid=$(state_field "$B" .pid)
	inner=$(awk '/^NSpid:/ {print $NF}' "/proc/$bpid/status")
	[ -n "$inner" ] && [ "$inner" != "$bpid" ] || fail "B's init $bpid is not in A's pid namespace"
	sum_before=$(sha256sum <"$(readlink -f "$RUNTIME")")

	run --separate-stderr runtime exec "$A" /bin/sh -c "/probe open /proc/$inner/exe; readlink /proc/$inner/exe; echo rl=\$?" </dev/null
	assert_status 0
	assert_equal "${lines[0]}" EACCES "opening the created init's exe from A"
	assert_kv rl 1
	assert_not_contains "$output" "$(basename "$RUNTIME")"

	# once started, B's process is the container binary and dumpable again
	rt_detached "$B" start "$B"
	assert_status 0
	wait_for_status "$B" running
	run --separate-stderr runtime exec "$A" /bin/sh -c "/probe open /proc/$inner/exe; readlink /proc/$inner/exe" </dev/null
	assert_equal "${lines[0]}" ok
	assert_equal "${lines[1]}" /probe
	assert_equal "$(sha256sum <"$(readlink -f "$RUNTIME")")" "$sum_before" "runtime binary unchanged"
}

@test "CVE-2019-5736: processes joining by exec never show the runtime binary to the container" {
	# A watcher in the container reads /proc/*/exe as fast as it can while the host runs many
	# execs; a joining process that were dumpable before execve would show the runtime's path.
	set_args /bin/sh -c 'while [ ! -e /tmp/stop ]; do for p in /proc/[0-9]*; do readlink $p/exe; done; done | sort -u >/tmp/seen; touch /tmp/done; sleep 3600'
	ID=$(new_id)
	start_detached "$ID"
	sum_before=$(sha256sum <"$(readlink -f "$RUNTIME")")
	for _ in $(seq 40); do
		runtime exec "$ID" /probe exit 0 </dev/null || fail "exec failed" || return 1
	done
	touch "$BUNDLE/rootfs/tmp/stop"
	for _ in $(seq 100); do
		[ -e "$BUNDLE/rootfs/tmp/done" ] && break
		sleep 0.1
	done
	[ -e "$BUNDLE/rootfs/tmp/done" ] || fail "watcher did not finish"
	seen=$(tr '\n' ' ' <"$BUNDLE/rootfs/tmp/seen")
	for path in $seen; do
		case $path in
		/bin/busybox | /probe) ;;
		*) fail "the container saw /proc/PID/exe -> '$path' (all seen: $seen)" || return 1 ;;
		esac
	done
	assert_equal "$(sha256sum <"$(readlink -f "$RUNTIME")")" "$sum_before" "runtime binary unchanged"
}
