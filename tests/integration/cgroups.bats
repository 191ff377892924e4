#!/usr/bin/env bats
# cgroups with the cgroupfs driver, on every layout:
#   legacy/hybrid (this host: controllers on v1, hugetlb on the cgroup2 mount at .../unified)
#   unified (pure v2: tests/vm/run.sh runs this file in a qemu VM).
# Each test reads the cgroup files of the container's own cgroup and, where cheap, checks the
# effect (forks beyond pids.max fail, memory limit OOM-kills, a denied device cannot be opened).
# What does not apply to the layout is skipped with the reason.
#   RUNTIME=$(command -v runc) bats tests/integration/cgroups.bats    validates the tests

load helpers

CG_PARENT=tinyrun-itest

setup() {
	common_setup
	CG_LAYOUT=$(cg_layout)
	ID=$(new_id cg)
	CG_REL=/$CG_PARENT/$ID
	update_config ".linux.cgroupsPath = \"$CG_REL\""
}

teardown() {
	thaw_test_cgroups
	common_teardown
}

# ---------------------------------------------------------------------------------------------
# Layout and paths.

# cg_layout: unified | hybrid | legacy, as the test (not the runtime) sees it.
cg_layout() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo unified
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo hybrid
	else
		echo legacy
	fi
}

is_unified() { [ "$CG_LAYOUT" = unified ]; }

# v2_mount: mountpoint of the cgroup2 hierarchy ("" when none).
v2_mount() {
	awk '{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo
}

# v1_mount CONTROLLER: mountpoint of the v1 hierarchy carrying CONTROLLER ("" when none).
v1_mount() {
	awk -v c="$1" '{
		for (i = 7; $i != "-"; i++);
		if ($(i + 1) != "cgroup") next
		n = split($(i + 3), o, ",")
		for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
	}' /proc/self/mountinfo
}

# cg_on_v2 CONTROLLER: the controller is served by the cgroup2 hierarchy (always on unified;
# on hybrid only the controllers listed in its cgroup.controllers, e.g. hugetlb here).
cg_on_v2() {
	local m
	is_unified && return 0
	[ -z "$(v1_mount "$1")" ] || return 1
	m=$(v2_mount)
	[ -n "$m" ] && grep -qw "$1" "$m/cgroup.controllers" 2>/dev/null
}

# cg_dir CONTROLLER: the container's cgroup dir for CONTROLLER (where its files are).
cg_dir() {
	local m
	if cg_on_v2 "$1"; then
		m=$(v2_mount)
	else
		m=$(v1_mount "$1")
	fi
	[ -n "$m" ] || return 1
	echo "$m$CG_REL"
}

# cg_has CONTROLLER: the controller exists on this machine (any hierarchy).
cg_has() {
	if is_unified; then
		grep -qw "$1" "$(v2_mount)/cgroup.controllers"
	else
		[ -n "$(v1_mount "$1")" ] || cg_on_v2 "$1"
	fi
}

# cg_cat CONTROLLER FILE: content of FILE in the container's cgroup for CONTROLLER.
cg_cat() {
	local d
	d=$(cg_dir "$1") || fail "no hierarchy for controller $1" || return 1
	[ -e "$d/$2" ] || fail "$d/$2 does not exist" || return 1
	cat "$d/$2"
}

# assert_cg CONTROLLER FILE VALUE
assert_cg() {
	local v
	v=$(cg_cat "$1" "$2") || return 1
	assert_equal "$v" "$3" "$(cg_dir "$1")/$2"
}

cg_exists() {
	local d
	d=$(cg_dir "$1") || return 1
	[ -e "$d/$2" ]
}

requires_unified() {
	is_unified || skip "needs cgroup v2 (layout here: $CG_LAYOUT; tests/vm/run.sh runs it in a VM)"
}

requires_v1() {
	is_unified && skip "cgroup v1 only (layout here: unified)"
	return 0
}

requires_controller() {
	cg_has "$1" || skip "controller $1 not available on this machine"
}

# init_pid: pid of $ID's init (host pid namespace).
init_pid() {
	state_field "$ID" .pid
}

# wait_gone PID...: until none of the pids exists (or is a zombie), 5 s at most.
wait_gone() {
	local p alive i
	for i in $(seq 50); do
		alive=""
		for p in "$@"; do
			if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then
				alive="$alive $p"
			fi
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	fail "still alive:$alive"
}

# procs_in_cgroup: pids in the container's cgroup (pids controller hierarchy; v2 the one tree).
procs_in_cgroup() {
	local c=pids
	cg_has pids || c=memory
	cat "$(cg_dir "$c")/cgroup.procs"
}

