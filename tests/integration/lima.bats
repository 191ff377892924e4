#!/usr/bin/env bats
# Decisions of contrib/lima/tinyrun-lima, tested with a stand-in `limactl` on PATH.
# Lima itself cannot run on this machine (no KVM, no macOS): every test name says so with
# "[stand-in limactl]". Each test checks the exact message, the exit code and the argv that
# reached the stand-in (one line per call in $LOG, arguments separated by single spaces).

LIMA_SH="$BATS_TEST_DIRNAME/../../contrib/lima/tinyrun-lima"

setup() {
	T=$(cd "$BATS_TEST_TMPDIR" && pwd -P)
	mkdir -p "$T/bin" "$T/shared/bundle" "$T/private/bundle"
	LOG="$T/limactl.log"
	: >"$LOG"
	cat >"$T/bin/limactl" <<'EOF'
#!/bin/sh
# Stand-in for limactl: logs its argv, answers from FAKE_* variables.
printf '%s\n' "$*" >>"$FAKE_LOG"
case $1 in
list)
	case $* in
	*Mounts*) printf "$FAKE_MOUNTS" ;;
	*) printf "$FAKE_INSTANCES" ;;
	esac
	;;
shell)
	case $* in
	*"od -An"*) printf '%s\n%s\n' "$FAKE_UNAME_M" "$FAKE_ELF" ;;
	*" uname -m") printf '%s\n' "$FAKE_UNAME_M" ;;
	*" nerdctl "*) echo "stand-in nerdctl: $*"; exit "${FAKE_NERDCTL_RC:-0}" ;;
	*) echo "stand-in ran: $*"; exit "${FAKE_SHELL_RC:-0}" ;;
	esac
	;;
create) exit "${FAKE_CREATE_RC:-0}" ;;
copy) exit "${FAKE_COPY_RC:-0}" ;;
start) exit "${FAKE_START_RC:-0}" ;;
*) echo "stand-in: unexpected $*" >&2; exit 99 ;;
esac
EOF
	chmod +x "$T/bin/limactl"
	export FAKE_LOG="$LOG"
	export FAKE_INSTANCES='default Running\ntinyrun Running\n'
	export FAKE_MOUNTS="$T/shared\t/mnt/shared\n/tmp/lima\t/tmp/lima\n"
	export FAKE_UNAME_M=aarch64
	export FAKE_ELF=183
	export TINYRUN_LIMA_UNAME=Darwin
	unset TINYRUN_LIMA_INSTANCE TINYRUN_LIMA_SUDO TINYRUN_LIMA_BIN TINYRUN_LIMA_SRC LIMACTL
	PATH="$T/bin:/usr/bin:/bin"
	PROBE="shell tinyrun sh -c uname -m; if [ -f /usr/local/bin/tinyrun ]; then od -An -j18 -N2 -tu2 /usr/local/bin/tinyrun | tr -d ' '; else echo missing; fi"
	LIST="list --format {{.Name}} {{.Status}}"
	MOUNTS_Q="list --format {{range .Config.Mounts}}{{.Location}}	{{.MountPoint}}
{{end}} tinyrun"
}

log_is() {
	local want
	want=$(printf '%s\n' "$@")
	if [ "$(cat "$LOG")" != "$want" ]; then
		echo "limactl argv log:"; cat "$LOG"
		echo "expected:"; printf '%s\n' "$want"
		return 1
	fi
}

@test "Linux host execs tinyrun directly, no limactl [stand-in limactl; Lima cannot run here]" {
	printf '#!/bin/sh\necho "tinyrun argv: $*"; exit 7\n' >"$T/bin/fake-tinyrun"
	chmod +x "$T/bin/fake-tinyrun"
	TINYRUN_LIMA_UNAME=Linux TINYRUN_LIMA_BIN="$T/bin/fake-tinyrun" run "$LIMA_SH" --root /run/x run -b "$T/private/bundle" c1
	[ "$status" -eq 7 ]
	[ "$output" = "tinyrun argv: --root /run/x run -b $T/private/bundle c1" ]
	log_is ""
}

