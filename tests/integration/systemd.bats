#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup, cgroupsPath "slice:prefix:name"): what nerdctl's
# default cgroup manager on cgroup v2 uses. Needs systemd as PID 1, so it runs in the systemd VM:
#   tests/vm/run.sh --variant systemd                 (tinyrun)
#   RUNTIME=/usr/sbin/runc tests/vm/run.sh --variant systemd    (validates the tests)
# Each test checks the transient unit (systemctl) and the cgroup files it leads to.

load helpers

# Every runtime call of this file uses the systemd driver (teardown's delete --force too).
runtime() {
	"$RUNTIME" --systemd-cgroup --root "$ROOT" "$@"
}

setup() {
	[ -d /run/systemd/system ] || skip "needs systemd as PID 1 (tests/vm/run.sh --variant systemd)"
	[ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || skip "written for the unified hierarchy"
	common_setup
	ID=$(new_id sd)
	UNIT=tinyrun-$ID.scope
	update_config ".linux.cgroupsPath = \"system.slice:tinyrun:$ID\""
}

teardown() {
	common_teardown
}

# prop NAME [UNIT]: one property of the unit, as systemctl shows it.
prop() {
	systemctl show -p "$1" --value "${2:-$UNIT}"
}

assert_prop() {
	assert_equal "$(prop "$1" "${3:-$UNIT}")" "$2" "systemctl show -p $1 ${3:-$UNIT}"
}

# assert_unit_gone: the scope is unknown to systemd (a stopped transient scope is dropped, not
# at once) and its cgroup dir is gone.
assert_unit_gone() {
	local i state
	for i in $(seq 50); do
		state=$(prop LoadState)
		[ "$state" = not-found ] && break
		sleep 0.1
	done
	assert_equal "$state" not-found "LoadState of $UNIT after the delete ($1)" || return 1
	[ ! -d "/sys/fs/cgroup/system.slice/$UNIT" ] || fail "cgroup dir of $UNIT still there ($1)"
}

# assert_file CGROUP_REL FILE VALUE
assert_file() {
	local f=/sys/fs/cgroup$1/$2
	[ -e "$f" ] || fail "$f does not exist" || return 1
	assert_equal "$(cat "$f")" "$3" "$f"
}

@test "systemd: system.slice:tinyrun:ID makes tinyrun-ID.scope with Delegate=yes holding the init" {
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	run systemctl status --no-pager "$UNIT"
	echo "$output"
	assert_status 0
	assert_contains "$output" "$pid"
	assert_prop ActiveState active
	assert_prop Delegate yes
	assert_prop Slice system.slice
	assert_prop ControlGroup "/system.slice/$UNIT"
	assert_equal "$(cat "/proc/$pid/cgroup")" "0::/system.slice/$UNIT" "/proc/$pid/cgroup"
	grep -qx "$pid" "/sys/fs/cgroup/system.slice/$UNIT/cgroup.procs" || fail "pid $pid not in the scope's cgroup.procs"
}

@test "systemd: resources show as unit properties and in the cgroup files" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 20}
		| .linux.resources.cpu = {shares: 512, quota: 50000, period: 100000}'
	create_container "$ID"
	assert_prop MemoryMax 67108864
	assert_prop TasksMax 20
	assert_prop CPUQuotaPerSecUSec 500ms
	# shares 512 -> weight 1 + (512 - 2) * 9999 / 262142 = 20
	assert_prop CPUWeight 20
	local cg=/system.slice/$UNIT
	assert_file "$cg" memory.max 67108864
	assert_file "$cg" pids.max 20
	assert_file "$cg" cpu.max "50000 100000"
	assert_file "$cg" cpu.weight 20
}

@test "systemd: a nested slice a-b.slice lands under a.slice/a-b.slice" {
	local top="trsd$$" slice
	slice="$top-n.slice"
	update_config ".linux.cgroupsPath = \"$slice:tinyrun:$ID\""
	create_container "$ID"
	pid=$(state_field "$ID" .pid)
	local want="/$top.slice/$slice/$UNIT"
	assert_equal "$(cat "/proc/$pid/cgroup")" "0::$want" "/proc/$pid/cgroup"
	[ -d "/sys/fs/cgroup$want" ] || fail "/sys/fs/cgroup$want does not exist"
	assert_prop Slice "$slice"
	assert_prop ControlGroup "$want"
}

@test "systemd: update changes the unit properties and the cgroup files" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 20}
		| .linux.resources.cpu = {quota: 50000, period: 100000}'
	start_detached "$ID"
	local cg=/system.slice/$UNIT
	run runtime update --resources - "$ID" <<-'EOF'
		{"memory": {"limit": 134217728}, "pids": {"limit": 30}, "cpu": {"quota": 20000, "period": 100000}}
	EOF
	assert_status 0
	assert_prop MemoryMax 134217728
	assert_prop TasksMax 30
	assert_prop CPUQuotaPerSecUSec 200ms
	assert_file "$cg" memory.max 134217728
	assert_file "$cg" pids.max 30
	assert_file "$cg" cpu.max "20000 100000"

	run runtime update --memory 100663296 --pids-limit 40 "$ID"
	assert_status 0
	assert_prop MemoryMax 100663296
	assert_prop TasksMax 40
	assert_file "$cg" memory.max 100663296
	assert_file "$cg" pids.max 40
}

