#!/usr/bin/env bats
# exec: a new process in a running container. Proven from outside: its exit code, what it sees
# (namespaces, cgroup, hostname, rootfs compared with the init's through /proc on the host),
# the process options (--process file and flags), --detach/--pid-file, --preserve-fds, stdio,
# signals, and the one-line failures.

load helpers

# one_line_error: the last `run` failed and said so in exactly one non-empty line of stderr.
one_line_error() {
	assert_failure || return 1
	local n
	n=$(grep -c . <<<"$stderr")
	[ "$n" -eq 1 ] || fail "expected one line on stderr, got $n: $stderr"
}

# wait_for_file FILE: poll until FILE exists and is not empty.
wait_for_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 did not appear"
}

# wait_gone PID: poll until PID has exited (a zombie counts: nothing reaps it once the runtime
# that spawned it has returned).
wait_gone() {
	local i st
	for i in $(seq 100); do
		st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.1
	done
	fail "process $1 still alive"
}

@test "exec returns the exit code of the exec'd process" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /probe exit 0 </dev/null
	assert_status 0
	run --separate-stderr runtime exec "$ID" /probe exit 7 </dev/null
	assert_status 7
	run --separate-stderr runtime exec "$ID" /probe exit 255 </dev/null
	assert_status 255
	# killed by a signal: 128 + N, as a shell reports it
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'kill -TERM $$' </dev/null
	assert_status 143
	# the container is unaffected
	assert_equal "$(state_field "$ID" .status)" running
}

@test "exec joins every namespace of the container (compared with the init's on the host)" {
	update_config '.linux.namespaces += [{"type": "cgroup"}]'
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	run --separate-stderr runtime exec "$ID" /probe ns </dev/null
	assert_status 0
	for ns in pid net ipc uts mnt cgroup user; do
		assert_kv "$ns" "$(stat -L -c %i "/proc/$pid/ns/$ns")" || return 1
	done
	# the new ones are not the host's (so the comparison above could fail)
	[ "$(kv net)" != "$(host_ns net)" ] || fail "net namespace is the host's"
	# in the container's pid namespace: the init is pid 1, the exec'd shell is not
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'echo "self=$$"; tr "\0" " " </proc/1/cmdline' </dev/null
	assert_status 0
	[ "$(kv self)" -gt 1 ] || fail "exec'd process is pid $(kv self)"
	assert_equal "${lines[1]}" "/probe sleep 3600 "
}

@test "exec is in the container's cgroup" {
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	run --separate-stderr runtime exec "$ID" /bin/cat /proc/self/cgroup </dev/null
	assert_status 0
	assert_equal "$output" "$(cat "/proc/$pid/cgroup")"
	# and that is not the host shell's cgroup (no cgroup namespace: both are host paths)
	[ "$output" != "$(cat /proc/self/cgroup)" ] || fail "the container's cgroup is the test's"
}

@test "exec sees the container's hostname and rootfs" {
	update_config '.hostname = "exec-box"'
	echo "from-the-bundle" >"$BUNDLE/rootfs/marker"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'hostname; cat /marker; echo written >/tmp/from-exec' </dev/null
	assert_status 0
	assert_equal "${lines[0]}" exec-box
	assert_equal "${lines[1]}" from-the-bundle
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/from-exec")" written
	[ "$(hostname)" != exec-box ] || fail "host hostname changed"
}

@test "exec without options takes the container's env, cwd and user" {
	update_config '.process.env = ["PATH=/bin", "FROM_CONFIG=yes"] | .process.cwd = "/tmp" |
		.process.user = {uid: 1000, gid: 1001}'
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'echo "env=$FROM_CONFIG"; /probe cwd; /probe ids' </dev/null
	assert_status 0
	assert_kv env yes
	assert_kv cwd /tmp
	assert_kv uid 1000
	assert_kv gid 1001
}

@test "exec --process FILE: args, env, cwd, user and capabilities from the file" {
	ID=$(new_id)
	start_detached "$ID"
	jq -n '{
	  terminal: false,
	  user: {uid: 1000, gid: 1001, additionalGids: [30, 40]},
	  args: ["/bin/sh", "-c", "echo \"A=$A\"; echo \"PATH=$PATH\"; /probe cwd; /probe ids; /probe caps; exit 5"],
	  env: ["PATH=/bin", "A=from file"],
	  cwd: "/tmp",
	  capabilities: {bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"],
	    permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"]},
	  noNewPrivileges: true
	}' >"$BATS_TEST_TMPDIR/process.json"
	run --separate-stderr runtime exec --process "$BATS_TEST_TMPDIR/process.json" "$ID" </dev/null
	assert_status 5
	assert_kv A "from file"
	assert_kv PATH /bin
	assert_kv cwd /tmp
	assert_kv uid 1000
	assert_kv gid 1001
	assert_kv groups 30,40
	# a non-root process keeps after execve only its ambient caps (CAP_KILL), within bounding
	assert_kv CapBnd 0000000000000021
	assert_kv CapPrm 0000000000000020
	assert_kv CapEff 0000000000000020
	assert_kv CapAmb 0000000000000020
}