# freeze_cgroup DIR: mkdir the cgroup DIR and freeze it (v1 freezer.state, or v2 cgroup.freeze
# when DIR is on the cgroup2 mount). teardown thaws it, whatever the test did. A test that makes
# a cgroup dir itself lists it in $BATS_TEST_TMPDIR/made-cgroups too, for teardown to remove.
freeze_cgroup() {
	mkdir -p "$1" || return 1
	echo "$1" >>"$BATS_TEST_TMPDIR/made-cgroups"
	if [ -e "$1/freezer.state" ]; then
		echo FROZEN >"$1/freezer.state"
	else
		echo 1 >"$1/cgroup.freeze"
	fi
}

# thaw_test_cgroups: thaw the dirs of made-cgroups, delete the test's containers, rmdir the dirs
# (deepest first), so that a runtime that hung in a frozen cgroup cannot leak into other tests.
thaw_test_cgroups() {
	local d
	[ -f "$BATS_TEST_TMPDIR/made-cgroups" ] || return 0
	while read -r d; do
		if [ -e "$d/freezer.state" ]; then
			echo THAWED >"$d/freezer.state"
		elif [ -e "$d/cgroup.freeze" ]; then
			echo 0 >"$d/cgroup.freeze"
		fi
	done <"$BATS_TEST_TMPDIR/made-cgroups"
	while read -r d; do
		runtime delete --force "$d" >/dev/null 2>&1 || true
	done <"$BATS_TEST_TMPDIR/ids"
	awk '{ print length, $0 }' "$BATS_TEST_TMPDIR/made-cgroups" | sort -rn | cut -d' ' -f2- | while read -r d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
	rm -f "$BATS_TEST_TMPDIR/made-cgroups"
}

# create_in_frozen: `create $ID` with stdio on files. The timeout is no timing threshold: it only
# turns the old behaviour (the init frozen before it reports, create waiting forever) into a
# failed test instead of a hung suite; status 124 then says "hung".
create_in_frozen() {
	status=0
	timeout -k 10 120 "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/frozen.out" 2>"$BATS_TEST_TMPDIR/frozen.err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/frozen.err")
	[ "$status" -ne 124 ] || fail "create hung in the frozen cgroup (killed after 120 s)" || return 1
	[ "$status" -ne 0 ] || fail "create succeeded in a frozen cgroup" || return 1
}

# ---------------------------------------------------------------------------------------------

@test "cgroups: the container's init is in its own cgroup on every hierarchy" {
	create_container "$ID"
	pid=$(init_pid)
	cat "/proc/$pid/cgroup"
	local checked=0 line ctrls path c
	while IFS=: read -r _ ctrls path; do
		if [ -z "$ctrls" ]; then
			# The cgroup2 line: on hybrid, only if a controller (hugetlb) lives there.
			if [ "$CG_LAYOUT" = hybrid ] && [ "$RUNTIME_NAME" = crun ]; then
				echo "# crun runs with the cgroup2 mount hidden here (runtimes/crun): 0:: line not checked" >&3
			elif is_unified || [ -n "$(cat "$(v2_mount)/cgroup.controllers" 2>/dev/null)" ]; then
				assert_equal "$path" "$CG_REL" "0:: line of /proc/$pid/cgroup" || return 1
				checked=$((checked + 1))
			fi
			continue
		fi
		for c in ${ctrls//,/ }; do
			case "$c" in cpu | memory | pids | devices | freezer | blkio | cpuset | cpuacct)
				assert_equal "$path" "$CG_REL" "$ctrls line of /proc/$pid/cgroup" || return 1
				checked=$((checked + 1))
				;;
			esac
		done
	done <"/proc/$pid/cgroup"
	[ "$checked" -gt 0 ] || fail "no cgroup line checked in /proc/$pid/cgroup"
	# The cgroup dir really holds the pid.
	grep -qx "$pid" <(procs_in_cgroup) || fail "pid $pid not in $(cg_dir pids)/cgroup.procs"

	# Inside (no cgroup namespace in this config): the same path.
	rt_detached "$ID" start "$ID"
	run runtime exec "$ID" cat /proc/self/cgroup
	assert_status 0
	assert_contains "$output" "$CG_REL"
}

@test "cgroups: memory limit, reservation and swap are written" {
	requires_controller memory
	local mem=67108864 res=33554432 swap=134217728
	update_config ".linux.resources.memory = {limit: $mem, reservation: $res}"
	if is_unified || [ -e "$(v1_mount memory)/memory.memsw.limit_in_bytes" ]; then
		update_config ".linux.resources.memory.swap = $swap"
	fi
	create_container "$ID"
	if is_unified; then
		assert_cg memory memory.max "$mem"
		assert_cg memory memory.low "$res"
		if cg_exists memory memory.swap.max; then
			# OCI swap is memory+swap; v2's memory.swap.max is the swap alone.
			assert_cg memory memory.swap.max $((swap - mem))
		else
			echo "# no memory.swap.max (swap accounting off): swap not checked" >&3
		fi
	else
		assert_cg memory memory.limit_in_bytes "$mem"
		assert_cg memory memory.soft_limit_in_bytes "$res"
		if cg_exists memory memory.memsw.limit_in_bytes; then
			assert_cg memory memory.memsw.limit_in_bytes "$swap"
		else
			echo "# no memory.memsw.limit_in_bytes (swap accounting off): swap not checked" >&3
		fi
	fi
}

