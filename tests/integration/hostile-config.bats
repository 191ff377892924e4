#!/usr/bin/env bats
# Hostile config.json: a config is input from a higher layer (an image's annotations, an
# orchestrator, a user) and must never crash, hang, wrap a number or cut a string short.
# Every case here: `create` exits non-zero with ONE line on stderr that names the JSON path (or
# the file), and leaves nothing behind (teardown's leak check: state dir, cgroups, processes).
# The path in the message is checked on tinyrun only; the reference runtimes word it otherwise.
#
# Choices made where runc (Go encoding/json) is lenient, each marked known_difference below:
#  - a duplicated key: Go keeps the last, other JSON readers the first. A config that means two
#    things to two readers (a validating layer and the runtime) is refused, with its path.
#  - invalid UTF-8: Go replaces it with U+FFFD and goes on; tinyrun (yajl) refuses the file.
#  - a number the kernel cannot hold (a device major beyond 12 bits, uid 4294967295 which
#    setresuid reads as "unchanged"): runc converts with a silent wrap; tinyrun refuses.
#  - a NUL byte ("\u0000") in any string: runc refuses it where Go hands the string to a
#    syscall (args, env, mounts) but not in the hostname or annotations; crun (yajl tree)
#    silently cuts every string at the NUL. tinyrun refuses it everywhere, with the path.
#  - unknown seccomp syscall names stay ignored, as runc and crun do (profiles list syscalls
#    newer than the host's libseccomp); unknown architectures and actions are refused.

load helpers

# hostile_fails NEEDLE [TIMEOUT]: create from $BUNDLE and check the failure as described above.
hostile_fails() {
	local needle=$1
	ID=$(new_id)
	status=0
	timeout -k 10 "${2:-600}" "$RUNTIME" --root "$ROOT" create --bundle "$BUNDLE" "$ID" </dev/null \
		>"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/err")
	# 124: timeout's TERM ended it; 137: it ignored TERM and got timeout's KILL
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "create hung (killed by timeout)" || return 1
	[ "$status" -le 128 ] || [ "$status" -ge 192 ] || fail "create died of signal $((status - 128)): $output" || return 1
	assert_failure || return 1
	[ -n "$output" ] || fail "nothing on stderr" || return 1
	[ "$(wc -l <<<"$output")" -eq 1 ] || fail "stderr is not one line: $(head -c 2000 <<<"$output")" || return 1
	assert_no_leak "$ID" || return 1
	if is_tinyrun; then
		assert_contains "$output" "$needle" || return 1
	fi
}

# hostile FILTER NEEDLE: config.json edited by the jq FILTER must be refused naming NEEDLE.
hostile() {
	update_config "$1"
	hostile_fails "$2"
}

# hostile_text PYTHON NEEDLE: config.json rewritten by a python expression over its text `t`
# (for what jq cannot write: duplicate keys, invalid UTF-8, huge or deep documents).
hostile_text() {
	python3 - "$BUNDLE/config.json" "$1" <<-'EOF'
		import sys
		p, expr = sys.argv[1], sys.argv[2]
		t = open(p, 'rb').read()
		open(p, 'wb').write(eval(expr))
	EOF
	hostile_fails "$2"
}

# ---- wrong types -------------------------------------------------------------------------

@test "type: process.args is a string" {
	known_difference crun "crun 1.8.1 accepts a string as process.args"
	hostile '.process.args = "/probe"' "config.json: process.args: expected array of strings"
}

@test "type: process.env holds a number" {
	known_difference crun "crun 1.8.1 accepts a number in process.env"
	hostile '.process.env = [1]' "config.json: process.env[0]: expected string"
}

@test "type: mounts is an object" {
	hostile '.mounts = {}' "config.json: mounts: expected array"
}

@test "type: linux.resources.memory.limit is a string" {
	known_difference crun "crun 1.8.1 accepts a string memory limit"
	hostile '.linux.resources.memory = {limit: "1G"}' "config.json: linux.resources.memory.limit: expected 64-bit integer"
}

@test "type: hostname is a number" {
	known_difference crun "crun 1.8.1 accepts a number as hostname"
	hostile '.hostname = 7' "config.json: hostname: expected string"
}

# ---- numbers out of range ---------------------------------------------------------------

@test "number: device major 2^40 (was made as 0:3)" {
	known_difference runc "runc 1.1.5 converts the major with uint32() and creates the node 0:3"
	known_difference crun "crun 1.8.1 passes the major to makedev() and creates a wrapped node"
	hostile '.linux.devices = [{path: "/dev/wrapped", type: "c", major: 1099511627776, minor: 3}]' \
		"config.json: linux.devices[0].major: 1099511627776 is out of range 0..4095"
}