@test "systemd: pause freezes the scope's cgroup, resume thaws it" {
	start_detached "$ID"
	local cg=/sys/fs/cgroup/system.slice/$UNIT
	run runtime pause "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" paused
	assert_equal "$(cat "$cg/cgroup.freeze")" 1 "$cg/cgroup.freeze"
	grep -qx 'frozen 1' "$cg/cgroup.events" || fail "$cg/cgroup.events: $(cat "$cg/cgroup.events")"
	run runtime resume "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" running
	assert_equal "$(cat "$cg/cgroup.freeze")" 0 "$cg/cgroup.freeze"
	# The scope survived the freeze/thaw.
	assert_prop ActiveState active
}

@test "systemd: a device denied by linux.resources.devices cannot be opened" {
	update_config '.linux.devices = [{path: "/dev/tr-kmsg", type: "c", major: 1, minor: 11,
		fileMode: 438, uid: 0, gid: 0}]'
	set_args /probe write /dev/tr-kmsg
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	wait_for_status "$ID" stopped
	assert_equal "$(container_output "$ID")" EPERM "open of /dev/tr-kmsg (c 1:11) for writing"
}

@test "systemd: delete removes the scope and its cgroup" {
	start_detached "$ID"
	run runtime kill "$ID" KILL
	assert_status 0
	wait_for_status "$ID" stopped
	run runtime delete "$ID"
	assert_status 0
	assert_unit_gone "delete"
}

@test "systemd: delete --force of a running container removes the scope" {
	set_args /bin/sh -c 'sleep 1000 & wait'
	start_detached "$ID"
	run runtime delete --force "$ID"
	assert_status 0
	assert_unit_gone "delete --force"
}

@test "systemd: a cgroupsPath not of the form slice:prefix:name is refused with the expected form" {
	update_config '.linux.cgroupsPath = "/not/a/slice"'
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	assert_contains "$output" "slice:prefix:name"
	[ "$(prop LoadState)" = not-found ] || fail "a unit $UNIT exists after the refused create"
}

# assert_unit_recorded: once the scope exists, a create that dies must have named it in
# <state>/creating (src/lib/create.c: record_pending_init runs before cgroup_enter, which is
# where StartTransientUnit is called): delete --force has nothing else to find it by.
assert_unit_recorded() {
	is_tinyrun || return 0    # runc and crun keep no such record
	[ "$(prop LoadState)" = loaded ] || return 0
	[ -e "$ROOT/$ID/state.json" ] && return 0
	grep -q "^cgroup systemd:system.slice:$UNIT:" "$ROOT/$ID/creating" ||
		fail "$UNIT exists but $ROOT/$ID/creating does not name it ($1): $(cat "$ROOT/$ID/creating" 2>&1)"
}

# Written for the systemd VM (tests/vm/run.sh --variant systemd); the development host has no
# systemd as PID 1 and skips it (setup).
@test "systemd: a create killed (SIGKILL) by its prestart hook, with the scope started: delete --force removes the scope" {
	update_config '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "kill -9 $PPID"]}]'
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	# The init dies with its runtime (PDEATHSIG), so systemd may already have collected the
	# emptied scope (seen in the VM: LoadState not-found here); while it is still loaded,
	# create's record must name it, and either way delete --force must leave no scope.
	assert_unit_recorded "killed in prestart"
	rt_detached "$ID" delete --force "$ID"
	assert_status 0
	assert_unit_gone "killed in prestart"
	assert_no_leak "$ID"
}

# Each sendmsg of create: the D-Bus client's calls (Hello, AddMatch, Subscribe, StartTransientUnit;
# tinyrun's own client and sd-bus both send with sendmsg) and
# the spawn channel's messages after them. A kill at the call after StartTransientUnit is the
# window between the unit's creation and anything create does next.
@test "systemd: a create killed at its Nth sendmsg (the D-Bus calls around StartTransientUnit): delete --force removes the scope" {
	known_difference runc "runc is a multi-threaded Go program: strace without -f does not see the threads that make its syscalls"
	command -v strace >/dev/null || skip "no strace"
	local n base=$ID killed=0
	for n in $(seq 1 10); do
		ID=$base-$n
		echo "$ID" >>"$BATS_TEST_TMPDIR/ids"
		UNIT=tinyrun-$ID.scope
		update_config ".linux.cgroupsPath = \"system.slice:tinyrun:$ID\""
		status=0
		strace -o /dev/null -e trace=sendmsg -e inject="sendmsg:signal=KILL:when=$n" \
			"$RUNTIME" --systemd-cgroup --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
			>"$BATS_TEST_TMPDIR/strace.out" 2>&1 || status=$?
		[ "$status" -eq 0 ] || killed=$((killed + 1))
		assert_unit_recorded "killed at sendmsg #$n" || return 1
		rt_detached "$ID" delete --force "$ID"
		[ "$status" -eq 0 ] || fail "killed at sendmsg #$n: delete --force failed: $output" || return 1
		assert_unit_gone "killed at sendmsg #$n" || return 1
		assert_no_leak "$ID" || return 1
	done
	[ "$killed" -gt 3 ] || fail "only $killed creates were killed: the kill points missed"
}
