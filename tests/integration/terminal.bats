#!/usr/bin/env bats
# Terminals: process.terminal with --console-socket (served by contrib/recvtty in capture mode,
# which receives the pty master the way containerd's go-runc does), consoleSize, exec --tty,
# and the foreground relay of `run`/`exec -t` driven through a real terminal under tmux.

load helpers


setup() {
	common_setup
	SOCK=$BATS_TEST_TMPDIR/console.sock
	CAPTURE=$BATS_TEST_TMPDIR/console.out
	RECVTTY_PID=""
	TMUX_SOCK=""
}

teardown() {
	# ours only, by pid and by socket: a tmux server's command line names this test's files
	if [ -n "$TMUX_SOCK" ]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
	if [ -n "$RECVTTY_PID" ]; then
		kill "$RECVTTY_PID" 2>/dev/null || true
		wait "$RECVTTY_PID" 2>/dev/null || true
	fi
	common_teardown
}

# wait_recvtty: wait until recvtty has seen the container side hang up, then set $output to
# what the container wrote on its terminal (without the pty's \r) and $lines.
wait_recvtty() {
	local i
	for i in $(seq 100); do
		kill -0 "$RECVTTY_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$RECVTTY_PID" 2>/dev/null && fail "recvtty still waiting: $(cat "$CAPTURE" 2>/dev/null)"
	wait "$RECVTTY_PID" || fail "recvtty failed: $(cat "$BATS_TEST_TMPDIR/recvtty.err")" || return 1
	RECVTTY_PID=""
	output=$(tr -d '\r' <"$CAPTURE")
	mapfile -t lines <<<"$output"
}

# one_line_error: the last `run` failed and said so in exactly one non-empty line of stderr.
one_line_error() {
	assert_failure || return 1
	local n
	n=$(grep -c . <<<"$stderr")
	[ "$n" -eq 1 ] || fail "expected one line on stderr, got $n: $stderr"
}

# What a process reports about its terminal: where its stdio point, what tty(1) says, whether
# /dev/tty (the controlling terminal) opens, and the console node.
# (no $(...) around them: that would make stdout a pipe)
TTY_REPORT='for f in 0 1 2; do printf "fd$f="; readlink /proc/self/fd/$f; done
	printf "tty="; tty; printf "devtty="; /probe open /dev/tty
	echo "size=$(stty size 2>&1)"'

@test "create with a terminal: stdio are the pty slave, /dev/console is it, output reaches the socket" {
	update_config '.process.terminal = true'
	# input first: the pty's echo of it then comes before the report, not inside a line
	set_args /bin/sh -c 'read -r line; echo "got=[$line]"
		'"$TTY_REPORT"'
		/probe stat /dev/console | sed "s/^/console_/"
		/probe stat "$(tty)" | sed "s/^/slave_/"
		grep " /dev/console " /proc/self/mountinfo | cut -d" " -f9'
	start_recvtty $'typed line\n'
	ID=$(new_id)
	create_container "$ID" --console-socket "$SOCK"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_recvtty
	assert_contains "$(cat "$BATS_TEST_TMPDIR/recvtty.err")" "received"
	for f in fd0 fd1 fd2; do
		assert_kv "$f" /dev/pts/0 || return 1
	done
	assert_kv tty /dev/pts/0
	assert_kv devtty ok
	assert_kv console_type char
	assert_kv console_major 136
	assert_kv console_minor "$(kv slave_minor)"
	assert_kv slave_major 136
	# a bind of the slave from the container's devpts, not a node of its own
	grep -qx devpts <<<"$output" || fail "/dev/console is not a devpts mount: $output"
	# what recvtty typed reached the process (and was echoed by the pty)
	assert_kv got "[typed line]"
	# nothing went to the runtime's own stdio
	[ ! -s "$BATS_TEST_TMPDIR/$ID.out" ] || fail "container output on the runtime's stdout: $(container_output "$ID")"
}

@test "create with a terminal and no --console-socket fails with one clear line" {
	update_config '.process.terminal = true'
	ID=$(new_id)
	run --separate-stderr runtime create --bundle "$BUNDLE" "$ID" </dev/null
	one_line_error
	assert_contains "$stderr" console
	run --separate-stderr runtime state "$ID"
	assert_failure
	# run --detach is the same case
	ID2=$(new_id)
	run --separate-stderr runtime run --detach --bundle "$BUNDLE" "$ID2" </dev/null
	one_line_error
	assert_contains "$stderr" console
}