@test "number: device minor 2^20 (beyond the kernel's 20 bits)" {
	known_difference runc "runc 1.1.5 lets the kernel keep the low bits of the minor"
	hostile '.linux.devices = [{path: "/dev/wrapped", type: "c", major: 1, minor: 1048576}]' \
		"config.json: linux.devices[0].minor: 1048576 is out of range 0..1048575"
}

@test "number: device major negative" {
	hostile '.linux.devices = [{path: "/dev/neg", type: "c", major: -1, minor: 3}]' \
		"config.json: linux.devices[0].major: -1 is out of range"
}

@test "number: process.user.uid 2^32" {
	hostile '.process.user.uid = 4294967296' "config.json: process.user.uid: expected unsigned 32-bit integer"
}

@test "number: process.user.uid 4294967295 ((uid_t) -1: setresuid keeps root)" {
	known_difference crun "crun 1.8.1 passes it to setresuid"
	hostile '.process.user.uid = 4294967295' "config.json: process.user.uid: 4294967295 is out of range"
}

@test "number: rlimit hard limit 2^64" {
	hostile '.process.rlimits[0].hard = 18446744073709551616' \
		"config.json: process.rlimits[0].hard: expected unsigned 64-bit integer"
}

@test "number: memory limit 2^63" {
	hostile '.linux.resources.memory = {limit: 9223372036854775808}' \
		"config.json: linux.resources.memory.limit: expected 64-bit integer"
}

@test "number: oomScoreAdj 2^31" {
	known_difference runc "runc 1.1.5 refuses it in nsexec, on two lines of stderr"
	hostile '.process.oomScoreAdj = 2147483648' "config.json: process.oomScoreAdj: expected 32-bit integer"
}

@test "number: consoleSize height 65536 (struct winsize has 16 bits)" {
	known_difference runc "runc 1.1.5 ignores consoleSize without a terminal"
	known_difference crun "crun 1.8.1 ignores consoleSize without a terminal"
	hostile '.process.consoleSize = {height: 65536, width: 80}' \
		"config.json: process.consoleSize.height: 65536 is out of range 0..65535"
}

@test "number: umask 01000 (umask keeps 9 bits)" {
	known_difference runc "runc 1.1.5 passes it to umask(), which keeps the low 9 bits"
	known_difference crun "crun 1.8.1 passes it to umask(), which keeps the low 9 bits"
	hostile '.process.user.umask = 512' "config.json: process.user.umask: 512 is out of range 0..511"
}

@test "number: seccomp errnoRet 65536 (SCMP_ACT_ERRNO keeps 16 bits: errno 0)" {
	known_difference runc "runc 1.1.5 wraps errnoRet to 16 bits"
	known_difference crun "crun 1.8.1 wraps errnoRet to 16 bits"
	hostile '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 65536}]}' \
		"linux.seccomp.syscalls[0].errnoRet: 65536 is out of range"
}

@test "number: device uid 4294967295 (chown reads it as \"unchanged\")" {
	known_difference runc "runc 1.1.5 chowns with -1: the node stays root-owned"
	known_difference crun "crun 1.8.1 chowns with -1: the node stays root-owned"
	hostile '.linux.devices = [{path: "/dev/own", type: "c", major: 1, minor: 3, uid: 4294967295}]' \
		"config.json: linux.devices[0].uid: 4294967295 is out of range"
}

@test "number: gidMappings containerID + size beyond 2^32" {
	hostile '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 4294967295, hostID: 100000, size: 2}]' \
		"config.json: linux.gidMappings[0].size: 2 is out of range 0..1"
}

@test "number: timeOffsets nanosecs 1e9 (a whole second)" {
	known_difference crun "crun 1.8.1 fails in its child with \"write to sync socket\", at times with exit 255 and no message"
	hostile '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {monotonic: {secs: 1, nanosecs: 1000000000}}' \
		"config.json: linux.timeOffsets[\"monotonic\"].nanosecs: 1000000000 is out of range"
}

# ---- negative sizes ----------------------------------------------------------------------

@test "negative: memory limit -2" {
	known_difference crun "crun 1.8.1 fails at the cgroup write but leaves its systemd cgroup behind"
	hostile '.linux.resources.memory = {limit: -2}' \
		"config.json: linux.resources.memory.limit: -2 is out of range -1.."
}

@test "negative: rlimit soft limit -1" {
	hostile '.process.rlimits[0].soft = -1' "config.json: process.rlimits[0].soft: expected unsigned 64-bit integer"
}

@test "negative: blockIO weightDevice major -1" {
	known_difference crun "crun 1.8.1 fails at the cgroup write but leaves its systemd cgroup behind"
	hostile '.linux.resources.blockIO = {weightDevice: [{major: -1, minor: 0, weight: 100}]}' \
		"config.json: linux.resources.blockIO.weightDevice[0].major: -1 is out of range 0..4095"
}