@test "cgroups: exceeding the memory limit OOM-kills the process" {
	requires_controller memory
	local mem=33554432
	update_config ".linux.resources.memory = {limit: $mem}"
	if is_unified || [ -e "$(v1_mount memory)/memory.memsw.limit_in_bytes" ]; then
		update_config ".linux.resources.memory.swap = $mem"
	fi
	# dd fills a 128 MiB buffer from /dev/zero: every page is touched.
	set_args /bin/dd if=/dev/zero of=/dev/null bs=128M count=1
	create_container "$ID"
	rt_detached "$ID" start "$ID"
	assert_status 0
	wait_for_status "$ID" stopped 300
	local n
	if is_unified; then
		n=$(awk '$1 == "oom_kill" { print $2 }' "$(cg_dir memory)/memory.events")
	else
		n=$(awk '$1 == "oom_kill" { print $2 }' "$(cg_dir memory)/memory.oom_control")
	fi
	[ "${n:-0}" -ge 1 ] || fail "oom_kill count is '${n}', expected >= 1 (dd output: $(container_output "$ID"))"
}

@test "cgroups: cpu shares, quota and period are written" {
	requires_controller cpu
	update_config '.linux.resources.cpu = {shares: 512, quota: 50000, period: 100000}'
	create_container "$ID"
	if is_unified; then
		# shares 2..262144 map linearly onto weight 1..10000: 1 + (512 - 2) * 9999 / 262142 = 20.
		assert_cg cpu cpu.weight 20
		assert_cg cpu cpu.max "50000 100000"
	else
		assert_cg cpu cpu.shares 512
		assert_cg cpu cpu.cfs_quota_us 50000
		assert_cg cpu cpu.cfs_period_us 100000
	fi
}

@test "cgroups: nerdctl's cpu realtime 0/0, empty memory and empty unified are accepted" {
	update_config '.linux.resources.cpu = {shares: 1024, realtimeRuntime: 0, realtimePeriod: 0}
		| .linux.resources.memory = {} | .linux.resources.unified = {}'
	create_container "$ID"
	assert_equal "$(state_field "$ID" .status)" created
}

@test "cgroups: cpuset cpus and mems are written and confine the process" {
	requires_controller cpuset
	update_config '.linux.resources.cpu = {cpus: "0", mems: "0"}'
	set_args /bin/grep Cpus_allowed_list /proc/self/status
	create_container "$ID"
	if is_unified; then
		assert_cg cpuset cpuset.cpus 0
		assert_cg cpuset cpuset.mems 0
	else
		assert_cg cpuset cpuset.cpus 0
		assert_cg cpuset cpuset.mems 0
	fi
	rt_detached "$ID" start "$ID"
	wait_for_status "$ID" stopped
	run container_output "$ID"
	assert_contains "$output" "Cpus_allowed_list:	0"
}

@test "cgroups: pids limit is written and forks beyond it fail" {
	requires_controller pids
	update_config '.linux.resources.pids = {limit: 8}'
	# 12 background sleeps under a limit of 8 tasks (sh itself is one); busybox sh gives up at
	# the first failed fork.
	set_args /bin/sh -c 'i=0; while [ $i -lt 12 ]; do echo try=$i; sleep 2 & i=$((i + 1)); done 2>&1; echo all-forked; wait'
	create_container "$ID"
	assert_cg pids pids.max 8
	rt_detached "$ID" start "$ID"
	wait_for_status "$ID" stopped 100
	run container_output "$ID"
	echo "$output"
	assert_contains "$output" "try=5"
	assert_contains "$output" "can't fork"
	assert_not_contains "$output" "all-forked"
}

# weight_files CONTROLLER: the weight files a non-root cgroup of CONTROLLER gets on this kernel
# (the root cgroup has none), seen in a scratch cgroup made for the purpose.
weight_files() {
	local m d
	if is_unified; then m=$(v2_mount); else m=$(v1_mount "$1"); fi
	[ -n "$m" ] || return 0
	d=$m/tinyrun-itest-probe-$$
	mkdir "$d" 2>/dev/null || return 0
	(cd "$d" && ls -d *weight* 2>/dev/null)
	rmdir "$d"
}