@test "Linux host without a tinyrun binary: exit 73 [stand-in limactl; Lima cannot run here]" {
	TINYRUN_LIMA_UNAME=Linux TINYRUN_LIMA_BIN="$T/nope" run "$LIMA_SH" state c1
	[ "$status" -eq 73 ]
	[ "$output" = "tinyrun-lima: tinyrun binary not found at $T/nope; build it (./autogen.sh && ./configure && make) or set TINYRUN_LIMA_BIN" ]
	log_is ""
}

@test "unsupported host OS: exit 69 [stand-in limactl; Lima cannot run here]" {
	TINYRUN_LIMA_UNAME=FreeBSD run "$LIMA_SH" state c1
	[ "$status" -eq 69 ]
	[ "$output" = "tinyrun-lima: unsupported host OS 'FreeBSD'; tinyrun runs on Linux, and on macOS through Lima" ]
	log_is ""
}

@test "macOS without limactl: exit 70 [stand-in limactl removed; Lima cannot run here]" {
	rm "$T/bin/limactl"
	run "$LIMA_SH" state c1
	[ "$status" -eq 70 ]
	[ "$output" = "tinyrun-lima: limactl not found in PATH; install Lima >= 2.0 (https://lima-vm.io, e.g. brew install lima)" ]
}

@test "macOS, instance missing: exit 71 [stand-in limactl; Lima cannot run here]" {
	FAKE_INSTANCES='default Running\n' run "$LIMA_SH" state c1
	[ "$status" -eq 71 ]
	[ "$output" = "tinyrun-lima: Lima instance 'tinyrun' does not exist; create it with: tinyrun-lima setup" ]
	log_is "$LIST"
}

@test "macOS, instance stopped: exit 72 [stand-in limactl; Lima cannot run here]" {
	FAKE_INSTANCES='tinyrun Stopped\n' run "$LIMA_SH" state c1
	[ "$status" -eq 72 ]
	[ "$output" = "tinyrun-lima: Lima instance 'tinyrun' is stopped; start it with: limactl start tinyrun" ]
	log_is "$LIST"
}

@test "macOS, instance broken: exit 72 [stand-in limactl; Lima cannot run here]" {
	FAKE_INSTANCES='tinyrun Broken\n' run "$LIMA_SH" state c1
	[ "$status" -eq 72 ]
	[ "$output" = "tinyrun-lima: Lima instance 'tinyrun' is Broken, not Running; see: limactl list tinyrun (or delete it and run tinyrun-lima setup)" ]
	log_is "$LIST"
}

@test "macOS, other instance name via TINYRUN_LIMA_INSTANCE [stand-in limactl; Lima cannot run here]" {
	TINYRUN_LIMA_INSTANCE=default FAKE_SHELL_RC=0 run "$LIMA_SH" state c1
	[ "$status" -eq 0 ]
	[ "$output" = "stand-in ran: shell default sudo /usr/local/bin/tinyrun state c1" ]
	log_is "$LIST" "${PROBE/shell tinyrun/shell default}" "shell default sudo /usr/local/bin/tinyrun state c1"
}

@test "macOS, binary missing in the VM: exit 73 [stand-in limactl; Lima cannot run here]" {
	FAKE_ELF=missing run "$LIMA_SH" state c1
	[ "$status" -eq 73 ]
	[ "$output" = "tinyrun-lima: /usr/local/bin/tinyrun is missing in Lima instance 'tinyrun'; build and install it with: tinyrun-lima setup" ]
	log_is "$LIST" "$PROBE"
}

@test "macOS, amd64 binary in an arm64 VM: exit 74 [stand-in limactl; Lima cannot run here]" {
	FAKE_UNAME_M=aarch64 FAKE_ELF=62 run "$LIMA_SH" state c1
	[ "$status" -eq 74 ]
	[ "$output" = "tinyrun-lima: /usr/local/bin/tinyrun in Lima instance 'tinyrun' is built for amd64 but the VM is arm64; rebuild it in the VM with: tinyrun-lima setup" ]
	log_is "$LIST" "$PROBE"
}