@test "negative: uidMappings size 0" {
	hostile '.linux.namespaces += [{type: "user"}] | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 0}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' \
		"config.json: linux.uidMappings[0].size: must be at least 1"
}

@test "negative: timeOffsets nanosecs -1" {
	hostile '.linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {monotonic: {secs: 1, nanosecs: -1}}' \
		"config.json: linux.timeOffsets[\"monotonic\"].nanosecs: expected unsigned 32-bit integer"
}

@test "negative: cpu quota -5" {
	known_difference runc "runc 1.1.5 writes it; the v1 kernel reads any negative quota as unlimited"
	known_difference crun "crun 1.8.1 fails at the cgroup write but leaves its systemd cgroup behind"
	hostile '.linux.resources.cpu = {quota: -5, period: 100000}' \
		"config.json: linux.resources.cpu.quota: -5 is out of range -1.."
}

@test "negative: device cgroup major -2" {
	known_difference crun "crun 1.8.1 fails at the cgroup write but leaves its systemd cgroup behind"
	hostile '.linux.resources.devices += [{allow: true, type: "c", major: -2, minor: 3, access: "r"}]' \
		"config.json: linux.resources.devices[1].major: -2 is out of range -1..4095"
}

# ---- NUL bytes ---------------------------------------------------------------------------

@test "NUL: in process.args" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.process.args[0] = "/probe\u0000/bin/evil"' "config.json: process.args[0]: string contains a NUL byte"
}

@test "NUL: in process.env" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.process.env[1] = "TERM=xterm\u0000LD_PRELOAD=/x"' "config.json: process.env[1]: string contains a NUL byte"
}

@test "NUL: in a mount destination" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.mounts[0].destination = "/proc\u0000/../../etc"' "config.json: mounts[0].destination: string contains a NUL byte"
}

@test "NUL: in a mount source" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.mounts[1].source = "tmpfs\u0000x"' "config.json: mounts[1].source: string contains a NUL byte"
}

@test "NUL: in mount options" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.mounts[1].options[0] = "nosuid\u0000,exec"' "config.json: mounts[1].options[0]: string contains a NUL byte"
}

@test "NUL: in the hostname" {
	known_difference runc "runc 1.1.5 passes the name to sethostname with the NUL"
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.hostname = "host\u0000name"' "config.json: hostname: string contains a NUL byte"
}

@test "NUL: in root.path" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.root.path = "rootfs\u0000/../../"' "config.json: root.path: string contains a NUL byte"
}

@test "NUL: in an annotation key" {
	known_difference runc "runc 1.1.5 keeps annotations as opaque strings"
	known_difference crun "crun 1.8.1 (yajl tree) truncates the key at the NUL"
	hostile '.annotations = {"org.example\u0000x": "v"}' "config.json: annotations: object key contains a NUL byte"
}

@test "NUL: in process.cwd" {
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.process.cwd = "/tmp\u0000/../etc"' "config.json: process.cwd: string contains a NUL byte"
}

@test "NUL: in a sysctl value" {
	known_difference runc "runc 1.1.5 writes the value, NUL included (the kernel stops at it)"
	known_difference crun "crun 1.8.1 (yajl tree) truncates the string at the NUL"
	hostile '.linux.sysctl = {"kernel.domainname": "a\u0000b"}' \
		"config.json: linux.sysctl[\"kernel.domainname\"]: string contains a NUL byte"
}

# ---- invalid text ------------------------------------------------------------------------

@test "UTF-8: invalid bytes in the hostname" {
	known_difference runc "runc 1.1.5 (Go encoding/json) replaces invalid UTF-8 with U+FFFD"
	hostile_text 't.replace(b"\"tinyrun-test\"", b"\"tinyrun-\xff\xfe\"")' \
		"config.json: hostname: invalid UTF-8 in a string"
}

@test "UTF-8: an overlong encoding of '/' in process.args" {
	hostile_text 't.replace(b"\"/probe\"", b"\"\xc0\xafprobe\"")' "config.json: process.args[0]: invalid UTF-8"
}

@test "duplicate key: hostname twice" {
	known_difference runc "runc 1.1.5 (Go encoding/json) keeps the last one"
	known_difference crun "crun 1.8.1 (yajl) keeps one of them"
	hostile_text 't.replace(b"\"hostname\":", b"\"hostname\": \"first\", \"hostname\":", 1)' \
		"config.json: duplicate key \"hostname\""
}

@test "duplicate key: process.user.uid twice" {
	known_difference runc "runc 1.1.5 (Go encoding/json) keeps the last one"
	known_difference crun "crun 1.8.1 (yajl) keeps one of them"
	update_config '.process.user = {uid: 0, gid: 0}'
	hostile_text 't.replace(b"\"uid\":", b"\"uid\": 65534, \"uid\":", 1)' \
		"config.json: process.user: duplicate key \"uid\""
}

