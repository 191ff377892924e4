# Shared helpers for the tinyrun integration suites (bats-core, run as root).
#
# The runtime under test is a variable, so the same suites validate the tests themselves
# against the reference runtimes:
#   sudo bats tests/integration                       # tinyrun from this tree
#   sudo RUNTIME=$(command -v crun) bats tests/integration
#   sudo RUNTIME=$(command -v runc) bats tests/integration
#
# Each test gets: a bundle ($BUNDLE, rootfs = busybox-static + /probe), a private --root ($ROOT)
# and unique container ids (new_id). teardown() force-deletes every id it handed out and fails
# the test when anything leaked: a state dir, a cgroup dir named after the id, a process.

bats_require_minimum_version 1.5.0

INTEGRATION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$INTEGRATION_DIR/../.." && pwd)
RUNTIME=${RUNTIME:-$REPO_DIR/tinyrun}
RUNTIME_NAME=$(basename "$RUNTIME")
# crun 1.8 cannot run on this kind of cgroup v1 hybrid host (a controller on the cgroup2 mount):
# see runtimes/crun, which hides the cgroup2 mount from it.
if [ "$RUNTIME_NAME" = crun ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ] &&
	[ "$RUNTIME" != "$INTEGRATION_DIR/runtimes/crun" ]; then
	export REAL_CRUN=$RUNTIME
	RUNTIME=$INTEGRATION_DIR/runtimes/crun
fi
# Probe binary and rootfs template are built once and shared by all tests (and by bench/).
TEST_CACHE=${TINYRUN_TEST_CACHE:-/var/tmp/tinyrun-itest-cache}
BUSYBOX=${BUSYBOX:-/bin/busybox}

# ---------------------------------------------------------------------------------------------
# Small assertion helpers: on failure they say what was expected and what was seen.

fail() {
	echo "FAIL: $*" >&2
	return 1
}

# assert_status N: the last `run` exited with N.
assert_status() {
	if [ "$status" -ne "$1" ]; then
		fail "expected exit status $1, got $status; stdout: ${output}; stderr: ${stderr:-}"
	fi
}

# assert_failure: the last `run` exited non-zero.
assert_failure() {
	if [ "$status" -eq 0 ]; then
		fail "expected failure, got exit 0; stdout: ${output}; stderr: ${stderr:-}"
	fi
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		fail "expected '$2', got '$1'${3:+ ($3)}"
	fi
}

assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		fail "expected to find '$2' in: $1"
	fi
}

assert_not_contains() {
	if [[ "$1" == *"$2"* ]]; then
		fail "did not expect '$2' in: $1"
	fi
}

# kv KEY [TEXT]: value of the `KEY=value` line in TEXT (default: $output), as printed by /probe.
kv() {
	local text=${2-$output} line
	while IFS= read -r line; do
		if [ "${line%%=*}" = "$1" ]; then
			printf '%s\n' "${line#*=}"
			return 0
		fi
	done <<<"$text"
	return 1
}

# assert_kv KEY VALUE: the probe output has KEY=VALUE.
assert_kv() {
	local v
	v=$(kv "$1") || fail "no '$1=' line in output: $output" || return 1
	assert_equal "$v" "$2" "$1"
}

is_tinyrun() {
	[ "$RUNTIME_NAME" = tinyrun ]
}

# requires_tinyrun REASON: skip checks of tinyrun's own message texts on reference runtimes.
requires_tinyrun() {
	if ! is_tinyrun; then
		skip "tinyrun-only check ($*); RUNTIME is $RUNTIME_NAME"
	fi
}

# known_difference NAME REASON: skip on the reference runtime NAME, whose behaviour differs here
# from the spec or from what containerd's shim relies on (REASON says how).
known_difference() {
	if [ "$RUNTIME_NAME" = "$1" ]; then
		skip "known $1 difference: $2"
	fi
}

# assert_does_not_exist_msg: $stderr of a verb on an unknown id says "does not exist", the text
# containerd's shim matches (process/init.go). crun 1.8 says "error opening file
# `<root>/<id>/status`: No such file or directory" instead: accepted for crun only.
assert_does_not_exist_msg() {
	if [ "$RUNTIME_NAME" = crun ]; then
		assert_contains "$stderr" "No such file or directory"
	else
		assert_contains "$stderr" "does not exist"
	fi
}

