#!/usr/bin/env bats
# Docker (Debian's docker.io 20.10, with its own managed containerd and the runc v2 shim) with
# the runtime registered as `--add-runtime tinyrun=$RUNTIME` and selected per container with
# `docker run --runtime tinyrun`. Docker's configs carry a prestart hook (libnetwork-setkey,
# which attaches the container's netns to the bridge) and linux.sysctl.
#
# The daemon is private: --config-file (empty), --data-root, --exec-root, -H unix socket,
# --pidfile under $CLIENT_DIR, a private --cgroup-parent, and it runs in the suite's private
# mount+network namespace (tmpfs /run), so its docker0 bridge and iptables rules never touch the
# host. The Debian client /usr/bin/docker is used explicitly.

load helpers

DOCKER_CLI=/usr/bin/docker

setup_file() {
	command -v dockerd >/dev/null || skip "dockerd not installed (apt-get install docker.io)"
	[ -x "$DOCKER_CLI" ] || skip "no $DOCKER_CLI (apt-get install docker.io)"
	[ -x "$RUNTIME" ] || skip "no runtime at $RUNTIME"
	local tar
	tar=$(image_tar) || skip "could not build the test image"
	new_client_dir dkr
	local d=$CLIENT_DIR
	export DOCKER_CGROUP_PARENT=tinyrun-clients-docker-$$
	echo '{}' >"$d/daemon.json"
	start_holder || skip "cannot make a private mount+network namespace (unshare): $(cat "$d/holder.log")"
	# nsenter directly (not the in_holder function) so that $! is dockerd itself.
	nsenter -t "$HOLDER_PID" -m -n -- dockerd --config-file "$d/daemon.json" \
		--data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
		--pidfile "$d/docker.pid" --add-runtime "tinyrun=$RUNTIME" \
		--cgroup-parent "/$DOCKER_CGROUP_PARENT" \
		</dev/null >"$d/dockerd.log" 2>&1 3>&- &
	echo $! >"$d/dockerd.pid"
	if ! wait_for 300 dkr version; then
		tail -20 "$d/dockerd.log" | sed 's/^/# /' >&3
		skip "private dockerd did not start (log above)"
	fi
	if ! dkr load -i "$tar" >"$d/load.log" 2>&1; then
		cat "$d/load.log" >&3
		skip "docker load failed (log above)"
	fi
}