@test "exec --cwd only root can enter (/root 0700) with --user 42:42" {
	chmod 700 "$BUNDLE/rootfs/root"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --cwd /root --user 42:42 "$ID" /bin/sh -c '/probe cwd; /probe ids' </dev/null
	assert_status 0
	assert_kv cwd /root
	assert_kv uid 42
}

@test "exec --cwd, --env, --user uid:gid, --additional-gids" {
	update_config '.process.env = ["PATH=/bin", "KEEP=kept", "TERM=xterm"]'
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --cwd /tmp --env FOO=bar --env TERM=dumb --user 1000:1001 \
		--additional-gids 10 --additional-gids 20 "$ID" /bin/sh -c '/probe cwd; /probe ids; echo "FOO=$FOO"; echo "TERM=$TERM"; echo "KEEP=$KEEP"; env | grep -c "^TERM="' </dev/null
	assert_status 0
	assert_kv cwd /tmp
	assert_kv uid 1000
	assert_kv euid 1000
	assert_kv gid 1001
	assert_kv groups 10,20
	assert_kv FOO bar
	# --env replaces the container's variable of the same name, keeps the others
	assert_kv TERM dumb
	assert_kv KEEP kept
	assert_equal "${lines[-1]}" 1 "TERM appears once"
	# --user with a uid only keeps the container's gid
	run --separate-stderr runtime exec --user 1000 "$ID" /probe ids </dev/null
	assert_status 0
	assert_kv uid 1000
	assert_kv gid 0
}

@test "exec --cap adds to bounding, effective and permitted, not inheritable or ambient" {
	ID=$(new_id)
	start_detached "$ID"
	# the container's own: CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE = 0x20000420
	run --separate-stderr runtime exec "$ID" /probe caps </dev/null
	assert_status 0
	assert_kv CapEff 0000000020000420
	run --separate-stderr runtime exec --cap CAP_SYS_ADMIN --cap CAP_CHOWN "$ID" /probe caps </dev/null
	assert_status 0
	assert_kv CapBnd 0000000020200421
	assert_kv CapEff 0000000020200421
	assert_kv CapPrm 0000000020200421
	# never inheritable or ambient (CVE-2022-29162); the base config's ambient caps cannot be
	# raised either, with an empty inheritable set
	assert_kv CapInh 0000000000000000
	assert_kv CapAmb 0000000000000000
}

@test "exec --no-new-privs sets no_new_privs where the container's process does not" {
	update_config '.process.noNewPrivileges = false'
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /probe seccomp </dev/null
	assert_status 0
	assert_kv NoNewPrivs 0
	run --separate-stderr runtime exec --no-new-privs "$ID" /probe seccomp </dev/null
	assert_status 0
	assert_kv NoNewPrivs 1
}

@test "exec --detach --pid-file: returns at once; the pid is the exec'd process, in the container" {
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	rt_detached "$ID" exec --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" /probe sleep 3600
	assert_status 0
	# the runtime has returned while the process (an hour's sleep) runs on
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[[ "$epid" =~ ^[0-9]+$ ]] || fail "pid file holds '$epid'"
	assert_equal "$(tr '\0' ' ' <"/proc/$epid/cmdline")" "/probe sleep 3600 "
	for ns in pid net ipc uts mnt; do
		assert_equal "$(stat -L -c %i "/proc/$epid/ns/$ns")" "$(stat -L -c %i "/proc/$pid/ns/$ns")" "$ns namespace of $epid" || return 1
	done
	assert_equal "$(cat "/proc/$epid/cgroup")" "$(cat "/proc/$pid/cgroup")"
	# it is visible inside the container
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'for p in /proc/[0-9]*; do tr "\0" " " <$p/cmdline; echo; done' </dev/null
	assert_status 0
	[ "$(grep -c '^/probe sleep 3600 $' <<<"$output")" -eq 2 ] || fail "expected the init and the exec'd sleep: $output"
	# killing it by pid from the host ends it; the container runs on
	kill -KILL "$epid"
	wait_gone "$epid"
	assert_equal "$(state_field "$ID" .status)" running
}

