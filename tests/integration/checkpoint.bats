#!/usr/bin/env bats
# checkpoint / restore through criu. criu 3.17 cannot run on the 6.18 dev host (its vDSO
# probe fails): there every test that needs criu skips with what `criu check` printed, probed
# once per file; tests/vm/run.sh runs this file in the VM (Debian 6.1 kernel), where it works.

load helpers

setup_file() {
	local out
	if ! command -v criu >/dev/null; then
		echo "criu is not installed (apt-get install criu)" >"$BATS_FILE_TMPDIR/criu-skip"
	elif ! out=$(criu check 2>&1); then
		printf 'criu check fails here: %s\n' "$(grep -m1 Error <<<"$out" || echo "$out")" >"$BATS_FILE_TMPDIR/criu-skip"
	fi
}

setup() {
	common_setup
	DATA=$BATS_TEST_TMPDIR/data
	mkdir -p "$DATA"
	setup_bundle
	# The counter appends 1, 2, 3... to /data/log in a bind mount; its stdio is the container's
	# own /dev/null (criu cannot restore fds on host files outside the container's root).
	update_config '.mounts += [{destination: "/data", type: "bind", source: "'"$DATA"'", options: ["rbind", "rw"]}]'
	set_args sh -c 'exec </dev/null >/dev/null 2>&1; i=0; while true; do i=$((i+1)); echo $i >>/data/log; sleep 0.2; done'
}

