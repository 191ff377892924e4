#!/usr/bin/env bats
# linux.intelRdt and update --l3-cache-schema/--mem-bw-schema on a host without resctrl (this
# one): refused in one line naming the field, nothing left. What the group, schemata, tasks and
# mon_groups get is proven by tests/unit/test-resctrl.c on a directory laid out like
# /sys/fs/resctrl.

load helpers

setup() {
	common_setup
	if [ -d /sys/fs/resctrl/info ]; then
		skip "resctrl is mounted here: these are the checks of a host without it"
	fi
}

@test "intelRdt: create is refused without resctrl, in one line naming the field; nothing left" {
	update_config '.linux.intelRdt = {closID: "trgroup", l3CacheSchema: "L3:0=f"}'
	ID=$(new_id)
	# on files, not bats' pipes: a runtime that accepts it leaves a created container behind
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	if [ "$status" -eq 0 ]; then
		known_difference crun "crun 1.8 creates the container without resctrl, intelRdt unapplied"
	fi
	assert_failure
	assert_contains "$stderr" "ntel"
	[ ! -e /sys/fs/resctrl/trgroup ] || fail "a resctrl group was made"
	assert_no_leak "$ID"
	requires_tinyrun "message text"
	assert_equal "$stderr" "tinyrun: config.json: linux.intelRdt: resctrl is not mounted at /sys/fs/resctrl (mount -t resctrl resctrl /sys/fs/resctrl, on a CPU with Intel RDT or AMD PQoS)"
}

@test "intelRdt: update --l3-cache-schema / --mem-bw-schema is refused without resctrl; the container runs on" {
	ID=$(new_id)
	start_detached "$ID"
	run --separate-stderr runtime update --l3-cache-schema "L3:0=f" "$ID"
	assert_failure
	run --separate-stderr runtime update --mem-bw-schema "MB:0=70" "$ID"
	assert_failure
	assert_equal "$(state_field "$ID" .status)" running
	requires_tinyrun "message text"
	assert_contains "$stderr" "resctrl is not mounted at /sys/fs/resctrl"
	[ "$(grep -c . <<<"$stderr")" -eq 1 ] || fail "expected one line: $stderr"
}