@test "macOS, arm64 binary in an x86_64 VM: exit 74 [stand-in limactl; Lima cannot run here]" {
	FAKE_UNAME_M=x86_64 FAKE_ELF=183 run "$LIMA_SH" state c1
	[ "$status" -eq 74 ]
	[ "$output" = "tinyrun-lima: /usr/local/bin/tinyrun in Lima instance 'tinyrun' is built for arm64 but the VM is amd64; rebuild it in the VM with: tinyrun-lima setup" ]
	log_is "$LIST" "$PROBE"
}

@test "macOS, unsupported VM architecture: exit 74 [stand-in limactl; Lima cannot run here]" {
	FAKE_UNAME_M=riscv64 run "$LIMA_SH" state c1
	[ "$status" -eq 74 ]
	[ "$output" = "tinyrun-lima: Lima instance 'tinyrun' runs on unsupported architecture 'riscv64'; tinyrun is built for x86_64 (amd64) and aarch64 (arm64)" ]
	log_is "$LIST" "$PROBE"
}

@test "macOS, x86_64 VM with amd64 binary: state goes through limactl shell with sudo, status propagated [stand-in limactl; Lima cannot run here]" {
	FAKE_UNAME_M=x86_64 FAKE_ELF=62 FAKE_SHELL_RC=3 run "$LIMA_SH" --root /run/containerd/runc/default state c1
	[ "$status" -eq 3 ]
	[ "$output" = "stand-in ran: shell tinyrun sudo /usr/local/bin/tinyrun --root /run/containerd/runc/default state c1" ]
	log_is "$LIST" "$PROBE" "shell tinyrun sudo /usr/local/bin/tinyrun --root /run/containerd/runc/default state c1"
}

@test "macOS, TINYRUN_LIMA_SUDO=0 runs as the Lima user [stand-in limactl; Lima cannot run here]" {
	TINYRUN_LIMA_SUDO=0 run "$LIMA_SH" list
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "shell tinyrun /usr/local/bin/tinyrun list"
}

@test "macOS, bundle under a mount is translated to the VM path [stand-in limactl; Lima cannot run here]" {
	cd "$T/private"
	run "$LIMA_SH" --log-format json --root /run/r run --bundle "$T/shared/bundle" -d c1
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell tinyrun sudo /usr/local/bin/tinyrun --log-format json --root /run/r run --bundle /mnt/shared/bundle -d c1"
}

@test "macOS, relative -b and --bundle= forms, cwd shared becomes --workdir [stand-in limactl; Lima cannot run here]" {
	cd "$T/shared"
	run "$LIMA_SH" create -b bundle c1
	[ "$status" -eq 0 ]
	run "$LIMA_SH" create --bundle=bundle c2
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell --workdir /mnt/shared tinyrun sudo /usr/local/bin/tinyrun create -b /mnt/shared/bundle c1" \
		"$LIST" "$PROBE" "$MOUNTS_Q" "shell --workdir /mnt/shared tinyrun sudo /usr/local/bin/tinyrun create --bundle=/mnt/shared/bundle c2"
}

@test "macOS, create without --bundle uses the shared cwd as workdir [stand-in limactl; Lima cannot run here]" {
	cd "$T/shared/bundle"
	run "$LIMA_SH" create --pid-file /run/c1.pid c1
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell --workdir /mnt/shared/bundle tinyrun sudo /usr/local/bin/tinyrun create --pid-file /run/c1.pid c1"
}

