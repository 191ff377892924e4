#!/usr/bin/env bats
# containerd (Debian's 1.6, with containerd-shim-runc-v2) driving the runtime through
# `ctr run --runc-binary $RUNTIME`: the shim execs the runtime exactly as it execs runc
# (global --root/--log/--log-format json, create --bundle --pid-file, start, exec --process
# --detach, kill, pause/resume, delete).
#
# The daemon is private: its own config.toml (root, state, grpc/ttrpc sockets, opt dir under
# $CLIENT_DIR; the CRI plugin disabled), its own namespace, runtime --root and fifo dir, and it
# runs with ctr in a private mount+network namespace whose /run is a tmpfs (start_holder), so
# the shim sockets (/run/containerd/s) and any default paths stay out of the host.

load helpers

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		skip "containerd/ctr not installed (apt-get install containerd)"
	[ -x /usr/bin/containerd-shim-runc-v2 ] || skip "containerd-shim-runc-v2 missing"
	[ -x "$RUNTIME" ] || skip "no runtime at $RUNTIME"
	local tar
	tar=$(image_tar) || skip "could not build the test image"
	new_client_dir ctrd
	local d=$CLIENT_DIR
	mkdir -p "$d/fifo" "$d/runtime-root"
	cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.internal.v1.tracing"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOF
	start_holder || skip "cannot make a private mount+network namespace (unshare): $(cat "$d/holder.log")"
	# nsenter directly (not the in_holder function) so that $! is containerd itself.
	nsenter -t "$HOLDER_PID" -m -n -- containerd --config "$d/config.toml" </dev/null >"$d/containerd.log" 2>&1 3>&- &
	echo $! >"$d/containerd.pid"
	if ! wait_for 100 ctr --address "$d/containerd.sock" version; then
		cat "$d/containerd.log" >&3
		skip "private containerd did not start (log above)"
	fi
	ctrx images import "$tar" >/dev/null
}

teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] || return 0
	local id left rc=0
	if [ -S "$CLIENT_DIR/containerd.sock" ]; then
		for id in $(ctrx tasks ls -q 2>/dev/null); do
			ctrx tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
			ctrx tasks delete -f "$id" >/dev/null 2>&1 || true
		done
		for id in $(ctrx containers ls -q 2>/dev/null); do
			ctrx containers delete "$id" >/dev/null 2>&1 || true
		done
	fi
	stop_pidfile "$CLIENT_DIR/containerd.pid"
	stop_holder
	left=$(procs_under "$CLIENT_DIR")
	if [ -n "$left" ]; then
		echo "# processes left behind: $left" >&3
		rc=1
	fi
	remove_client_dir || rc=1
	return $rc
}

setup() {
	D=$CLIENT_DIR
	ID=ctr-$BATS_TEST_NUMBER-$RANDOM
}

teardown() {
	# A test that failed half way must not leave its task to the next test.
	ctrx tasks kill -a -s SIGKILL "$ID" >/dev/null 2>&1 || true
	ctrx tasks delete -f "$ID" >/dev/null 2>&1 || true
	ctrx containers delete "$ID" >/dev/null 2>&1 || true
}

# ctrx ARG...: ctr on the private daemon, in the test namespace.
ctrx() {
	in_holder ctr --address "$CLIENT_DIR/containerd.sock" --namespace tinyrun-test "$@"
}

# ctr_cmdline: the same as a shell command line, for in_pty.
ctr_cmdline() {
	echo "nsenter -t $HOLDER_PID -m -n -- ctr --address $CLIENT_DIR/containerd.sock --namespace tinyrun-test"
}

# ctr_run [CTR-RUN-FLAGS...] -- CMD...: `ctr run` of the test image under $ID with $RUNTIME.
ctr_run() {
	local flags=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		flags+=("$1")
		shift
	done
	shift
	ctrx run --runc-binary "$RUNTIME" --runc-root "$CLIENT_DIR/runtime-root" \
		--fifo-dir "$CLIENT_DIR/fifo" "${flags[@]}" "$IMAGE" "$ID" "$@"
}

# task_status ID: the STATUS column of `ctr task ls` for ID.
task_status() {
	ctrx tasks ls | awk -v id="$1" '$1 == id { print $3 }'
}