# start_recvtty [INPUT]: serve $SOCK (default $BATS_TEST_TMPDIR/console.sock) as a console
# socket in capture mode (the terminal's output to $CAPTURE, default .../console.out), typing
# INPUT into the terminal first. Returns once the socket listens (recvtty writes its pid file
# then); $RECVTTY_PID is the receiver.
RECVTTY=$REPO_DIR/contrib/recvtty/recvtty
start_recvtty() {
	[ -x "$RECVTTY" ] || skip "recvtty not built ($RECVTTY; run make)"
	local pidf=$BATS_TEST_TMPDIR/recvtty.pid i
	SOCK=${SOCK:-$BATS_TEST_TMPDIR/console.sock}
	CAPTURE=${CAPTURE:-$BATS_TEST_TMPDIR/console.out}
	rm -f "$SOCK" "$pidf"
	"$RECVTTY" --mode capture --capture "$CAPTURE" ${1+--input "$1"} --pid-file "$pidf" "$SOCK" \
		</dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/recvtty.err" &
	RECVTTY_PID=$!
	for i in $(seq 100); do
		[ -s "$pidf" ] && return 0
		sleep 0.1
	done
	fail "recvtty did not listen on $SOCK: $(cat "$BATS_TEST_TMPDIR/recvtty.err")"
}

# ---------------------------------------------------------------------------------------------
# Probe + rootfs template (cached; rebuilt when probe.c or this file changes).

build_probe() {
	local src=$REPO_DIR/tests/probe/probe.c
	mkdir -p "$TEST_CACHE"
	(
		flock 9
		if [ ! -x "$TEST_CACHE/probe" ] || [ "$src" -nt "$TEST_CACHE/probe" ]; then
			gcc -static -O2 -Wall -Wextra -o "$TEST_CACHE/probe.tmp" "$src" &&
				mv "$TEST_CACHE/probe.tmp" "$TEST_CACHE/probe"
		fi
		local tpl=$TEST_CACHE/rootfs new=$TEST_CACHE/rootfs.new.$$
		if [ ! -e "$tpl/.complete" ] || [ "$TEST_CACHE/probe" -nt "$tpl/.complete" ] ||
			[ "${BASH_SOURCE[0]}" -nt "$tpl/.complete" ]; then
			# built aside and swapped in, so that a reader never sees half a template
			rm -rf "$new"
			make_rootfs "$new" && touch "$new/.complete" || return 1
			rm -rf "$TEST_CACHE/rootfs.old"
			[ ! -e "$tpl" ] || mv "$tpl" "$TEST_CACHE/rootfs.old"
			mv "$new" "$tpl"
			rm -rf "$TEST_CACHE/rootfs.old"
		fi
	) 9>"$TEST_CACHE/.lock"
}

# make_rootfs DIR: busybox-static with every applet as a symlink, /probe, a minimal /etc.
make_rootfs() {
	local r=$1 applet
	mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,mnt,run,var/tmp,usr/bin,usr/sbin}
	cp "$BUSYBOX" "$r/bin/busybox"
	for applet in $("$BUSYBOX" --list); do
		[ "$applet" = busybox ] || ln -sf busybox "$r/bin/$applet"
	done
	cp "$TEST_CACHE/probe" "$r/probe"
	chmod 1777 "$r/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$r/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$r/etc/group"
}