@test "macOS, bundle not shared with the VM: exit 75 [stand-in limactl; Lima cannot run here]" {
	run "$LIMA_SH" run -b "$T/private/bundle" c1
	[ "$status" -eq 75 ]
	[ "$output" = "tinyrun-lima: bundle $T/private/bundle is not shared with Lima instance 'tinyrun'; move it under a mounted directory (limactl list --format '{{.Config.Mounts}}' tinyrun) or add a mount to contrib/lima/tinyrun.yaml" ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q"
}

@test "macOS, create without --bundle in an unshared cwd: exit 75 [stand-in limactl; Lima cannot run here]" {
	cd "$T/private/bundle"
	run "$LIMA_SH" create c1
	[ "$status" -eq 75 ]
	[ "$output" = "tinyrun-lima: bundle (current directory) $T/private/bundle is not shared with Lima instance 'tinyrun'; move it under a mounted directory (limactl list --format '{{.Config.Mounts}}' tinyrun) or add a mount to contrib/lima/tinyrun.yaml" ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q"
}

@test "macOS, exec --process file is translated [stand-in limactl; Lima cannot run here]" {
	echo '{}' >"$T/shared/p.json"
	cd "$T/private"
	run "$LIMA_SH" exec --process "$T/shared/p.json" -d c1
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell tinyrun sudo /usr/local/bin/tinyrun exec --process /mnt/shared/p.json -d c1"
}

@test "macOS, exec -p of an unshared file: exit 75 [stand-in limactl; Lima cannot run here]" {
	echo '{}' >"$T/private/p.json"
	run "$LIMA_SH" exec -p "$T/private/p.json" c1
	[ "$status" -eq 75 ]
	[ "$output" = "tinyrun-lima: process file $T/private/p.json is not shared with Lima instance 'tinyrun'; move it under a mounted directory (limactl list --format '{{.Config.Mounts}}' tinyrun) or add a mount to contrib/lima/tinyrun.yaml" ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q"
}

@test "setup creates the instance from the template, starts it, builds, installs, runs hello [stand-in limactl; Lima cannot run here]" {
	src=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
	FAKE_INSTANCES='' FAKE_UNAME_M=x86_64 run "$LIMA_SH" setup
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p "$LOG")" = "$LIST" ]
	[ "$(sed -n 2p "$LOG")" = "create --name=tinyrun --tty=false --set (.mounts[] | select(.mountPoint == \"/mnt/tinyrun\") | .location) = \"$src\" $src/contrib/lima/tinyrun.yaml" ]
	[ "$(sed -n 3p "$LOG")" = "start --tty=false tinyrun" ]
	[ "$(sed -n 4p "$LOG")" = "shell tinyrun uname -m" ]
	# the build runs in the VM, for the VM's arch, and installs to /usr/local/bin/tinyrun
	grep -q '^shell --workdir / tinyrun sh -ec' "$LOG"
	grep -q 'tinyrun-build-amd64' "$LOG"
	grep -q 'sudo install -m 0755 tinyrun /usr/local/bin/tinyrun' "$LOG"
	[ "$(tail -n 1 "$LOG")" = "shell tinyrun nerdctl --runtime=/usr/local/bin/tinyrun run --rm docker.io/library/alpine:latest echo hello from tinyrun" ]
	[ "${lines[-1]}" = "tinyrun-lima: ready: lima nerdctl --runtime=/usr/local/bin/tinyrun run ... (LIMA_INSTANCE=tinyrun)" ]
}

@test "setup on a stopped instance only starts it (idempotent) [stand-in limactl; Lima cannot run here]" {
	FAKE_INSTANCES='tinyrun Stopped\n' run "$LIMA_SH" setup
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p "$LOG")" = "$LIST" ]
	[ "$(sed -n 2p "$LOG")" = "start --tty=false tinyrun" ]
	[ "$(sed -n 3p "$LOG")" = "shell tinyrun uname -m" ]
	! grep -q '^create' "$LOG"
}

# fake_src [ELF-MACHINE]: a source tree for setup in $T/src, with tinyrun-aarch64 (an ELF header
# of that machine: 183 arm64, 62 amd64) when given.
fake_src() {
	mkdir -p "$T/src/contrib/lima"
	touch "$T/src/configure.ac" "$T/src/contrib/lima/tinyrun.yaml"
	[ -z "${1:-}" ] || elf_file "$T/src/tinyrun-aarch64" "$1"
	export TINYRUN_LIMA_SRC=$T/src
}
elf_file() { # PATH MACHINE: 18 header bytes, then e_machine (little-endian)
	printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\002\000' >"$1"
	printf "\\$(printf %o $(($2 & 255)))\\000" >>"$1"
}

@test "setup on a running instance neither creates nor starts [stand-in limactl; Lima cannot run here]" {
	fake_src
	run "$LIMA_SH" setup
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p "$LOG")" = "$LIST" ]
	[ "$(sed -n 2p "$LOG")" = "shell tinyrun uname -m" ]
	! grep -q '^create\|^start' "$LOG"
	grep -q 'tinyrun-build-arm64' "$LOG"
	[ "$(tail -n 1 "$LOG")" = "shell tinyrun nerdctl --runtime=/usr/local/bin/tinyrun run --rm docker.io/library/alpine:latest echo hello from tinyrun" ]
}