@test "cgroups: blkio weight is written" {
	local c files
	c=$(is_unified && echo io || echo blkio)
	requires_controller "$c"
	files=$(weight_files "$c")
	if is_unified; then
		grep -qx -e io.bfq.weight -e io.weight <<<"$files" ||
			skip "neither io.bfq.weight nor io.weight in a v2 cgroup here (no BFQ, no iocost)"
	else
		grep -qx -e blkio.weight -e blkio.bfq.weight <<<"$files" ||
			skip "no blkio.weight or blkio.bfq.weight in a v1 cgroup here (no CFQ/BFQ weight)"
	fi
	if ! is_unified && ! grep -qx blkio.weight <<<"$files"; then
		known_difference crun "1.8 writes only blkio.weight, which this kernel lacks (it has blkio.bfq.weight)"
	fi
	update_config '.linux.resources.blockIO = {weight: 500}'
	create_container "$ID"
	if is_unified; then
		if grep -qx io.bfq.weight <<<"$files"; then
			assert_contains "$(cg_cat io io.bfq.weight)" "default 500"
		else
			# blkio 10..1000 maps onto io.weight 1..10000: 1 + (500 - 10) * 9999 / 990 = 4950.
			assert_cg io io.weight "default 4950"
		fi
	elif grep -qx blkio.weight <<<"$files"; then
		assert_cg blkio blkio.weight 500
	else
		assert_contains "$(cg_cat blkio blkio.bfq.weight)" "500"
	fi
}

@test "cgroups: hugetlb limit is written for an existing page size" {
	local d sz
	d=$(ls -d /sys/kernel/mm/hugepages/hugepages-*kB 2>/dev/null | head -n 1)
	[ -n "$d" ] || skip "no huge page size on this kernel"
	requires_controller hugetlb
	sz=${d##*hugepages-}
	sz=${sz%kB}
	if [ "$sz" -ge 1048576 ]; then sz="$((sz / 1048576))GB"; elif [ "$sz" -ge 1024 ]; then sz="$((sz / 1024))MB"; else sz="${sz}KB"; fi
	if ! is_unified && cg_on_v2 hugetlb; then
		known_difference runc "1.1 fails: 'cannot set hugetlb limit: container could not join or create cgroup' (hugetlb is on the cgroup2 mount of this hybrid host)"
		known_difference crun "runs with the cgroup2 mount hidden on this hybrid host (see runtimes/crun)"
	fi
	local limit=$((4 * 1024 * 1024 * 1024))
	update_config ".linux.resources.hugepageLimits = [{pageSize: \"$sz\", limit: $limit}]"
	create_container "$ID"
	if cg_on_v2 hugetlb; then
		assert_cg hugetlb "hugetlb.$sz.max" "$limit"
	else
		assert_cg hugetlb "hugetlb.$sz.limit_in_bytes" "$limit"
	fi
	# runtime-spec 1.2: the reservation counter too, where the kernel has one (5.7+)
	if cg_on_v2 hugetlb; then f="hugetlb.$sz.rsvd.max"; else f="hugetlb.$sz.rsvd.limit_in_bytes"; fi
	if cg_exists hugetlb "$f"; then
		assert_cg hugetlb "$f" "$limit"
	fi
}

# A device outside the runtimes' default allow list (null, zero, full, tty, random, urandom,
# ptmx, pts): /dev/kmsg, c 1:11.
add_kmsg_device() {
	update_config '.linux.devices = [{path: "/dev/tr-kmsg", type: "c", major: 1, minor: 11,
		fileMode: 438, uid: 0, gid: 0}]'
}

@test "cgroups: a device denied by linux.resources.devices cannot be opened" {
	# v2 has no devices controller: an eBPF program on the cgroup does the job.
	is_unified || requires_controller devices
	add_kmsg_device
	set_args /probe write /dev/tr-kmsg
	create_container "$ID"
	if ! is_unified; then
		run cg_cat devices devices.list
		assert_status 0
		assert_not_contains "$output" "c 1:11"
		assert_not_contains "$output" "a *:* rwm"
	else
		echo "# v2: the eBPF device program is checked by its effect only" >&3
	fi
	rt_detached "$ID" start "$ID"
	wait_for_status "$ID" stopped
	assert_equal "$(container_output "$ID")" EPERM "open of /dev/tr-kmsg (c 1:11) for writing"
}

@test "cgroups: a device allowed by linux.resources.devices can be opened" {
	add_kmsg_device
	update_config '.linux.resources.devices += [{allow: true, type: "c", major: 1, minor: 11, access: "rw"}]'
	set_args /probe write /dev/tr-kmsg
	create_container "$ID"
	if ! is_unified; then
		run cg_cat devices devices.list
		assert_contains "$output" "c 1:11 rw"
	fi
	rt_detached "$ID" start "$ID"
	wait_for_status "$ID" stopped
	assert_equal "$(container_output "$ID")" ok "write to /dev/tr-kmsg (c 1:11)"
}

@test "cgroups: update --resources - changes the cgroup files" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 20}
		| .linux.resources.cpu = {quota: 10000, period: 100000}'
	start_detached "$ID"
	run runtime update --resources - "$ID" <<-'EOF'
		{"memory": {"limit": 134217728}, "pids": {"limit": 30}, "cpu": {"quota": 20000, "period": 100000}}
	EOF
	assert_status 0
	assert_cg pids pids.max 30
	if is_unified; then
		assert_cg memory memory.max 134217728
		assert_cg cpu cpu.max "20000 100000"
	else
		assert_cg memory memory.limit_in_bytes 134217728
		assert_cg cpu cpu.cfs_quota_us 20000
	fi
}