# The base config: what `runc spec` writes, with terminal false, a writable root, a sleeping
# /probe as the process, and without the /sys/fs/cgroup mount (mounts.bats tests that one on
# its own, so that one cgroup-mount bug does not fail every test).
base_config() {
	jq -n '{
	  ociVersion: "1.0.2",
	  process: {
	    terminal: false,
	    user: {uid: 0, gid: 0},
	    args: ["/probe", "sleep", "3600"],
	    env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
	    cwd: "/",
	    capabilities: {
	      bounding: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
	      effective: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
	      permitted: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
	      ambient: ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
	    },
	    rlimits: [{type: "RLIMIT_NOFILE", hard: 1024, soft: 1024}],
	    noNewPrivileges: true
	  },
	  root: {path: "rootfs", readonly: false},
	  hostname: "tinyrun-test",
	  mounts: [
	    {destination: "/proc", type: "proc", source: "proc"},
	    {destination: "/dev", type: "tmpfs", source: "tmpfs",
	     options: ["nosuid", "strictatime", "mode=755", "size=65536k"]},
	    {destination: "/dev/pts", type: "devpts", source: "devpts",
	     options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
	    {destination: "/dev/shm", type: "tmpfs", source: "shm",
	     options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
	    {destination: "/dev/mqueue", type: "mqueue", source: "mqueue",
	     options: ["nosuid", "noexec", "nodev"]},
	    {destination: "/sys", type: "sysfs", source: "sysfs",
	     options: ["nosuid", "noexec", "nodev", "ro"]}
	  ],
	  linux: {
	    resources: {devices: [{allow: false, access: "rwm"}]},
	    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}],
	    maskedPaths: ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
	      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	      "/sys/firmware", "/proc/scsi"],
	    readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
	  }
	}'
}

# setup_bundle [DIR]: make a bundle (default $BATS_TEST_TMPDIR/bundle) and set $BUNDLE.
setup_bundle() {
	BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
	build_probe || fail "cannot build the probe or the rootfs template in $TEST_CACHE" || return 1
	mkdir -p "$BUNDLE"
	# a shared lock: no rebuild swaps the template while it is being copied
	flock -s "$TEST_CACHE/.lock" cp -a "$TEST_CACHE/rootfs" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.complete"
	[ -x "$BUNDLE/rootfs/probe" ] || fail "no /probe in $BUNDLE/rootfs" || return 1
	base_config >"$BUNDLE/config.json"
}