@test "setup: a failing step exits 76 naming the step [stand-in limactl; Lima cannot run here]" {
	FAKE_INSTANCES='' FAKE_CREATE_RC=1 run "$LIMA_SH" setup
	[ "$status" -eq 76 ]
	src=$(cd "$BATS_TEST_DIRNAME/../.." && pwd -P)
	[ "${lines[-1]}" = "tinyrun-lima: setup step failed: creating Lima instance 'tinyrun' from $src/contrib/lima/tinyrun.yaml (source: $src) (exit 1); fix the error above and rerun: tinyrun-lima setup" ]
	[ "$(wc -l <"$LOG")" -eq 2 ]
}

@test "setup: the hello container failing exits 76 [stand-in limactl; Lima cannot run here]" {
	FAKE_NERDCTL_RC=1 run "$LIMA_SH" setup
	[ "$status" -eq 76 ]
	[ "${lines[-1]}" = "tinyrun-lima: setup step failed: running a hello container (rootless nerdctl, runtime /usr/local/bin/tinyrun) (exit 1); fix the error above and rerun: tinyrun-lima setup" ]
}

@test "setup with extra arguments: usage exit 64 [stand-in limactl; Lima cannot run here]" {
	run "$LIMA_SH" setup now
	[ "$status" -eq 64 ]
	[ "$output" = "tinyrun-lima: setup takes --binary PATH or --build; usage: tinyrun-lima setup [--binary PATH | --build]" ]
	log_is ""
}

@test "setup installs the tree's tinyrun-aarch64 in an aarch64 VM, no build [stand-in limactl; Lima cannot run here]" {
	fake_src 183
	run "$LIMA_SH" setup
	[ "$status" -eq 0 ]
	log_is "$LIST" "shell tinyrun uname -m" \
		"copy $T/src/tinyrun-aarch64 tinyrun:/tmp/tinyrun.setup" \
		"shell tinyrun sudo install -m 0755 /tmp/tinyrun.setup /usr/local/bin/tinyrun" \
		"shell tinyrun /usr/local/bin/tinyrun --version" \
		"shell tinyrun nerdctl --runtime=/usr/local/bin/tinyrun run --rm docker.io/library/alpine:latest echo hello from tinyrun"
}

@test "setup --binary PATH installs that arm64 binary [stand-in limactl; Lima cannot run here]" {
	fake_src
	elf_file "$T/mybin" 183
	run "$LIMA_SH" setup --binary "$T/mybin"
	[ "$status" -eq 0 ]
	grep -qx "copy $T/mybin tinyrun:/tmp/tinyrun.setup" "$LOG"
	! grep -q 'tinyrun-build' "$LOG"
}

@test "setup --binary of the wrong arch: exit 74, nothing copied [stand-in limactl; Lima cannot run here]" {
	fake_src
	elf_file "$T/mybin" 62
	run "$LIMA_SH" setup --binary "$T/mybin"
	[ "$status" -eq 74 ]
	[ "$output" = "tinyrun-lima: $T/mybin is built for amd64 but Lima instance 'tinyrun' is arm64; give a arm64 binary to --binary, or use --build to build in the VM" ]
	log_is "$LIST" "shell tinyrun uname -m"
}