@test "exec in the foreground: killing the exec'd process by its pid ends exec with 128+N" {
	ID=$(new_id)
	start_detached "$ID"
	# the runtime itself in the background (not the `runtime` function's subshell)
	"$RUNTIME" --root "$ROOT" exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" /probe sleep 3600 \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>&1 &
	rt=$!
	wait_for_file "$BATS_TEST_TMPDIR/exec.pid"
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ "$epid" != "$rt" ] || fail "the pid file holds the runtime's pid"
	kill -TERM "$epid"
	status=0
	wait "$rt" || status=$?
	assert_status 143
	wait_gone "$epid"
	assert_equal "$(state_field "$ID" .status)" running
}

@test "exec in the foreground forwards a signal sent to the runtime to the exec'd process" {
	ID=$(new_id)
	start_detached "$ID"
	out=$BATS_TEST_TMPDIR/exec.out
	"$RUNTIME" --root "$ROOT" exec "$ID" /probe signal-wait </dev/null >"$out" 2>&1 &
	rt=$!
	for _ in $(seq 100); do
		grep -q ready "$out" && break
		sleep 0.1
	done
	grep -q ready "$out" || fail "signal-wait did not start: $(cat "$out")"
	kill -USR1 "$rt"
	status=0
	wait "$rt" || status=$?
	assert_status 0
	output=$(cat "$out")
	assert_kv name SIGUSR1
}

@test "exec passes stdin, stdout and stderr through" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr bash -c 'printf "line one\nline two\n" |
		"$0" --root "$1" exec "$2" /bin/sh -c "cat; echo to-stderr >&2; exit 3"' "$RUNTIME" "$ROOT" "$ID"
	assert_status 3
	assert_equal "$output" $'line one\nline two'
	assert_equal "$stderr" to-stderr
}

@test "exec --preserve-fds passes fds 3.. that the process can write to" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --preserve-fds 2 "$ID" /bin/sh -c 'echo three >&3; echo four >&4' \
		3>"$BATS_TEST_TMPDIR/fd3" 4>"$BATS_TEST_TMPDIR/fd4" </dev/null
	assert_status 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/fd3")" three
	assert_equal "$(cat "$BATS_TEST_TMPDIR/fd4")" four
	# without it fd 3 is closed in the process
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'echo three >&3' 3>"$BATS_TEST_TMPDIR/fd3b" </dev/null
	assert_failure
	[ ! -s "$BATS_TEST_TMPDIR/fd3b" ] || fail "fd 3 reached the process without --preserve-fds"
}

@test "exec into a stopped container fails with one clear line" {
	set_args /probe exit 0
	ID=$(new_id)
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped
	run --separate-stderr runtime exec "$ID" /probe exit 0 </dev/null
	one_line_error
	assert_contains "$stderr" stopped
}

@test "exec into an unknown container fails with one clear line" {
	run --separate-stderr runtime exec "no-such-$$" /probe exit 0 </dev/null
	one_line_error
	assert_does_not_exist_msg
}

@test "exec into a created (not yet started) container runs in its namespaces" {
	ID=$(new_id)
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	run --separate-stderr runtime exec "$ID" /probe ns </dev/null
	assert_status 0
	for ns in pid net ipc uts mnt; do
		assert_kv "$ns" "$(stat -L -c %i "/proc/$pid/ns/$ns")" || return 1
	done
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'hostname; echo hi >/tmp/before-start' </dev/null
	assert_status 0
	assert_equal "$output" tinyrun-test
	# it is still created, and starts as usual
	assert_equal "$(state_field "$ID" .status)" created
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" running
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/before-start")" hi
}

@test "exec of a missing binary fails with one clear line; the container runs on" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" /no/such/binary </dev/null
	one_line_error
	assert_contains "$stderr" /no/such/binary
	run --separate-stderr runtime exec "$ID" no-such-command-in-path </dev/null
	one_line_error
	assert_contains "$stderr" no-such-command-in-path
	assert_equal "$(state_field "$ID" .status)" running
	# no half-started process is left in the container
	run --separate-stderr runtime exec "$ID" /bin/sh -c 'set -- /proc/[0-9]*; echo $#' </dev/null
	assert_equal "$output" 2 "the init and this shell"
}

@test "exec without a command fails with one clear line" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec "$ID" </dev/null
	one_line_error
}