# userns_bundle: a user namespace mapping root to 100000 (65536 ids), and the bundle made
# reachable by that uid through the test's temp dirs.
userns_bundle() {
	local d=$BATS_TEST_TMPDIR
	chmod 755 "$BATS_TEST_TMPDIR" "$BUNDLE" "$BUNDLE/rootfs"
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# update_config 'JQ FILTER' [BUNDLE]: edit config.json in place.
update_config() {
	local cfg=${2:-$BUNDLE}/config.json
	jq "$1" "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# set_args ARG...: process.args = the given words.
set_args() {
	local json
	json=$(jq -n '$ARGS.positional' --args -- "$@")
	update_config ".process.args = $json"
}

# ---------------------------------------------------------------------------------------------
# Running the runtime.

# runtime ARG...: the runtime under test with this test's private root.
runtime() {
	"$RUNTIME" --root "$ROOT" "$@"
}

# new_id [PREFIX]: a container id unique to this test run; teardown cleans it up.
new_id() {
	local id="${1:-tr}-$$-${BATS_TEST_NUMBER}-$RANDOM$RANDOM"
	echo "$id" >>"$BATS_TEST_TMPDIR/ids"
	echo "$id"
}

# rt_detached ID ARG...: `runtime ARG...` with stdio on files ($BATS_TEST_TMPDIR/ID.out/.err),
# so that a container that outlives the command never holds bats' output pipe open.
# Sets $status, $output (the runtime's stderr) like bats' run. The container's own output
# later lands in the same files: see container_output.
rt_detached() {
	local id=$1
	shift
	status=0
	runtime "$@" </dev/null >>"$BATS_TEST_TMPDIR/$id.out" 2>>"$BATS_TEST_TMPDIR/$id.err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/$id.err")
	stderr=$output
}

container_output() {
	cat "$BATS_TEST_TMPDIR/$1.out"
}

# create_container ID [ARG...]: create ID from $BUNDLE; fails the test unless it succeeds.
create_container() {
	local id=$1
	shift
	rt_detached "$id" create --bundle "$BUNDLE" "$@" "$id"
	if [ "$status" -ne 0 ]; then
		fail "create $id failed ($status): $output"
	fi
}

# start_detached ID: create + start, then wait until running.
start_detached() {
	create_container "$1" || return 1
	rt_detached "$1" start "$1"
	[ "$status" -eq 0 ] || fail "start $1 failed ($status): $output" || return 1
	wait_for_status "$1" running
}

# run_container [ARG...]: foreground `run` of $BUNDLE under a fresh id with the given process
# args (none: keep config). Sets $status, $output (stdout), $stderr, $ID.
run_container() {
	if [ $# -gt 0 ]; then
		set_args "$@"
	fi
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" </dev/null
}

# state_field ID JQPATH: one field of `runtime state ID` (e.g. .pid, .status).
state_field() {
	runtime state "$1" | jq -r "$2"
}

# wait_for_status ID STATUS [TIMEOUT_TENTHS]: poll `state` until .status == STATUS.
wait_for_status() {
	local id=$1 want=$2 tries=${3:-100} got=""
	while [ "$tries" -gt 0 ]; do
		got=$(state_field "$id" .status 2>/dev/null) || got=""
		[ "$got" = "$want" ] && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	fail "container $id: status '$got', wanted '$want'"
}

# exec_in ID ARG...: run a process in a running container (for tests that compare two).
exec_in() {
	local id=$1
	shift
	runtime exec "$id" "$@" </dev/null
}

# host_ns TYPE: inode of the host's (this shell's) namespace of TYPE.
host_ns() {
	stat -L -c %i "/proc/self/ns/$1"
}

# ---------------------------------------------------------------------------------------------
# Leak checks.

# cgroup_dirs_of ID: every cgroup directory whose name contains ID, on any hierarchy.
cgroup_dirs_of() {
	find /sys/fs/cgroup -maxdepth 5 -type d -name "*$1*" 2>/dev/null
}

# procs_of_test [ID]: processes left by this test: their command line names our private root or
# bundle (a runtime or its cloned init before exec), or they sit in a cgroup named after ID (the
# container's own processes after exec).
procs_of_test() {
	local f pid cmd
	# grep matches its own command line too; it has exited (and is skipped) by the time we read.
	for f in $(grep -lsaF -e "$ROOT" -e "$BUNDLE" /proc/[0-9]*/cmdline) \
		${1:+$(grep -lsF -e "/$1" /proc/[0-9]*/cgroup)}; do
		pid=${f#/proc/}
		pid=${pid%/*}
		[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
		[ -z "$cmd" ] || echo "$pid: $cmd"
	done
	return 0
}

# assert_no_leak ID: no state dir, no cgroup dir for ID and no process of this test.
assert_no_leak() {
	local id=$1 left
	if [ -e "$ROOT/$id" ]; then
		fail "state dir $ROOT/$id left behind: $(ls -A "$ROOT/$id" | tr '\n' ' ')" || return 1
	fi
	left=$(cgroup_dirs_of "$id")
	if [ -n "$left" ]; then
		fail "cgroup dirs left behind for $id: $left" || return 1
	fi
	left=$(procs_of_test "$id")
	if [ -n "$left" ]; then
		fail "processes left behind: $left" || return 1
	fi
}

# ---------------------------------------------------------------------------------------------
# setup/teardown used by every suite (a suite may wrap them).

common_setup() {
	if [ "$(id -u)" -ne 0 ]; then
		skip "integration tests need root"
	fi
	if [ ! -x "$RUNTIME" ]; then
		skip "no runtime at $RUNTIME (build tinyrun or set RUNTIME)"
	fi
	ROOT=$BATS_TEST_TMPDIR/root
	mkdir -p "$ROOT"
	: >"$BATS_TEST_TMPDIR/ids"
	setup_bundle
}

common_teardown() {
	local id rc=0 i
	[ -n "${ROOT:-}" ] || return 0
	[ -f "$BATS_TEST_TMPDIR/ids" ] || return 0
	while read -r id; do
		runtime delete --force "$id" >/dev/null 2>&1 || true
	done <"$BATS_TEST_TMPDIR/ids"
	# delete --force may return before the cgroup can be removed; give it a moment.
	while read -r id; do
		for i in $(seq 20); do
			assert_no_leak "$id" 2>/dev/null && break
			sleep 0.1
		done
		assert_no_leak "$id" || rc=1
	done <"$BATS_TEST_TMPDIR/ids"
	return $rc
}

setup() {
	common_setup
}

teardown() {
	common_teardown
}