teardown_file() {
	[ -n "${CLIENT_DIR:-}" ] || return 0
	local left rc=0 c
	if [ -S "$CLIENT_DIR/docker.sock" ]; then
		for c in $(dkr ps -aq 2>/dev/null); do
			dkr rm -f "$c" >/dev/null 2>&1 || true
		done
	fi
	# dockerd stops its containerd on SIGTERM.
	stop_pidfile "$CLIENT_DIR/dockerd.pid" 200
	stop_holder
	left=$(procs_under "$CLIENT_DIR")
	if [ -n "$left" ]; then
		echo "# processes left behind: $left" >&3
		rc=1
	fi
	for c in /sys/fs/cgroup/*/"$DOCKER_CGROUP_PARENT"; do
		[ -d "$c" ] && { rmdir "$c" || rc=1; }
	done
	remove_client_dir || rc=1
	return $rc
}

setup() {
	NAME=dkr-$BATS_TEST_NUMBER-$RANDOM
}

teardown() {
	dkr rm -f "$NAME" >/dev/null 2>&1 || true
}

# dkr ARG...: the docker client on the private daemon.
dkr() {
	in_holder "$DOCKER_CLI" -H "unix://$CLIENT_DIR/docker.sock" "$@"
}

dkr_cmdline() {
	echo "nsenter -t $HOLDER_PID -m -n -- $DOCKER_CLI -H unix://$CLIENT_DIR/docker.sock"
}

start_sleeper() {
	dkr run -d --name "$NAME" --runtime tinyrun "$@" "$IMAGE" sleep 3600 >/dev/null </dev/null || return 1
	[ "$(dkr inspect -f '{{.State.Status}}' "$NAME")" = running ] ||
		fail "container $NAME is not running"
}

# cgroup_file CONTROLLER FILE: FILE of the container $NAME's cgroup on the host.
cgroup_file() {
	local id
	id=$(dkr inspect -f '{{.Id}}' "$NAME")
	cat "/sys/fs/cgroup/$1/$DOCKER_CGROUP_PARENT/$id/$2"
}

@test "docker: run --rm --runtime tinyrun echo, exit codes" {
	run dkr run --rm --runtime tinyrun "$IMAGE" echo hello from docker </dev/null
	assert_status 0
	assert_equal "$output" "hello from docker"
	run dkr run --rm --runtime tinyrun "$IMAGE" sh -c 'exit 3' </dev/null
	assert_status 3
}

@test "docker: the container was run by the runtime under test" {
	start_sleeper
	assert_equal "$(dkr inspect -f '{{.HostConfig.Runtime}}' "$NAME")" tinyrun
	# The runc shim keeps the runtime's state under <exec-root>/runtime-runc/moby.
	local id
	id=$(dkr inspect -f '{{.Id}}' "$NAME")
	run in_holder "$RUNTIME" --root "$CLIENT_DIR/exec/runtime-runc/moby" state "$id"
	assert_status 0
	assert_equal "$(jq -r .status <<<"$output")" running
}

@test "docker: default bridge network (prestart hook libnetwork-setkey)" {
	run dkr run --rm --runtime tinyrun "$IMAGE" sh -c 'ip -4 addr show eth0 | grep -o "inet [0-9.]*"; ip route | grep default' </dev/null
	assert_status 0
	assert_contains "$output" "inet 172.17."
	assert_contains "$output" "default via 172.17.0.1"
	# Two containers on the bridge talk to each other.
	start_sleeper
	local ip
	ip=$(dkr inspect -f '{{.NetworkSettings.IPAddress}}' "$NAME")
	dkr exec -d "$NAME" sh -c 'echo from-the-other-container | nc -l -p 18080' </dev/null
	sleep 0.3
	run dkr run --rm --runtime tinyrun "$IMAGE" nc "$ip" 18080 </dev/null
	assert_status 0
	assert_equal "$output" "from-the-other-container"
}

@test "docker: --network none and --sysctl" {
	run dkr run --rm --runtime tinyrun --network none --sysctl net.ipv4.ip_forward=1 "$IMAGE" \
		sh -c 'ls /sys/class/net; cat /proc/sys/net/ipv4/ip_forward' </dev/null
	assert_status 0
	assert_equal "$output" "$(printf 'lo\n1')"
}

@test "docker: exec prints output and returns the exit code" {
	start_sleeper
	run dkr exec "$NAME" sh -c 'echo exec-out; echo exec-err >&2; exit 5' </dev/null
	assert_status 5
	assert_contains "$output" "exec-out"
	assert_contains "$output" "exec-err"
	run dkr exec "$NAME" cat /proc/1/cmdline </dev/null
	assert_status 0
	assert_contains "$output" "sleep"
}

@test "docker: run -t and exec -it get a terminal" {
	run in_pty "$(dkr_cmdline) run --rm -t --runtime tinyrun $IMAGE sh -c 'tty; test -t 1 && echo stdout-is-tty; sleep 1; exit 4'"
	assert_status 4
	output=$(strip_cr <<<"$output")
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "stdout-is-tty"
	start_sleeper
	run in_pty "$(dkr_cmdline) exec -it $NAME sh -c 'tty; test -t 0 && echo stdin-is-tty; sleep 1'"
	assert_status 0
	output=$(strip_cr <<<"$output")
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "stdin-is-tty"
}

@test "docker: stop delivers SIGTERM" {
	dkr run -d --name "$NAME" --runtime tinyrun "$IMAGE" \
		sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null </dev/null
	local tries=50
	while [ "$tries" -gt 0 ] && ! dkr logs "$NAME" 2>/dev/null | grep -q ready; do
		sleep 0.1
		tries=$((tries - 1))
	done
	run dkr stop -t 10 "$NAME"
	assert_status 0
	assert_equal "$(dkr inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME")" "exited 7"
	run dkr rm "$NAME"
	assert_status 0
}

@test "docker: kill, and stop of a process that ignores SIGTERM" {
	start_sleeper
	run dkr stop -t 1 "$NAME"
	assert_status 0
	assert_equal "$(dkr inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$NAME")" "exited 137"
	dkr rm "$NAME" >/dev/null
	start_sleeper
	run dkr kill -s KILL "$NAME"
	assert_status 0
	run dkr wait "$NAME"
	assert_equal "$output" 137
}

@test "docker: pause and unpause" {
	start_sleeper
	run dkr pause "$NAME"
	assert_status 0
	assert_equal "$(dkr inspect -f '{{.State.Status}}' "$NAME")" paused
	run dkr unpause "$NAME"
	assert_status 0
	run dkr exec "$NAME" echo alive </dev/null
	assert_equal "$output" alive
}

@test "docker: update --memory reaches the cgroup" {
	start_sleeper --memory 128m
	assert_equal "$(cgroup_file memory memory.limit_in_bytes)" 134217728
	run dkr update --memory 64m --memory-swap 128m "$NAME"
	assert_status 0
	assert_equal "$(cgroup_file memory memory.limit_in_bytes)" 67108864
	run dkr exec "$NAME" cat /sys/fs/cgroup/memory/memory.limit_in_bytes </dev/null
	assert_equal "$output" 67108864
}

@test "docker: the runtime's error text reaches docker" {
	status=0
	output=$(dkr run --rm --runtime tinyrun "$IMAGE" /nonexistent-command 2>&1 </dev/null) || status=$?
	[ "$status" -ne 0 ] || fail "docker run of a nonexistent command succeeded: $output"
	assert_contains "$output" "/nonexistent-command"
	if is_tinyrun; then
		assert_contains "$output" 'cannot execute "/nonexistent-command" inside the container'
	fi
}