@test "cgroups: update with per-field flags changes the cgroup files" {
	update_config '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 20}
		| .linux.resources.cpu = {shares: 1024, quota: 10000, period: 100000}'
	start_detached "$ID"
	run runtime update --memory 100663296 --pids-limit 40 --cpu-quota 30000 --cpu-period 200000 \
		--cpu-share 256 "$ID"
	assert_status 0
	assert_cg pids pids.max 40
	if is_unified; then
		assert_cg memory memory.max 100663296
		assert_cg cpu cpu.max "30000 200000"
		# 1 + (256 - 2) * 9999 / 262142 = 10
		assert_cg cpu cpu.weight 10
	else
		assert_cg memory memory.limit_in_bytes 100663296
		assert_cg cpu cpu.cfs_quota_us 30000
		assert_cg cpu cpu.cfs_period_us 200000
		assert_cg cpu cpu.shares 256
	fi
}

@test "cgroups: pause freezes the cgroup, resume thaws it" {
	start_detached "$ID"
	run runtime pause "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" paused
	if is_unified; then
		assert_cg pids cgroup.freeze 1
		grep -qx 'frozen 1' "$(cg_dir pids)/cgroup.events" || fail "cgroup.events: $(cat "$(cg_dir pids)/cgroup.events")"
	else
		assert_cg freezer freezer.state FROZEN
	fi
	run runtime resume "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" running
	if is_unified; then
		assert_cg pids cgroup.freeze 0
	else
		assert_cg freezer freezer.state THAWED
	fi
}