@test "setup --binary of a missing file: exit 73 [stand-in limactl; Lima cannot run here]" {
	fake_src
	run "$LIMA_SH" setup --binary "$T/nothing"
	[ "$status" -eq 73 ]
	[ "$output" = "tinyrun-lima: setup --binary $T/nothing: no such file; build it (tests/arm64/build.sh for arm64) or drop --binary to build in the VM" ]
}

@test "setup --build builds in the VM even with tinyrun-aarch64 in the tree [stand-in limactl; Lima cannot run here]" {
	fake_src 183
	run "$LIMA_SH" setup --build
	[ "$status" -eq 0 ]
	grep -q 'tinyrun-build-arm64' "$LOG"
	! grep -q '^copy' "$LOG"
}

@test "setup: a failing install of the prebuilt binary exits 76 [stand-in limactl; Lima cannot run here]" {
	fake_src 183
	FAKE_SHELL_RC=1 run "$LIMA_SH" setup
	[ "$status" -eq 76 ]
	[ "${lines[-1]}" = "tinyrun-lima: setup step failed: installing it as /usr/local/bin/tinyrun (exit 1); fix the error above and rerun: tinyrun-lima setup" ]
}

@test "nerdctl shortcut passes --runtime [stand-in limactl; Lima cannot run here]" {
	run "$LIMA_SH" nerdctl run --rm alpine true
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "shell tinyrun nerdctl --runtime=/usr/local/bin/tinyrun run --rm alpine true"
}

@test "macOS, quick mode: --rootfs and -v sources translated, no bundle needed, the command untouched [stand-in limactl; Lima cannot run here]" {
	mkdir -p "$T/shared/rootfs" "$T/shared/data"
	cd "$T/private"
	run "$LIMA_SH" run --rootfs "$T/shared/rootfs" -v "$T/shared/data:/data:ro" --volume="$T/shared/data:/d2" \
		--memory 128m -d --name q1 -- sh -c 'ls -b /data -v'
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell tinyrun sudo /usr/local/bin/tinyrun run --rootfs /mnt/shared/rootfs -v /mnt/shared/data:/data:ro --volume=/mnt/shared/data:/d2 --memory 128m -d --name q1 -- sh -c ls -b /data -v"
}

@test "macOS, quick mode: --rootfs= relative under the shared cwd; logs and stop pass through [stand-in limactl; Lima cannot run here]" {
	mkdir -p "$T/shared/rootfs"
	cd "$T/shared"
	run "$LIMA_SH" run --rootfs=rootfs --rm -- true
	[ "$status" -eq 0 ]
	run "$LIMA_SH" logs -f q1
	[ "$status" -eq 0 ]
	run "$LIMA_SH" stop -t 3 q1
	[ "$status" -eq 0 ]
	log_is "$LIST" "$PROBE" "$MOUNTS_Q" "shell --workdir /mnt/shared tinyrun sudo /usr/local/bin/tinyrun run --rootfs=/mnt/shared/rootfs --rm -- true" \
		"$LIST" "$PROBE" "shell tinyrun sudo /usr/local/bin/tinyrun logs -f q1" \
		"$LIST" "$PROBE" "shell tinyrun sudo /usr/local/bin/tinyrun stop -t 3 q1"
}

@test "macOS, quick mode: a --rootfs or -v source not shared with the VM: exit 75 [stand-in limactl; Lima cannot run here]" {
	mkdir -p "$T/private/rootfs" "$T/shared/rootfs"
	cd "$T/private"
	run "$LIMA_SH" run --rootfs "$T/private/rootfs" -- true
	[ "$status" -eq 75 ]
	[[ "$output" == *"rootfs $T/private/rootfs is not shared with Lima instance 'tinyrun'"* ]]
	run "$LIMA_SH" run --rootfs "$T/shared/rootfs" -v "$T/private:/p" -- true
	[ "$status" -eq 75 ]
	[[ "$output" == *"volume source $T/private is not shared"* ]]
}
