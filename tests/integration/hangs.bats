#!/usr/bin/env bats
# Peers that never answer (issue 14, "Hangs"): each must end create with one named error,
# never a wait that only SIGKILL ends, and leave nothing behind (teardown's leak check).
# The `timeout` around the runtime is no timing threshold: it turns a hang into a failed test
# (status 124) instead of a stuck suite.

load helpers

LISTENER=
teardown() {
	[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null || true
	common_teardown
}

# rt_bounded ARG...: the runtime under test, killed after 60 s; sets $status and $output (stderr)
rt_bounded() {
	status=0
	timeout -k 5 60 "$RUNTIME" "$@" </dev/null >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/err")
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "the runtime hung (killed after 60 s): $output"
}

# backlog_full_listener SOCK: a unix socket that listens but never accepts, its backlog filled
# by connections of its own, so that one more connect cannot complete.
backlog_full_listener() {
	cat >"$BATS_TEST_TMPDIR/listener.py" <<'PY'
import socket, sys, time
path, ready = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(0)
held = []
while True:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        break
    held.append(c)
open(ready, "w").close()
time.sleep(3600)
PY
	python3 "$BATS_TEST_TMPDIR/listener.py" "$1" "$BATS_TEST_TMPDIR/listener.ready" </dev/null >/dev/null 2>&1 3>&- &
	LISTENER=$!
	local i
	for i in $(seq 100); do
		[ -e "$BATS_TEST_TMPDIR/listener.ready" ] && return 0
		sleep 0.1
	done
	fail "the listener did not get ready"
}

@test "a --console-socket whose listener never accepts (backlog full) fails create at once with EAGAIN" {
	# crun 1.8.1 connects with a blocking connect(2): it waits for the listener forever.
	known_difference crun "crun 1.8.1 blocks in connect(2) to a listener whose backlog is full"
	local sock=$BATS_TEST_TMPDIR/console.sock
	backlog_full_listener "$sock"
	update_config '.process.terminal = true'
	ID=$(new_id)
	rt_bounded --root "$ROOT" create --bundle "$BUNDLE" --console-socket "$sock" "$ID"
	assert_failure
	assert_contains "$output" "$sock"
	assert_contains "${output,,}" "resource temporarily unavailable"   # EAGAIN (runc: lower case)
	run "$RUNTIME" --root "$ROOT" state "$ID"
	assert_failure
}

@test "a --log FIFO that nobody reads fails at once, naming the log file" {
	# runc 1.1.5 opens --log with a plain blocking open: it waits for a reader forever.
	known_difference runc "runc 1.1.5 blocks in open(2) of a --log FIFO without a reader"
	# crun 1.8.1 does not open the log before it has something to write: create succeeds.
	known_difference crun "crun 1.8.1 opens --log lazily: create succeeds with an unread FIFO"
	local fifo=$BATS_TEST_TMPDIR/log.fifo
	mkfifo "$fifo"
	ID=$(new_id)
	rt_bounded --root "$ROOT" --log "$fifo" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" "$fifo"
	run "$RUNTIME" --root "$ROOT" state "$ID"
	assert_failure
}