requires_criu() {
	if [ -s "$BATS_FILE_TMPDIR/criu-skip" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/criu-skip")"
	fi
}

# wait_count_above N: until the counter has written more than N lines (bounded, ~20 s).
wait_count_above() {
	local tries=200
	while [ "$(wc -l <"$DATA/log" 2>/dev/null || echo 0)" -le "$1" ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || fail "the counter did not get past $1: $(tail -n 3 "$DATA/log" 2>/dev/null)" || return 1
		sleep 0.1
	done
}

# assert_counted_on: /data/log is 1, 2, ..., N without a gap or a restart from 1 (read once:
# the counter is still writing).
assert_counted_on() {
	local log n
	log=$(cat "$DATA/log")
	n=$(wc -l <<<"$log")
	assert_equal "$log" "$(seq 1 "$n")" "the counter's log is 1..$n"
}

@test "checkpoint, then restore -d --pid-file: the counter continues where it was" {
	requires_criu
	local id n pid
	id=$(new_id)
	start_detached "$id"
	wait_count_above 3
	rt_detached "$id" checkpoint --image-path "$BATS_TEST_TMPDIR/img" --work-path "$BATS_TEST_TMPDIR/work" "$id"
	assert_status 0
	[ -f "$BATS_TEST_TMPDIR/img/inventory.img" ] || fail "no inventory.img in the image dir"
	# without --leave-running the container is gone, and the counter stopped
	run runtime state "$id"
	assert_failure
	n=$(wc -l <"$DATA/log")
	sleep 1
	assert_equal "$(wc -l <"$DATA/log")" "$n" "lines after the checkpoint"
	rt_detached "$id" restore -d --pid-file "$BATS_TEST_TMPDIR/pid" --image-path "$BATS_TEST_TMPDIR/img" \
		--work-path "$BATS_TEST_TMPDIR/work" --bundle "$BUNDLE" "$id"
	assert_status 0
	assert_equal "$(state_field "$id" .status)" running
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	assert_equal "$pid" "$(state_field "$id" .pid)" "--pid-file vs state .pid"
	assert_contains "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "while true"
	wait_count_above $((n + 3))
	assert_counted_on
	rt_detached "$id" delete --force "$id"
	assert_status 0
}

@test "checkpoint --leave-running keeps counting; a restore with a wrong bundle fails and leaves nothing; the image restores" {
	requires_criu
	local id id2 n
	id=$(new_id)
	start_detached "$id"
	wait_count_above 2
	rt_detached "$id" checkpoint --leave-running --image-path "$BATS_TEST_TMPDIR/img" "$id"
	assert_status 0
	[ -f "$BATS_TEST_TMPDIR/img/inventory.img" ] || fail "no inventory.img in the image dir"
	assert_equal "$(state_field "$id" .status)" running
	n=$(wc -l <"$DATA/log")
	wait_count_above $((n + 2))
	rt_detached "$id" delete --force "$id"
	assert_status 0
	id2=$(new_id)
	rt_detached "$id2" restore -d --image-path "$BATS_TEST_TMPDIR/img" --bundle "$BATS_TEST_TMPDIR/no-bundle" "$id2"
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "$BATS_TEST_TMPDIR/no-bundle"
	fi
	run runtime state "$id2"
	assert_failure
	# the image is usable once the original is gone (same id: runc 1.1.5 puts a restore under
	# another id back into the checkpointed container's cgroup path)
	n=$(wc -l <"$DATA/log")
	rt_detached "$id" restore -d --image-path "$BATS_TEST_TMPDIR/img" --bundle "$BUNDLE" "$id"
	assert_status 0
	assert_equal "$(state_field "$id" .status)" running
	wait_count_above $((n + 2))
	rt_detached "$id" delete --force "$id"
}

@test "restore without --detach waits for the restored process, exits with its status, deletes it" {
	requires_criu
	local id n rpid tries=300
	id=$(new_id)
	start_detached "$id"
	wait_count_above 1
	rt_detached "$id" checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id"
	assert_status 0
	n=$(wc -l <"$DATA/log")
	runtime restore --image-path "$BATS_TEST_TMPDIR/img" --bundle "$BUNDLE" "$id" \
		</dev/null >"$BATS_TEST_TMPDIR/restore.out" 2>&1 &
	rpid=$!
	wait_for_status "$id" running 300
	wait_count_above $((n + 2))
	runtime kill "$id" KILL
	while kill -0 "$rpid" 2>/dev/null && [ $tries -gt 0 ]; do
		sleep 0.1
		tries=$((tries - 1))
	done
	if kill -0 "$rpid" 2>/dev/null; then
		kill -9 "$rpid"
		fail "restore did not return within 30 s of the process's SIGKILL"
	fi
	status=0
	wait "$rpid" || status=$?
	assert_status 137
	run runtime state "$id"
	assert_failure
}

@test "restore from a missing image path fails, names it, and leaves nothing" {
	local id
	id=$(new_id)
	rt_detached "$id" restore -d --image-path "$BATS_TEST_TMPDIR/no-such-image" --bundle "$BUNDLE" "$id"
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "--image-path $BATS_TEST_TMPDIR/no-such-image"
	fi
	run runtime state "$id"
	assert_failure
}

@test "checkpoint where criu cannot run fails with criu's reason and the container keeps running" {
	if [ ! -s "$BATS_FILE_TMPDIR/criu-skip" ]; then
		skip "criu works here: the failure path is tested where it does not"
	fi
	local id
	id=$(new_id)
	start_detached "$id"
	rt_detached "$id" checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id"
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "criu dump failed"
	fi
	assert_equal "$(state_field "$id" .status)" running
}

@test "features reports checkpoint/restore as criu is found, and --criu names the binary" {
	requires_tinyrun "the annotation is tinyrun's (runc's says only that it was built with it)"
	run -0 runtime features
	if command -v criu >/dev/null; then
		assert_equal "$(jq -r '.annotations["io.github.tinyrun.checkpoint.enabled"]' <<<"$output")" true
	fi
	run -0 "$RUNTIME" --criu "$BATS_TEST_TMPDIR/no-criu" features
	assert_equal "$(jq -r '.annotations["io.github.tinyrun.checkpoint.enabled"]' <<<"$output")" false
	# --criu is used: a missing binary is named by checkpoint
	local id
	id=$(new_id)
	start_detached "$id"
	status=0
	"$RUNTIME" --root "$ROOT" --criu "$BATS_TEST_TMPDIR/no-criu" checkpoint --image-path "$BATS_TEST_TMPDIR/img" "$id" \
		</dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" || status=$?
	assert_failure
	assert_contains "$(cat "$BATS_TEST_TMPDIR/err")" "$BATS_TEST_TMPDIR/no-criu"
	assert_equal "$(state_field "$id" .status)" running
}