# id_cgroup_lines PID ID: the lines of /proc/PID/cgroup that name the container's cgroup (ID).
id_cgroup_lines() {
	grep -F "$2" "/proc/$1/cgroup" | sort
}

@test "exec into a paused container: refused without --ignore-paused; with it the process runs only once resumed" {
	known_difference crun "crun 1.8 has no exec --ignore-paused"
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	runtime pause "$ID"
	run --separate-stderr runtime exec "$ID" /probe exit 0 </dev/null
	one_line_error
	assert_contains "$stderr" paused
	# runc returns once the container is resumed, tinyrun at once: run it in the background
	"$RUNTIME" --root "$ROOT" exec --detach --ignore-paused --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$ID" \
		/bin/sh -c 'cat /proc/self/cgroup >/tmp/exec-cgroup; exec /probe sleep 3600' \
		</dev/null >"$BATS_TEST_TMPDIR/exec.out" 2>&1 &
	rt=$!
	sleep 1
	# nothing of the process has run while the container is paused
	[ ! -e "$BUNDLE/rootfs/tmp/exec-cgroup" ] || fail "the exec'd process ran in a paused container"
	assert_equal "$(state_field "$ID" .status)" paused
	runtime resume "$ID"
	status=0
	timeout 10 tail --pid="$rt" -f /dev/null || fail "exec did not return after resume"
	wait "$rt" || status=$?
	assert_status 0
	wait_for_file "$BUNDLE/rootfs/tmp/exec-cgroup"
	# it ran in the container's cgroup, and it is not a child of anything but the container now
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/exec-cgroup")" "$(cat "/proc/$pid/cgroup")"
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	assert_equal "$(cat "/proc/$epid/cgroup")" "$(cat "/proc/$pid/cgroup")"
}

@test "exec --cgroup SUB joins the sub-cgroup in every hierarchy; CONTROLLER:SUB only in that one" {
	known_difference crun "crun 1.8 has no exec --cgroup"
	ID=$(new_id)
	start_detached "$ID"
	pid=$(state_field "$ID" .pid)
	dirs=$(cgroup_dirs_of "$ID")
	[ -n "$dirs" ] || fail "no cgroup directory named after $ID"
	for d in $dirs; do
		mkdir "$d/sub"
		# a v1 cpuset takes no task before it has cpus and mems (v2 inherits them)
		if [ -f "$d/sub/cpuset.cpus" ] && [ ! -f "$d/cgroup.controllers" ]; then
			cat "$d/cpuset.cpus" >"$d/sub/cpuset.cpus"
			cat "$d/cpuset.mems" >"$d/sub/cpuset.mems"
		fi
	done
	mkdir "$(grep -x '.*/memory/.*' <<<"$dirs" | head -1)/msub"
	run --separate-stderr runtime exec --cgroup sub "$ID" /bin/cat /proc/self/cgroup </dev/null
	assert_status 0
	assert_equal "$(grep -F "$ID" <<<"$output" | sort)" "$(id_cgroup_lines "$pid" "$ID" | sed 's|$|/sub|')"
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		# cgroup v2: one hierarchy, so no controller form
		run --separate-stderr runtime exec --cgroup memory:msub "$ID" /bin/true </dev/null
		assert_failure
		return 0
	fi
	run --separate-stderr runtime exec --cgroup memory:msub "$ID" /bin/cat /proc/self/cgroup </dev/null
	assert_status 0
	assert_equal "$(grep -F "$ID" <<<"$output" | grep ':memory:')" "$(id_cgroup_lines "$pid" "$ID" | grep ':memory:')/msub"
	assert_equal "$(grep -F "$ID" <<<"$output" | grep -v ':memory:' | sort)" "$(id_cgroup_lines "$pid" "$ID" | grep -v ':memory:')"
}

@test "exec --cgroup: a missing sub-cgroup or one outside the container's fails in one line, nothing left" {
	known_difference crun "crun 1.8 has no exec --cgroup"
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --cgroup nosuch "$ID" /bin/true </dev/null
	assert_failure
	requires_tinyrun "message texts"
	one_line_error
	assert_contains "$stderr" "nosuch"
	run --separate-stderr runtime exec --cgroup ../.. "$ID" /bin/true </dev/null
	one_line_error
	assert_contains "$stderr" "--cgroup ../.."
	assert_equal "$(find "$(cgroup_dirs_of "$ID" | head -1)" -mindepth 1 -type d)" ""
	assert_equal "$(state_field "$ID" .status)" running
}