wait_task_status() {
	local tries=100 got=
	while [ "$tries" -gt 0 ]; do
		got=$(task_status "$1")
		[ "$got" = "$2" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	fail "task $1: status '$got', wanted '$2'"
}

# start_sleeper: a detached task that sleeps, running.
start_sleeper() {
	ctr_run -d -- sleep 3600 </dev/null >/dev/null || return 1
	wait_task_status "$ID" RUNNING
}

@test "containerd: run --rm echo prints the output" {
	run ctr_run --rm -- echo hello from the container </dev/null
	assert_status 0
	assert_equal "$output" "hello from the container"
}

@test "containerd: exit status 0 and 3 reach ctr" {
	run ctr_run --rm -- sh -c 'exit 0' </dev/null
	assert_status 0
	run ctr_run --rm -- sh -c 'exit 3' </dev/null
	assert_status 3
}

@test "containerd: the container has its own namespaces and the image's files" {
	run ctr_run --rm -- sh -c 'echo pid1=$$; hostname; test -x /probe && echo probe; cat /proc/1/cmdline | tr "\0" " "' </dev/null
	assert_status 0
	assert_contains "$output" "pid1=1"
	assert_contains "$output" "probe"
	assert_contains "$output" "sh -c"
}

# ctr gives the container a new network namespace with nothing but lo (no CNI): the runtime
# must bring lo up there, as runc and crun do, or a server on 127.0.0.1 is unreachable
# ("Network is unreachable") for the container's own clients.
@test "containerd: the container's own network namespace has lo up, 127.0.0.1 reachable" {
	run ctr_run --rm -- sh -c 'ip link show lo; nc -l -p 7777 >/dev/null & sleep 1; echo hi | nc 127.0.0.1 7777 && echo connected' </dev/null
	assert_status 0
	assert_contains "$output" "LOOPBACK,UP"
	assert_contains "$output" "connected"
}

@test "containerd: stdin is passed to the container" {
	run ctr_run --rm -- sh -c 'read line; echo got:$line' <<<"piped-input"
	assert_status 0
	assert_equal "$output" "got:piped-input"
}

@test "containerd: ctr task exec without a tty" {
	start_sleeper
	run ctrx tasks exec --exec-id e1 --fifo-dir "$D/fifo" "$ID" sh -c 'echo exec-out; echo exec-err >&2; exit 5' </dev/null
	assert_status 5
	assert_contains "$output" "exec-out"
	assert_contains "$output" "exec-err"
	# The exec'd process is in the same pid namespace as the task: it sees sleep as pid 1.
	run ctrx tasks exec --exec-id e2 --fifo-dir "$D/fifo" "$ID" cat /proc/1/cmdline </dev/null
	assert_status 0
	assert_contains "$output" "sleep"
}

@test "containerd: ctr task exec --tty gets a terminal" {
	start_sleeper
	run in_pty "$(ctr_cmdline) tasks exec --tty --exec-id t1 --fifo-dir $D/fifo $ID sh -c 'tty; test -t 0 && echo stdin-is-tty; stty size'"
	assert_status 0
	output=$(strip_cr <<<"$output")
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "stdin-is-tty"
}

@test "containerd: ctr run --tty gets a terminal" {
	run in_pty "$(ctr_cmdline) run --rm --tty --runc-binary $RUNTIME --runc-root $D/runtime-root --fifo-dir $D/fifo $IMAGE $ID sh -c 'tty; test -t 1 && echo stdout-is-tty; sleep 1; exit 4'"
	assert_status 4
	output=$(strip_cr <<<"$output")
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "stdout-is-tty"
}

@test "containerd: pause and resume" {
	start_sleeper
	run ctrx tasks pause "$ID"
	assert_status 0
	wait_task_status "$ID" PAUSED
	run ctrx tasks resume "$ID"
	assert_status 0
	wait_task_status "$ID" RUNNING
	# Still alive and usable after resume.
	run ctrx tasks exec --exec-id after-resume --fifo-dir "$D/fifo" "$ID" echo alive </dev/null
	assert_status 0
	assert_equal "$output" "alive"
}

@test "containerd: kill stops the task with the signal" {
	start_sleeper
	local pid
	pid=$(ctrx tasks ls | awk -v id="$ID" '$1 == id { print $2 }')
	[ -n "$pid" ] && [ -d "/proc/$pid" ]
	run ctrx tasks kill -s SIGKILL "$ID"
	assert_status 0
	wait_task_status "$ID" STOPPED
	run ctrx tasks delete "$ID"
	assert_status 0
	assert_contains "$output" "137"
	[ ! -d "/proc/$pid" ] || fail "init $pid still exists after kill + delete"
}

@test "containerd: kill --all reaches exec'd processes too" {
	start_sleeper
	ctrx tasks exec -d --exec-id bg --fifo-dir "$D/fifo" "$ID" sleep 3601 </dev/null >/dev/null 2>&1 3>&- &
	local tries=50
	while [ "$tries" -gt 0 ] && ! pgrep -f 'sleep 3601' >/dev/null; do
		sleep 0.1
		tries=$((tries - 1))
	done
	pgrep -f 'sleep 3601' >/dev/null || fail "exec'd sleep did not start"
	run ctrx tasks kill -a -s SIGKILL "$ID"
	assert_status 0
	wait_task_status "$ID" STOPPED
	tries=50
	while [ "$tries" -gt 0 ] && pgrep -f 'sleep 3601' >/dev/null; do
		sleep 0.1
		tries=$((tries - 1))
	done
	! pgrep -f 'sleep 3601' >/dev/null || fail "exec'd process survived kill --all"
	wait
}

@test "containerd: --runc-systemd-cgroup" {
	host_has_systemd || skip "host has no systemd (/run/systemd/system missing): the systemd cgroup driver cannot work"
	run ctr_run --rm --runc-systemd-cgroup -- cat /proc/self/cgroup </dev/null
	assert_status 0
	assert_contains "$output" ".scope"
}

@test "containerd: a failing config reports the runtime's error through ctr" {
	run ctr_run --rm -- /nonexistent-command </dev/null
	[ "$status" -ne 0 ] || fail "ctr run of a nonexistent command succeeded: $output"
	assert_contains "$output" "OCI runtime create failed"
	assert_contains "$output" "/nonexistent-command"
	if is_tinyrun; then
		# The shim read this from the last level=error line of <bundle>/log.json.
		assert_contains "$output" 'cannot execute "/nonexistent-command" inside the container'
	fi
	# Nothing is left: the container can be removed and no task exists.
	run task_status "$ID"
	assert_equal "$output" ""
}

@test "containerd: the runtime's state dir is the private --runc-root" {
	start_sleeper
	# The shim appends the namespace to the root it is given.
	[ -d "$D/runtime-root/tinyrun-test/$ID" ] ||
		fail "no state for $ID under $D/runtime-root: $(find "$D/runtime-root" -maxdepth 2)"
	run "$RUNTIME" --root "$D/runtime-root/tinyrun-test" state "$ID"
	assert_status 0
	assert_equal "$(jq -r .status <<<"$output")" running
}