@test "size: a 20 MB config.json" {
	known_difference runc "runc 1.1.5 reads a config of any size"
	known_difference crun "crun 1.8.1 reads a config of any size"
	update_config '.annotations = {"big": ("x" * 20000000)}'
	hostile_fails "bytes, more than the 4 MiB limit for a JSON document"
}

@test "depth: 1,000,000 nested arrays under an unknown key (was SIGSEGV)" {
	known_difference crun "crun 1.8.1 (yajl tree) overflows its stack"
	hostile_text 't[:-2] + b", \"x\": " + b"[" * 1000000 + b"]" * 1000000 + b"}\n"' \
		"config.json: x[0][0][0][0][0][0][0]...: nested deeper than 64 levels"
}

@test "depth: 65 nested objects" {
	known_difference runc "runc 1.1.5 accepts nesting up to 10000 levels in an unknown key"
	known_difference crun "crun 1.8.1 accepts any nesting in an unknown key"
	hostile_text 't[:-2] + b", \"x\": " + b"{\"a\":" * 65 + b"1" + b"}" * 65 + b"}\n"' \
		"nested deeper than 64 levels"
}

# ---- semantic ----------------------------------------------------------------------------

@test "mount: destination climbing out with .." {
	known_difference runc "runc 1.1.5 resolves .. inside the rootfs (securejoin) and mounts there"
	known_difference crun "crun 1.8.1 resolves .. inside the rootfs and mounts there"
	hostile '.mounts += [{destination: "/tmp/../../../../etc/evil", type: "tmpfs", source: "tmpfs"}]' \
		"config.json: mounts[6].destination: \"..\" components are refused"
}

@test "device: unknown type" {
	known_difference crun "crun 1.8.1 accepts an unknown device type"
	hostile '.linux.devices = [{path: "/dev/x", type: "z", major: 1, minor: 3}]' \
		"config.json: linux.devices[0].type: unknown device type"
}

@test "device: relative path" {
	known_difference runc "runc 1.1.5 accepts a relative device path"
	hostile '.linux.devices = [{path: "dev/x", type: "c", major: 1, minor: 3}]' \
		"config.json: linux.devices[0].path: must be an absolute path"
}

@test "seccomp: unknown architecture" {
	hostile '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_BOGUS"]}' \
		"linux.seccomp.architectures[0]: unknown architecture"
}

@test "seccomp: unknown action" {
	hostile '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
		syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_BOGUS"}]}' \
		"config.json: linux.seccomp.syscalls[0].action: unknown seccomp action"
}

# ---- the file itself ---------------------------------------------------------------------

@test "file: config.json is a FIFO (hung until SIGKILL)" {
	known_difference runc "runc 1.1.5 blocks in open() on the FIFO"
	known_difference crun "crun 1.8.1 blocks in open() on the FIFO"
	rm "$BUNDLE/config.json"
	mkfifo "$BUNDLE/config.json"
	# the timeout only turns a hang into a failure; a fixed runtime returns at once
	hostile_fails "config.json: is a FIFO, not a regular file" 120
}

@test "file: config.json is a directory" {
	rm "$BUNDLE/config.json"
	mkdir "$BUNDLE/config.json"
	hostile_fails "config.json: is a directory, not a regular file"
}

@test "file: config.json is a symlink to a device (/dev/null)" {
	rm "$BUNDLE/config.json"
	ln -s /dev/null "$BUNDLE/config.json"
	hostile_fails "config.json: is a device, not a regular file"
}

# exec --process and update --resources read their file through the same reader (util.c).
@test "file: exec --process FIFO and update --resources FIFO are refused, not waited on" {
	known_difference runc "runc 1.1.5 blocks in open() on the FIFO"
	known_difference crun "crun 1.8.1 blocks in open() on the FIFO"
	ID=$(new_id)
	start_detached "$ID"
	mkfifo "$BATS_TEST_TMPDIR/p.json"
	# the timeout only turns a hang into a failure; a fixed runtime returns at once
	run --separate-stderr timeout -k 10 120 "$RUNTIME" --root "$ROOT" exec --process "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "exec --process FIFO hung" || return 1
	assert_failure
	requires_tinyrun "message text"
	assert_contains "$stderr" "p.json: is a FIFO, not a regular file"
	run --separate-stderr timeout -k 10 120 "$RUNTIME" --root "$ROOT" update --resources "$BATS_TEST_TMPDIR/p.json" "$ID"
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ] || fail "update --resources FIFO hung" || return 1
	assert_failure
	assert_contains "$stderr" "p.json: is a FIFO, not a regular file"
}
