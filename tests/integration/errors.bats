#!/usr/bin/env bats
# Bad configs: create fails with ONE line on stderr that names the JSON path or the file, the
# same error is the last line of a JSON --log, and nothing is left behind (state dir, process,
# cgroup). Reference runtimes word their messages differently: the exact JSON path in the
# message is checked on tinyrun only (DESIGN.md: `process.user.uid: expected unsigned integer`).

load helpers

# create_fails NEEDLE: create a container from $BUNDLE, with --log in JSON, and check the failure.
# NEEDLE must appear in the message on tinyrun (JSON path or file); on every runtime the message
# is one line, the log's last line is {"level":"error","msg":...}, and nothing leaked.
create_fails() {
	local needle=$1 log=$BATS_TEST_TMPDIR/log.json last
	ID=$(new_id)
	rt_detached "$ID" --log "$log" --log-format json create --bundle "$BUNDLE" "$ID"
	assert_failure
	[ -n "$output" ] || fail "nothing on stderr" || return 1
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $output" || return 1
	[ -s "$log" ] || fail "empty --log file" || return 1
	# crun ends its JSON lines without a newline: let jq split the stream itself
	last=$(jq -c . "$log" | tail -1)
	assert_equal "$(jq -r .level <<<"$last")" error "level in the log's last line: $last" || return 1
	[ -n "$(jq -r '.msg // empty' <<<"$last")" ] || fail "no msg in the log's last line: $last" || return 1
	assert_no_leak "$ID" || return 1
	if is_tinyrun; then
		assert_contains "$output" "$needle" || return 1
		assert_contains "$(jq -r .msg <<<"$last")" "$needle" || return 1
	fi
}

@test "wrong type: process.user.uid is a string" {
	known_difference crun "crun 1.8.1 accepts a string uid and creates the container"
	update_config '.process.user.uid = "zero"'
	create_fails process.user.uid
}

@test "wrong type: linux.namespaces is an object" {
	update_config '.linux.namespaces = {type: "pid"}'
	create_fails linux.namespaces
}

@test "bad enum: linux.namespaces[1].type is not a namespace" {
	update_config '.linux.namespaces[1].type = "bogus"'
	create_fails "linux.namespaces[1].type"
}

@test "bad enum: an unknown rlimit type" {
	update_config '.process.rlimits[0].type = "RLIMIT_BOGUS"'
	create_fails "process.rlimits[0].type"
}

@test "missing process.args" {
	known_difference crun "crun 1.8.1 accepts a process without args at create"
	update_config 'del(.process.args)'
	create_fails process.args
}

@test "nonexistent cwd" {
	known_difference runc "runc 1.1.5 creates a missing cwd"
	known_difference crun "crun 1.8.1 creates a missing cwd"
	update_config '.process.cwd = "/no/such/dir"'
	create_fails /no/such/dir
}

@test "relative cwd" {
	known_difference crun "crun 1.8.1 accepts a relative cwd"
	update_config '.process.cwd = "tmp"'
	create_fails process.cwd
}

@test "missing binary" {
	update_config '.process.args = ["/no/such/binary"]'
	create_fails /no/such/binary
}

@test "bad namespace path" {
	update_config '.linux.namespaces |= map(if .type == "network" then .path = "/no/such/netns" else . end)'
	create_fails /no/such/netns
}

@test "non-namespaced sysctl" {
	# the host's own value, so that a runtime that wrongly writes it changes nothing
	val=$(cat /proc/sys/vm/swappiness)
	update_config ".linux.sysctl = {\"vm.swappiness\": \"$val\"}"
	create_fails vm.swappiness
	assert_equal "$(cat /proc/sys/vm/swappiness)" "$val" "host vm.swappiness"
}

@test "network sysctl without a network namespace" {
	update_config '.linux.namespaces |= map(select(.type != "network")) | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	create_fails net.ipv4.ip_forward
}

@test "config.json is not JSON" {
	echo '{"ociVersion": "1.0.2", "process": ' >"$BUNDLE/config.json"
	create_fails config.json
}

@test "no config.json in the bundle" {
	rm "$BUNDLE/config.json"
	create_fails config.json
}

@test "root.path does not exist" {
	update_config '.root.path = "no-such-rootfs"'
	create_fails no-such-rootfs
}

@test "a mount with a relative destination" {
	known_difference runc "runc 1.1.5 accepts a relative mount destination (deprecated in the spec)"
	known_difference crun "crun 1.8.1 accepts a relative mount destination"
	update_config '.mounts += [{destination: "relative/dir", type: "tmpfs", source: "tmpfs"}]'
	create_fails "mounts[6].destination"
}

@test "a bind mount whose source does not exist" {
	update_config '.mounts += [{destination: "/mnt/x", type: "bind", source: "/no/such/source", options: ["bind"]}]'
	create_fails /no/such/source
}

@test "an unknown capability is a warning, not an error (runtime-spec config.md)" {
	update_config '.process.capabilities.bounding += ["CAP_BOGUS"] | .process.capabilities.effective += ["CAP_BOGUS"]'
	run_container /probe caps
	assert_status 0
	assert_kv CapBnd 0000000020000420
	assert_kv CapEff 0000000020000420
}

@test "an invalid container id" {
	ID=$(new_id)
	run --separate-stderr runtime create --bundle "$BUNDLE" "../escape"
	assert_failure
	[ ! -e "$ROOT/../escape" ] || fail "created $ROOT/../escape"
	run --separate-stderr runtime create --bundle "$BUNDLE" ""
	assert_failure
}

@test "the failed id can be reused once the config is fixed" {
	update_config '.process.args = ["/no/such/binary"]'
	create_fails /no/such/binary
	set_args /probe sleep 3600
	create_container "$ID"
	assert_equal "$(state_field "$ID" .status)" created
}

# runtime-spec config.md: runtimes "MUST NOT generate an error if they encounter an unknown
# property. Instead they MUST ignore unknown properties" (runc and crun do). A misspelt hook
# kind then silently never runs: tinyrun names each unknown property with --debug. (runc 1.1.5
# even runs "postStop" as poststop: Go's encoding/json matches keys case-insensitively; the
# hook here is /bin/true so that either way the run succeeds.)
@test "unknown properties are ignored, not errors; with --debug tinyrun names each by its JSON path" {
	update_config '.hooks = {"postStop": [{"path": "/bin/true"}]} | .process.fooBar = 1 | .annotations = {"free.key": "v"}'
	set_args /bin/echo ran
	ID=$(new_id)
	run --separate-stderr runtime --debug run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "$output" ran
	assert_no_leak "$ID" || return 1
	requires_tinyrun "the --debug lines are tinyrun's"
	assert_contains "$stderr" "config.json: hooks.postStop: unknown property, ignored as the runtime-spec says; check its spelling"
	assert_contains "$stderr" "config.json: process.fooBar: unknown property"
	# annotations are a map of free keys, not properties
	if grep -q 'free.key' <<<"$stderr"; then fail "an annotation key was reported: $stderr"; fi
}