@test "cgroups: ps --format json lists every pid of the container" {
	set_args /bin/sh -c 'sleep 1000 & sleep 1000 & wait'
	start_detached "$ID"
	# wait for the two children
	for _ in $(seq 50); do
		[ "$(procs_in_cgroup | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	run --separate-stderr runtime ps --format json "$ID"
	assert_status 0
	got=$(jq -c 'sort' <<<"$output") || fail "not JSON: $output"
	want=$(procs_in_cgroup | jq -sc 'sort')
	assert_equal "$got" "$want" "ps --format json vs cgroup.procs"
	[ "$(jq length <<<"$got")" -eq 3 ] || fail "expected 3 pids, got $got"
}

@test "cgroups: events --stats prints cpu, memory and pids as JSON" {
	known_difference crun "1.8 has no events command"
	start_detached "$ID"
	run --separate-stderr runtime events --stats "$ID"
	assert_status 0
	echo "$output"
	assert_equal "$(jq -r .type <<<"$output")" stats
	assert_equal "$(jq -r .id <<<"$output")" "$ID"
	assert_equal "$(jq -r '.data.cpu.usage.total | type' <<<"$output")" number
	[ "$(jq -r '.data.memory.usage.usage' <<<"$output")" -gt 0 ] || fail "memory usage not > 0"
	[ "$(jq -r '.data.pids.current' <<<"$output")" -ge 1 ] || fail "pids.current not >= 1"
}

@test "cgroups: events --stats: PSI of cpu, memory and io on v2 (runc 1.2 shape), none on v1" {
	known_difference crun "1.8 has no events command"
	start_detached "$ID"
	d=$(cg_dir memory)
	if ! is_unified || [ ! -f "$d/memory.pressure" ]; then
		run --separate-stderr runtime events --stats "$ID"
		assert_status 0
		assert_equal "$(jq -c '[.data.cpu.psi, .data.memory.psi, .data.blkio.psi]' <<<"$output")" "[null,null,null]"
		return 0
	fi
	known_difference runc "1.1.5 predates PSI in events --stats (runc 1.2)"
	run --separate-stderr runtime events --stats "$ID"
	assert_status 0
	local c f
	for c in cpu:cpu memory:memory blkio:io; do
		f=${c#*:}.pressure
		c=${c%%:*}
		jq -e ".data.$c.psi.some | (.avg10, .avg60, .avg300, .total | type == \"number\")" <<<"$output" >/dev/null ||
			fail "$c.psi.some is not {avg10 avg60 avg300 total}: $(jq -c ".data.$c" <<<"$output")"
		# read from the container's own file: its total never runs ahead of the file read after
		now=$(awk '/^some/ { sub("total=", "", $5); print $5 }' "$d/$f")
		[ "$(jq ".data.$c.psi.some.total" <<<"$output")" -le "$now" ] || fail "$c some.total ahead of $d/$f ($now)"
	done
	jq -e '.data.memory.psi.full.total | type == "number"' <<<"$output" >/dev/null || fail "memory.psi.full missing"
}

@test "cgroups: kill --all reaches every process of the container (shared pid ns)" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args /bin/sh -c 'sleep 1000 & sleep 1000 & wait'
	start_detached "$ID"
	for _ in $(seq 50); do
		[ "$(procs_in_cgroup | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	pids=$(procs_in_cgroup)
	[ "$(wc -l <<<"$pids")" -eq 3 ] || fail "expected 3 pids in the cgroup, got: $pids"
	run runtime kill --all "$ID" KILL
	assert_status 0
	# shellcheck disable=SC2086
	wait_gone $pids
}

@test "cgroups: delete removes the cgroup dirs on every hierarchy" {
	start_detached "$ID"
	[ -n "$(cgroup_dirs_of "$ID")" ] || fail "no cgroup dir for $ID while running"
	run runtime kill "$ID" KILL
	assert_status 0
	wait_for_status "$ID" stopped
	run runtime delete "$ID"
	assert_status 0
	left=$(cgroup_dirs_of "$ID")
	[ -z "$left" ] || fail "left behind after delete: $left"
}

@test "cgroups: delete --force of a running container removes the cgroup dirs" {
	set_args /bin/sh -c 'sleep 1000 & wait'
	start_detached "$ID"
	run runtime delete --force "$ID"
	assert_status 0
	left=$(cgroup_dirs_of "$ID")
	[ -z "$left" ] || fail "left behind after delete --force: $left"
}

@test "cgroups v2: unified keys are written" {
	requires_unified
	update_config '.linux.resources.unified = {"memory.high": "50331648", "pids.max": "7"}'
	create_container "$ID"
	assert_cg memory memory.high 50331648
	assert_cg pids pids.max 7
}

@test "cgroups v2: realtime 0/0 does not try cpu.rt files" {
	requires_unified
	update_config '.linux.resources.cpu = {quota: 25000, period: 100000, realtimeRuntime: 0, realtimePeriod: 0}'
	create_container "$ID"
	assert_cg cpu cpu.max "25000 100000"
}

@test "cgroups v1: unified resources are rejected naming linux.resources.unified" {
	requires_v1
	known_difference crun "1.8 rejects it but leaves the cgroup dirs of the failed create behind"
	update_config '.linux.resources.unified = {"pids.max": "7"}'
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "linux.resources.unified"
	fi
}

# Issue 8, bullet 5. runc 1.1 refuses ("container's cgroup unexpectedly frozen", factory_linux.go);
# before the fix tinyrun's init entered the frozen cgroup and create waited forever.
@test "cgroups v1: create refuses a cgroupsPath whose freezer cgroup is FROZEN" {
	requires_v1
	requires_controller freezer
	known_difference crun "1.8.1 does not check the freezer state: its create hangs in the frozen cgroup"
	local d
	d=$(v1_mount freezer)$CG_REL
	freeze_cgroup "$d"
	create_in_frozen
	assert_contains "$output" "frozen"
	if is_tinyrun; then
		assert_contains "$output" "linux.cgroupsPath: cgroup $d is frozen (freezer.state FROZEN)"
		assert_contains "$output" "echo THAWED > $d/freezer.state"
	fi
	# nothing of the container was left running (frozen) in it, and it was left as it was
	assert_equal "$(cat "$d/cgroup.procs")" "" "$d/cgroup.procs"
	assert_equal "$(cat "$d/freezer.state")" FROZEN "$d/freezer.state"
}

@test "cgroups v1: create refuses a cgroupsPath under a FROZEN freezer parent" {
	requires_v1
	requires_controller freezer
	# runc 1.1.5 reads the freezer state of the container's own cgroup before it exists (THAWED),
	# then mkdirs it under the frozen parent, which the child inherits: its init hangs there
	known_difference runc "checks only its own, not yet created, cgroup: hangs under a frozen parent"
	known_difference crun "1.8.1 does not check the freezer state: its create hangs in the frozen cgroup"
	local parent
	parent=$(v1_mount freezer)/$CG_PARENT-frozen-$ID
	CG_REL=/$CG_PARENT-frozen-$ID/child
	update_config ".linux.cgroupsPath = \"$CG_REL\""
	freeze_cgroup "$parent"
	create_in_frozen
	assert_contains "$output" "frozen"
	if is_tinyrun; then
		# checked before the child is made: the message names the frozen parent
		assert_contains "$output" "linux.cgroupsPath: cgroup $parent (parent of $parent/child) is frozen (freezer.state FROZEN)"
	fi
	# nothing was made under the frozen parent
	[ ! -e "$parent/child" ] || fail "$parent/child was created"
}

@test "cgroups v2: create refuses a cgroupsPath whose cgroup.freeze is 1" {
	local m
	m=$(v2_mount)
	[ -n "$m" ] && [ -e "$m/cgroup.subtree_control" ] || skip "no cgroup2 mount"
	# runtimes/crun hides the hybrid cgroup2 mount from crun: its init never enters it here
	if [ "$CG_LAYOUT" = hybrid ]; then
		known_difference crun "the hybrid cgroup2 mount is hidden from crun (runtimes/crun)"
		# runc 1.1.5's v1 manager reads only the v1 freezer; its init still joins the cgroup2 dir
		known_difference runc "on hybrid it checks the v1 freezer only: hangs in a frozen cgroup2 dir"
	fi
	# cgroup.freeze exists in non-root cgroups only (and since Linux 5.2)
	mkdir -p "$m$CG_REL"
	echo "$m$CG_REL" >>"$BATS_TEST_TMPDIR/made-cgroups"
	[ -e "$m$CG_REL/cgroup.freeze" ] || skip "kernel without cgroup.freeze (< 5.2)"
	freeze_cgroup "$m$CG_REL"
	create_in_frozen
	assert_contains "$output" "frozen"
	if is_tinyrun; then
		assert_contains "$output" "linux.cgroupsPath: cgroup $m$CG_REL is frozen (cgroup.freeze 1)"
		assert_contains "$output" "echo 0 > $m$CG_REL/cgroup.freeze"
	fi
}

# create_without CONTROLLER: `create $ID` in a private mount namespace where the v1 hierarchy of
# CONTROLLER is unmounted (none to unmount when the host does not mount it: net_cls and net_prio
# here). Stdio on files; sets $status and $output (stderr).
create_without() {
	local mnt
	mnt=$(v1_mount "$1")
	status=0
	unshare -m sh -c '[ -z "$1" ] || umount "$1" || exit 99; shift; exec "$@"' sh "$mnt" \
		"$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/$ID.out" 2>"$BATS_TEST_TMPDIR/$ID.err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/$ID.err")
	[ "$status" -ne 99 ] || fail "cannot umount $mnt in a private mount namespace" || return 1
	echo "# create without $1: status $status: $output" >&3
}

# Issue 8, bullet 16: a limit the host cannot apply fails create (runc: "cannot set net_cls limit:
# container could not join or create cgroup"; crun refuses too), where tinyrun only warned.
@test "cgroups v1: network.classID is refused when the net_cls controller is not mounted" {
	requires_v1
	known_difference crun "1.8.1 refuses it but leaves the cgroup dirs of the failed create behind"
	update_config '.linux.resources.network = {classID: 1048577}'
	create_without net_cls
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "linux.resources.network.classID: the net_cls cgroup controller is not mounted"
	fi
}

@test "cgroups v1: network.priorities is refused when the net_prio controller is not mounted" {
	requires_v1
	known_difference crun "1.8.1 refuses it but leaves the cgroup dirs of the failed create behind"
	update_config '.linux.resources.network = {priorities: [{name: "lo", priority: 5}]}'
	create_without net_prio
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "linux.resources.network.priorities[0]: the net_prio cgroup controller is not mounted"
	fi
}

@test "cgroups v1: pids.limit is refused when the pids controller is not mounted" {
	requires_v1
	known_difference crun "1.8.1 refuses it but leaves the cgroup dirs of the failed create behind"
	requires_controller pids
	update_config '.linux.resources.pids = {limit: 20}'
	create_without pids
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "linux.resources.pids.limit: the pids cgroup controller is not mounted"
	fi
}

@test "cgroups v1: memory.limit is refused when the memory controller is not mounted" {
	requires_v1
	known_difference crun "1.8.1 creates the container without the memory limit"
	requires_controller memory
	update_config '.linux.resources.memory = {limit: 67108864}'
	create_without memory
	assert_failure
	if is_tinyrun; then
		assert_contains "$output" "linux.resources.memory.limit: the memory cgroup controller is not mounted"
	fi
}

@test "cgroups v1: without resources, a missing controller hierarchy is no error" {
	requires_v1
	requires_controller pids
	create_without pids
	assert_status 0
	# the container really was made: created, with an init, in its memory cgroup
	assert_equal "$(state_field "$ID" .status)" created
	assert_contains "$(cat "/proc/$(state_field "$ID" .pid)/cgroup")" "$ID"
}

# has_memsw: v1 with swap accounting (memory.memsw.* files exist).
has_memsw() {
	! is_unified && [ -e "$(v1_mount memory)/memory.memsw.limit_in_bytes" ]
}

# Issue 8, bullet 17: on v1 memory.limit_in_bytes may never exceed memory.memsw.limit_in_bytes, so
# raising both must write memsw first and lowering both memory first (runc's setMemoryAndSwap);
# `update --memory -1` with no --memory-swap also lifts memsw, as runc.
@test "cgroups v1: update --memory -1 after a memory+swap limit makes both unlimited" {
	requires_v1
	known_difference crun "1.8.1 writes memory.limit_in_bytes first: EINVAL, the bug fixed here"
	has_memsw || skip "no memory.memsw.limit_in_bytes (swap accounting off)"
	update_config '.linux.resources.memory = {limit: 33554432, swap: 67108864}'
	set_args /bin/sleep 1000
	start_detached "$ID"
	local unlimited
	unlimited=$(cat "$(v1_mount memory)/memory.limit_in_bytes")
	run runtime update --memory -1 "$ID"
	assert_status 0
	assert_cg memory memory.limit_in_bytes "$unlimited"
	assert_cg memory memory.memsw.limit_in_bytes "$unlimited"
}

@test "cgroups v1: update raising then lowering memory and swap orders the two writes" {
	requires_v1
	has_memsw || skip "no memory.memsw.limit_in_bytes (swap accounting off)"
	update_config '.linux.resources.memory = {limit: 33554432, swap: 67108864}'
	set_args /bin/sleep 1000
	start_detached "$ID"
	# raise: the new memory limit (256M) is above the current memsw (64M)
	run runtime update --memory 268435456 --memory-swap 536870912 "$ID"
	assert_status 0
	assert_cg memory memory.limit_in_bytes 268435456
	assert_cg memory memory.memsw.limit_in_bytes 536870912
	# lower: the new memsw (128M) is below the current memory limit (256M)
	run runtime update --memory 67108864 --memory-swap 134217728 "$ID"
	assert_status 0
	assert_cg memory memory.limit_in_bytes 67108864
	assert_cg memory memory.memsw.limit_in_bytes 134217728
}

@test "cgroups v1: create with memory and swap in a cgroup that already has lower limits" {
	requires_v1
	has_memsw || skip "no memory.memsw.limit_in_bytes (swap accounting off)"
	# a pre-made cgroupsPath whose limits (32M/64M) are below the config's (256M/512M): the
	# memory limit alone cannot go first
	local d
	d=$(v1_mount memory)$CG_REL
	mkdir -p "$d"
	echo "$d" >>"$BATS_TEST_TMPDIR/made-cgroups"
	echo 33554432 >"$d/memory.limit_in_bytes"
	echo 67108864 >"$d/memory.memsw.limit_in_bytes"
	update_config '.linux.resources.memory = {limit: 268435456, swap: 536870912}'
	create_container "$ID"
	assert_cg memory memory.limit_in_bytes 268435456
	assert_cg memory memory.memsw.limit_in_bytes 536870912
}

@test "cgroups v1: update lowering memory below usage reports memory.limit_in_bytes busy, not memsw" {
	requires_v1
	has_memsw || skip "no memory.memsw.limit_in_bytes (swap accounting off)"
	update_config '.linux.resources.memory = {limit: 33554432, swap: 67108864}'
	set_args /bin/sleep 1000
	start_detached "$ID"
	# lowering: the memory limit goes first and the kernel refuses it (a process's kernel stack
	# alone is above 4 KiB); before, the refusal was retried memsw-first and the error named memsw
	run --separate-stderr runtime update --memory 4096 --memory-swap 8192 "$ID"
	assert_failure
	assert_cg memory memory.memsw.limit_in_bytes 67108864
	if is_tinyrun; then
		assert_contains "$stderr" "linux.resources.memory.limit: write $(cg_dir memory)/memory.limit_in_bytes: Device or resource busy"
	fi
}

# Issue 8, bullet 16, v2 side: a controller the cgroup2 mount has but that cannot be enabled down
# to the container's cgroup (here: a parent holding a process, the no-internal-process rule) is
# an error naming the parent's cgroup.subtree_control, not a setting dropped.
@test "cgroups v2: hugepageLimits is refused when hugetlb cannot be enabled in the parent" {
	local m parent
	m=$(v2_mount)
	[ -n "$m" ] && grep -qw hugetlb "$m/cgroup.controllers" || skip "hugetlb is not on the cgroup2 mount"
	cg_on_v2 hugetlb || skip "hugetlb is on a v1 hierarchy here"
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] || skip "no 2MB huge pages"
	parent=$m/$CG_PARENT-busy-$ID
	CG_REL=/$CG_PARENT-busy-$ID/child
	update_config ".linux.cgroupsPath = \"$CG_REL\" | .linux.resources.hugepageLimits = [{pageSize: \"2MB\", limit: 4194304}]"
	mkdir "$parent"
	# runc and crun leave the parent levels they made on the v1 hierarchies: teardown removes them
	local d
	for d in /sys/fs/cgroup/*/; do
		echo "$d$CG_PARENT-busy-$ID" >>"$BATS_TEST_TMPDIR/made-cgroups"
	done
	echo "$parent" >>"$BATS_TEST_TMPDIR/made-cgroups"
	sleep 1000 </dev/null >/dev/null 2>&1 &
	local busy=$!
	echo "$busy" >"$parent/cgroup.procs"
	rt_detached "$ID" create --bundle "$BUNDLE" "$ID"
	kill "$busy"
	wait "$busy" 2>/dev/null || true
	assert_failure
	if is_tinyrun && [ "$m" = /sys/fs/cgroup ]; then
		# pure v2: the v2 dir is also where the process goes, and the rule refuses the process
		# itself before any limit is written; the error names the parent holding processes
		assert_contains "$output" "$parent/child/cgroup.procs"
		assert_contains "$output" "$parent holds processes"
	elif is_tinyrun; then
		assert_contains "$output" "linux.resources.hugepageLimits[0]: the hugetlb cgroup controller is not enabled for $parent/child (it is not in $parent/cgroup.subtree_control)"
	fi
}