@test "process.consoleSize is applied to the container's terminal" {
	update_config '.process.terminal = true | .process.consoleSize = {height: 33, width: 77}'
	set_args /bin/sh -c 'echo "size=$(stty size)"'
	start_recvtty
	ID=$(new_id)
	create_container "$ID" --console-socket "$SOCK"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_recvtty
	assert_kv size "33 77"
}

@test "exec --tty --detach --console-socket: the exec'd process has its own pty" {
	ID=$(new_id)
	start_detached "$ID"
	start_recvtty $'from recvtty\n'
	rt_detached "$ID" exec --tty --detach --pid-file "$BATS_TEST_TMPDIR/exec.pid" \
		--console-socket "$SOCK" "$ID" /bin/sh -c 'read -r line; echo "got=[$line]"; '"$TTY_REPORT"
	assert_status 0
	wait_recvtty
	for f in fd0 fd1 fd2; do
		assert_kv "$f" /dev/pts/0 || return 1
	done
	assert_kv tty /dev/pts/0
	assert_kv devtty ok
	assert_kv got "[from recvtty]"
	[[ "$(cat "$BATS_TEST_TMPDIR/exec.pid")" =~ ^[0-9]+$ ]] || fail "no pid in the pid file"
	# the init's stdio are untouched (no terminal)
	pid=$(state_field "$ID" .pid)
	[[ "$(readlink "/proc/$pid/fd/0")" != /dev/pts/* ]] || fail "the init got a terminal"
	assert_equal "$(state_field "$ID" .status)" running
}

@test "exec --process with terminal and consoleSize: the size is applied" {
	ID=$(new_id)
	start_detached "$ID"
	jq -n '{terminal: true, consoleSize: {height: 20, width: 60}, user: {uid: 0, gid: 0},
		cwd: "/", env: ["PATH=/bin"], args: ["/bin/sh", "-c", "tty; stty size"]}' >"$BATS_TEST_TMPDIR/process.json"
	start_recvtty
	rt_detached "$ID" exec --detach --console-socket "$SOCK" --process "$BATS_TEST_TMPDIR/process.json" "$ID"
	assert_status 0
	wait_recvtty
	assert_equal "${lines[0]}" /dev/pts/0
	assert_equal "${lines[1]}" "20 60"
}

@test "exec --tty --console-socket in the foreground returns the exit code" {
	known_difference runc "runc refuses --console-socket without --detach"
	ID=$(new_id)
	start_detached "$ID"
	start_recvtty
	run --separate-stderr runtime exec --tty --console-socket "$SOCK" "$ID" /bin/sh -c 'tty; exit 6' </dev/null
	assert_status 6
	wait_recvtty
	assert_equal "${lines[0]}" /dev/pts/0
}

@test "exec --tty --detach without --console-socket fails with one clear line" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime exec --tty --detach "$ID" /bin/true </dev/null
	one_line_error
	assert_contains "$stderr" console
}

# ---------------------------------------------------------------------------------------------
# The foreground relay, through a real terminal: a detached tmux session of a fixed size runs
# the runtime; capture-pane reads the screen, send-keys types.

# tmux_start CMD: a new tmux server and session of 100x30 running CMD (a shell command).
tmux_start() {
	command -v tmux >/dev/null || skip "tmux is not installed (apt-get install tmux; it is in tests/deps.txt)"
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	# -f /dev/null: no user config; the pane's own shell is never used
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s t -x 100 -y 30 "$1" ||
		fail "cannot start tmux"
}

# pane_wait REGEX: poll the screen until a line matches REGEX (grep -E); $output = the screen.
pane_wait() {
	local i
	for i in $(seq 100); do
		output=$(tmux -S "$TMUX_SOCK" capture-pane -p -t t 2>/dev/null)
		grep -qE -- "$1" <<<"$output" && return 0
		sleep 0.1
	done
	fail "no line matching '$1' on the screen: $output"
}

# wait_file FILE: poll until FILE exists and is not empty.
wait_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 did not appear; screen: $(tmux -S "$TMUX_SOCK" capture-pane -p -t t 2>/dev/null)"
}

# keys ARGS...: type into the session (tmux send-keys); resize W H: resize its window.
keys() { tmux -S "$TMUX_SOCK" send-keys -t t "$@"; }
resize() { tmux -S "$TMUX_SOCK" resize-window -t t -x "$1" -y "$2"; }

# assert_exit_code N: the command under the tmux wrapper exited with N.
assert_exit_code() {
	wait_file "$BATS_TEST_TMPDIR/rc"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rc")" "rc=$1"
}

# tty_wrapper CMD...: a script that runs CMD on the pane's terminal, then writes its exit code
# and the terminal's settings afterwards (the relay must restore them) to files.
tty_wrapper() {
	local w=$BATS_TEST_TMPDIR/wrap.sh
	{
		printf '%q ' "$@"
		printf '\necho "rc=$?" >%q\n' "$BATS_TEST_TMPDIR/rc.tmp"
		printf 'stty -a >%q\n' "$BATS_TEST_TMPDIR/stty-after"
		printf 'mv %q %q\n' "$BATS_TEST_TMPDIR/rc.tmp" "$BATS_TEST_TMPDIR/rc"
	} >"$w"
	echo "bash $w"
}

# The container's script: reports its terminal, echoes a typed line, survives ^C in a sleep
# (only its own foreground processes see it, as a keystroke), reports SIGWINCH, exits as told.
INTERACTIVE='echo "size=$(stty size)"; echo "tty=$(tty)"
trap "echo \"winch=\$(stty size)\"" WINCH
trap "echo int" INT
echo ready
line=; while [ -z "$line" ]; do read -r line; done; echo "got=[$line]"
sleep 1000; echo after-sleep
while :; do read -r cmd; case $cmd in exit*) exit ${cmd#exit };; esac; done'

@test "run with a terminal under tmux: window size, tty, keystrokes, exit code, terminal restored" {
	update_config '.process.terminal = true'
	set_args /bin/sh -c "$INTERACTIVE"
	ID=$(new_id)
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID")"
	pane_wait '^ready$'
	assert_contains "$output" "size=30 100"
	assert_contains "$output" "tty=/dev/pts/0"
	keys 'hello world' Enter
	pane_wait '^got=\[hello world\]$'
	# raw mode: the line is echoed once, by the container's pty, not also by the outer terminal
	assert_equal "$(grep -c '^hello world$' <<<"$output")" 1 "echoes of the typed line"
	# the container sleeps: ^C first (it flushes the typed-ahead input)
	keys C-c
	pane_wait '^after-sleep$'
	keys 'exit 7' Enter
	assert_exit_code 7
	# the outer terminal is back in cooked mode
	after=$(cat "$BATS_TEST_TMPDIR/stty-after")
	[[ "$after" =~ (^|[[:space:]])icanon ]] || fail "icanon not restored: $after"
	[[ "$after" =~ (^|[[:space:]])echo[[:space:]] ]] || fail "echo not restored: $after"
	# run deleted the container
	run --separate-stderr runtime state "$ID"
	assert_failure
}

@test "run with a terminal under tmux: ^C is a keystroke for the container, a resize reaches it" {
	update_config '.process.terminal = true'
	set_args /bin/sh -c "$INTERACTIVE"
	ID=$(new_id)
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID")"
	pane_wait '^ready$'
	keys 'x' Enter
	pane_wait '^got=\[x\]$'
	# ^C goes through the pty: the sleeping child dies with the shell's trap run; were it a
	# signal to the runtime, only the shell (the init) would get it and the sleep would go on
	keys C-c
	pane_wait '^after-sleep$'
	assert_contains "$output" $'int\n'
	# the shell now waits in read: a resize is SIGWINCH with the new size
	resize 120 40
	pane_wait '^winch=40 120$'
	resize 80 20
	pane_wait '^winch=20 80$'
	keys 'exit 0' Enter
	assert_exit_code 0
}

@test "exec --tty in the foreground under tmux: the process starts with the window size" {
	known_difference runc "runc 1.1.5 sizes the exec pty only after the process started (it sees 0 0, then SIGWINCH)"
	ID=$(new_id)
	start_detached "$ID"
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" exec --tty "$ID" /bin/sh -c 'echo "size=$(stty size)"; read -r x')"
	pane_wait '^size='
	assert_contains "$output" "size=30 100"
	keys Enter
	assert_exit_code 0
}

@test "exec --tty in the foreground under tmux: tty, keystrokes, ^C, resize, exit code" {
	ID=$(new_id)
	start_detached "$ID"
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" exec --tty "$ID" /bin/sh -c "$INTERACTIVE")"
	pane_wait '^ready$'
	assert_contains "$output" "tty=/dev/pts/0"
	keys 'typed in tmux' Enter
	pane_wait '^got=\[typed in tmux\]$'
	assert_equal "$(grep -c '^typed in tmux$' <<<"$output")" 1 "echoes of the typed line"
	keys C-c
	pane_wait '^after-sleep$'
	resize 90 25
	pane_wait '^winch=25 90$'
	keys 'exit 5' Enter
	assert_exit_code 5
	after=$(cat "$BATS_TEST_TMPDIR/stty-after")
	[[ "$after" =~ (^|[[:space:]])icanon ]] || fail "icanon not restored: $after"
	# the container runs on
	assert_equal "$(state_field "$ID" .status)" running
}

@test "run with a terminal under tmux: delete --force from another shell ends it; terminal restored" {
	update_config '.process.terminal = true'
	set_args /bin/sh -c 'echo ready; sleep 3600'
	ID=$(new_id)
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID")"
	pane_wait '^ready$'
	# the foreground run must not keep other commands waiting for the container to exit
	run --separate-stderr timeout 20 "$RUNTIME" --root "$ROOT" delete --force "$ID"
	assert_status 0
	assert_exit_code 137
	after=$(cat "$BATS_TEST_TMPDIR/stty-after")
	[[ "$after" =~ (^|[[:space:]])icanon ]] || fail "icanon not restored: $after"
	run --separate-stderr runtime state "$ID"
	assert_failure
}

# ---------------------------------------------------------------------------------------------
# Who owns the terminal: process.user.uid (runc and crun chown the slave, and with it the
# /dev/console bind, to the process uid and keep its gid, which devpts set from its gid=
# option: the tty group of the base config). Checked on runc 1.1.5 and crun 1.8.1.

# The owner of /dev/console and of the slave, as console_uid=, console_gid=, slave_uid=, ...
OWNER_REPORT='/probe stat /dev/console | sed -n "s/^\(uid\|gid\)=/console_\1=/p"
	/probe stat "$(tty)" | sed -n "s/^\(uid\|gid\)=/slave_\1=/p"'

@test "terminal with process.user uid 1000: the slave and /dev/console belong to uid 1000, tty gid kept" {
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	set_args /bin/sh -c "$OWNER_REPORT"
	start_recvtty
	ID=$(new_id)
	create_container "$ID" --console-socket "$SOCK"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_recvtty
	assert_kv slave_uid 1000
	assert_kv slave_gid 5
	assert_kv console_uid 1000
	assert_kv console_gid 5
}

@test "terminal with process.user uid 1000 and a devpts without gid=: the gid stays the slave's (0)" {
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}
		| (.mounts[] | select(.destination == "/dev/pts") | .options) -= ["gid=5"]'
	set_args /bin/sh -c "$OWNER_REPORT"
	start_recvtty
	ID=$(new_id)
	create_container "$ID" --console-socket "$SOCK"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_recvtty
	assert_kv slave_uid 1000
	assert_kv slave_gid 0
}

@test "exec --tty --user 1000:1000: the exec'd process owns its pty" {
	# observed: crun 1.8.1 chowns the init's terminal but leaves an exec pty to root; runc
	# 1.1.5 does the same for both (fixStdioPermissions runs for init and exec alike)
	known_difference crun "crun 1.8.1 leaves the exec --tty pty owned by uid 0"
	ID=$(new_id)
	start_detached "$ID"
	start_recvtty
	rt_detached "$ID" exec --tty --detach --user 1000:1000 --console-socket "$SOCK" "$ID" \
		/bin/sh -c '/probe stat "$(tty)" | sed -n "s/^\(uid\|gid\)=/slave_\1=/p"'
	assert_status 0
	wait_recvtty
	assert_kv slave_uid 1000
	assert_kv slave_gid 5
}

@test "run with a terminal under tmux as uid 1000: the process owns its terminal" {
	update_config '.process.terminal = true | .process.user = {uid: 1000, gid: 1000}'
	set_args /bin/sh -c "$OWNER_REPORT"'; echo "owner=$(stat -c %u:%g "$(tty)")"; read -r x'
	ID=$(new_id)
	tmux_start "$(tty_wrapper "$RUNTIME" --root "$ROOT" run --bundle "$BUNDLE" "$ID")"
	pane_wait '^owner='
	assert_contains "$output" "owner=1000:5"
	assert_contains "$output" "console_uid=1000"
	keys Enter
	assert_exit_code 0
}
