#!/bin/bash
# The arm64 layer: cross-build tinyrun (tests/arm64/build.sh), boot Debian's arm64 kernel in
# qemu-system-aarch64 (TCG, -M virt -cpu max) on an initramfs of arm64 busybox-static, the
# cross-built tinyrun + recvtty and Debian's runc:arm64 and crun:arm64, and run
# tests/arm64/smoke.sh against each runtime: lifecycle, run's exit code, namespaces, an
# SCMP_ARCH_AARCH64 seccomp filter, cgroup v2 memory/pids, exec, tty. The runtimes: tinyrun
# (the default build: static, one file), tinyrun-dynamic (--disable-static-binary, with its
# arm64 libraries from the host's multiarch dirs), and runc and crun as the references (crun's
# shared libraries - libcap2, libseccomp2, libyajl2 come with tinyrun's -dev packages,
# libsystemd0:arm64 is installed here for it).
#
#   tests/arm64/run.sh [--no-runc] [--no-crun] [--timeout SEC]
#
# Prints TAP (each test tagged [tinyrun], [tinyrun-dynamic], [runc] or [crun]) and "N passed, N
# failed, N skipped". Results come back as markers on the serial console; qemu's exit code is
# never trusted. Kernel, busybox, runc and crun are fetched with apt-get download (versions from
# apt-cache, never hard-coded) into TINYRUN_ARM64_CACHE (default /var/cache/tinyrun-arm64). A
# machine that cannot do it (not root, not Debian, no qemu-system-arm installable) gives
# "1..0 # SKIP reason".
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$TOP/tests/arm64
CACHE=${TINYRUN_ARM64_CACHE:-/var/cache/tinyrun-arm64}
TIMEOUT=600
with_runc=1
with_crun=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-runc) with_runc=0; shift ;;
	--no-crun) with_crun=0; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
T0=$(date +%s)
note() { echo "# arm64: $*"; }
skip_all() { echo "1..0 # SKIP $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
fail_all() { echo "1..1"; echo "not ok 1 - arm64: $*"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

[ "$(id -u)" = 0 ] || skip_all "needs root (apt-get download, multiarch packages)"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skip_all "not a Debian host"
mkdir -p "$CACHE/dl" || skip_all "cannot create $CACHE"
apt_retry() {
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@" >>"$CACHE/apt.log" 2>&1 && return 0
	apt-get update -q -o DPkg::Lock::Timeout=300 >>"$CACHE/apt.log" 2>&1
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@" >>"$CACHE/apt.log" 2>&1
}
if ! command -v qemu-system-aarch64 >/dev/null; then
	note "installing qemu-system-arm"
	apt_retry install --no-install-recommends qemu-system-arm ||
		skip_all "qemu-system-aarch64 missing and apt-get install qemu-system-arm failed ($CACHE/apt.log)"
fi
command -v jq >/dev/null || apt_retry install jq || fail_all "jq missing"

# ---- the cross builds: the default (static) one and --disable-static-binary -------------------
: >"$CACHE/host-results"
"$HERE/build.sh" >"$CACHE/build.log" 2>&1
rc=$?
[ $rc = 77 ] && skip_all "$(tail -1 "$CACHE/build.log")"
[ $rc = 0 ] || { sed 's/^/# /' "$CACHE/build.log" | tail -30; fail_all "the cross build failed"; }
echo "ok - [build] cross build for aarch64 (static, the default): configure without warnings, statically linked ARM aarch64" >>"$CACHE/host-results"
OUT=${TINYRUN_ARM64_BUILD:-$TOP/_build-aarch64}/out
DOUT=""
if "$HERE/build.sh" --dynamic >"$CACHE/build-dynamic.log" 2>&1; then
	DOUT=${TINYRUN_ARM64_BUILD:-$TOP/_build-aarch64}-dynamic/out
	echo "ok - [build] dynamic cross build (--disable-static-binary): dynamically linked aarch64" >>"$CACHE/host-results"
else
	sed 's/^/# /' "$CACHE/build-dynamic.log" | tail -10 >>"$CACHE/host-results"
	echo "not ok - [build] dynamic cross build (--disable-static-binary) failed" >>"$CACHE/host-results"
fi
note "cross builds done in $(($(date +%s) - T0)) s"
# crun:arm64 links libsystemd0, which no -dev package of tinyrun's build pulls in any more.
if [ $with_crun = 1 ] && ! dpkg -s libsystemd0:arm64 >/dev/null 2>&1; then
	apt_retry install --no-install-recommends libsystemd0:arm64 ||
		note "apt-get install libsystemd0:arm64 failed ($CACHE/apt.log): crun's libraries will be missing"
fi

# ---- arm64 packages: apt-get download + dpkg-deb -x, cached per version ------------------------
# fetch PKG DIR: unpack the arm64 .deb of PKG (the candidate version) into DIR once.
fetch() {
	local pkg=$1 dir=$2 tmp
	[ -e "$dir/.ready" ] && return 0
	rm -rf "$dir" && tmp=$(mktemp -d "$CACHE/dl/XXXXXX") || return 1
	(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:arm64") >>"$CACHE/apt.log" 2>&1 ||
		{ apt-get update -q >>"$CACHE/apt.log" 2>&1 &&
			(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg:arm64") >>"$CACHE/apt.log" 2>&1; } ||
		{ rm -rf "$tmp"; return 1; }
	mkdir -p "$dir" && dpkg-deb -x "$tmp"/*.deb "$dir" && touch "$dir/.ready"
	local rc=$?
	rm -rf "$tmp"
	return $rc
}
version_of() { apt-cache policy "$1:arm64" 2>/dev/null | awk '/Candidate:/ { print $2 }' | tr ':' '_'; }
kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }')
[ -n "$kpkg" ] || { apt-get update -q >>"$CACHE/apt.log" 2>&1
	kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }'); }
[ -n "$kpkg" ] || skip_all "apt-cache knows no linux-image-arm64:arm64 (dpkg --add-architecture arm64?)"
KVER=${kpkg#linux-image-}
KDIR=$CACHE/kernel-$KVER
fetch "$kpkg" "$KDIR" || skip_all "apt-get download $kpkg:arm64 failed ($CACHE/apt.log)"
VMLINUZ=$KDIR/boot/vmlinuz-$KVER
BBDIR=$CACHE/busybox-$(version_of busybox-static)
fetch busybox-static "$BBDIR" || skip_all "apt-get download busybox-static:arm64 failed"
RUNCDIR=""
if [ $with_runc = 1 ]; then
	RUNCDIR=$CACHE/runc-$(version_of runc)
	fetch runc "$RUNCDIR" || { note "runc:arm64 not available: no runc results"; RUNCDIR=""; }
fi
CRUNDIR=""
if [ $with_crun = 1 ]; then
	CRUNDIR=$CACHE/crun-$(version_of crun)
	fetch crun "$CRUNDIR" || { note "crun:arm64 not available: no crun results"; CRUNDIR=""; }
fi
find "$CACHE" -maxdepth 1 -name 'kernel-*' ! -name "kernel-$KVER" -exec rm -rf {} + 2>/dev/null

# ---- initramfs -------------------------------------------------------------------------------
# copy_libs BINARY STAGE: the arm64 shared libraries it needs (recursively), from the host's
# multiarch dirs, at the same paths in STAGE, and the dynamic loader; nothing for a static one.
copy_libs() {
	local want=("$1") seen=" " f lib p
	aarch64-linux-gnu-readelf -l "$1" 2>/dev/null | grep -q 'program interpreter' || return 0
	while [ ${#want[@]} -gt 0 ]; do
		f=${want[0]}
		want=("${want[@]:1}")
		for lib in $(aarch64-linux-gnu-readelf -d "$f" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
			case "$seen" in *" $lib "*) continue ;; esac
			seen="$seen$lib "
			for p in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu; do
				[ -e "$p/$lib" ] || continue
				mkdir -p "$2$p" && cp -L "$p/$lib" "$2$p/$lib" && want+=("$p/$lib")
				break
			done || return 1
			[ -e "$2/lib/aarch64-linux-gnu/$lib" ] || [ -e "$2/usr/lib/aarch64-linux-gnu/$lib" ] ||
				{ echo "# arm64: $lib (needed by $f) not found in the arm64 multiarch dirs"; return 1; }
		done
	done
	mkdir -p "$2/lib" && cp -L /lib/ld-linux-aarch64.so.1 "$2/lib/"
}

# spec NAME JQ-FILTER: /bundles/NAME/config.json from `spec`'s starter file. ociVersion 1.1.0:
# crun 1.8.1 (Debian 12) refuses any other than 1.0.x and 1.1.x ("unknown version specified"),
# and the smoke set uses nothing newer than 1.1.
spec() {
	local d=$STAGE/bundles/$1
	mkdir -p "$d"
	jq --arg name "$1" '.ociVersion = "1.1.0" | .root = {path: "/rootfs", readonly: false} | .process.terminal = false
		| .hostname = "smoke" | .linux.cgroupsPath = "/smoke-" + $name | '"$2" "$BASE" > "$d/config.json"
}
T1=$(date +%s)
STAGE=$(mktemp -d /tmp/tinyrun-arm64.XXXXXX) || fail_all "mktemp"
JOB=$STAGE.job
trap 'rm -rf "$STAGE" "$JOB"' EXIT
chmod 755 "$STAGE"
mkdir -p "$STAGE"/{bin,dev,proc,sys,newroot,opt/tinyrun,rootfs/bin,rootfs/tmp} "$JOB"
bb=$BBDIR/bin/busybox
cp "$bb" "$STAGE/bin/busybox" && cp "$bb" "$STAGE/rootfs/bin/busybox"
# Applet names from the host's busybox (the same Debian version): the arm64 one cannot run here.
for a in $(busybox --list 2>/dev/null || /bin/busybox --list); do
	[ "$a" = busybox ] && continue # a link onto itself panics the kernel
	ln -sf busybox "$STAGE/bin/$a"
	ln -sf busybox "$STAGE/rootfs/bin/$a"
done
cp "$OUT/tinyrun" "$OUT/recvtty" "$OUT/probe" "$STAGE/opt/tinyrun/" && cp "$OUT/probe" "$STAGE/rootfs/"
copy_libs "$OUT/tinyrun" "$STAGE" && copy_libs "$OUT/recvtty" "$STAGE" || fail_all "collecting tinyrun's arm64 libraries"
echo "tinyrun /opt/tinyrun/tinyrun" > "$STAGE/runtimes"
if [ -n "$DOUT" ]; then
	mkdir -p "$STAGE/opt/tinyrun-dynamic" && cp "$DOUT/tinyrun" "$STAGE/opt/tinyrun-dynamic/" &&
		copy_libs "$DOUT/tinyrun" "$STAGE" && echo "tinyrun-dynamic /opt/tinyrun-dynamic/tinyrun" >> "$STAGE/runtimes" ||
		echo "not ok - [tinyrun-dynamic] its arm64 shared libraries are not all in the arm64 multiarch dirs" >>"$CACHE/host-results"
fi
if [ -n "$RUNCDIR" ] && [ -x "$RUNCDIR/usr/sbin/runc" ]; then
	mkdir -p "$STAGE/opt/runc" && cp "$RUNCDIR/usr/sbin/runc" "$STAGE/opt/runc/" &&
		copy_libs "$RUNCDIR/usr/sbin/runc" "$STAGE" && echo "runc /opt/runc/runc" >> "$STAGE/runtimes"
fi
if [ -n "$CRUNDIR" ] && [ -x "$CRUNDIR/usr/bin/crun" ]; then
	mkdir -p "$STAGE/opt/crun" && cp "$CRUNDIR/usr/bin/crun" "$STAGE/opt/crun/" &&
		copy_libs "$CRUNDIR/usr/bin/crun" "$STAGE" && echo "crun /opt/crun/crun" >> "$STAGE/runtimes" ||
		echo "not ok - [crun] crun:arm64's shared libraries are not all in the arm64 multiarch dirs" >>"$CACHE/host-results"
fi
install -m 755 "$HERE/initramfs-init" "$STAGE/init"
install -m 755 "$HERE/smoke.sh" "$STAGE/smoke.sh"
BASE=$JOB/base.json
if [ -x "$TOP/tinyrun" ]; then "$TOP/tinyrun" spec --bundle "$JOB"; else runc spec --bundle "$JOB"; fi || fail_all "spec"
mv "$JOB/config.json" "$BASE"
spec exit3 '.process.args = ["sh", "-c", "exit 3"]'
spec sleep '.process.args = ["sleep", "300"]'
spec ns '.process.args = ["sh", "-c", "for n in pid mnt uts ipc net; do echo $n=$(readlink /proc/self/ns/$n); done; echo self=$$; echo host=$(hostname)"]'
spec seccomp '.process.args = ["sh", "-c", "mkdir /tmp/denied; touch /tmp/allowed; echo touch=$?"]
	| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_AARCH64"],
	    syscalls: [{names: ["mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
spec cgroup '.process.args = ["true"] | .linux.resources = {memory: {limit: 33554432}, pids: {limit: 8}}'
spec oom '.process.args = ["sh", "-c", "head -c 67108864 /dev/zero | sort >/dev/null"]
	| .linux.resources = {memory: {limit: 16777216}}'
spec pids '.process.args = ["sh", "-c", "i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); done 2>&1; kill $(jobs -p) 2>/dev/null"]
	| .linux.resources = {pids: {limit: 8}}'
spec tty '.process.args = ["tty"] | .process.terminal = true'
INITRD=$JOB/initrd.gz
# The host's busybox (tests/deps.txt) has cpio; Debian's cpio package may be missing.
CPIO=(cpio)
command -v cpio >/dev/null || CPIO=(busybox cpio)
(cd "$STAGE" && find . | "${CPIO[@]}" -o -H newc 2>/dev/null | gzip -1) > "$INITRD" ||
	fail_all "building the initramfs with ${CPIO[*]} -o -H newc failed"
note "kernel $KVER, initramfs $(du -k "$INITRD" | cut -f1) KiB in $(($(date +%s) - T1)) s; runtimes: $(cut -d' ' -f1 "$STAGE/runtimes" | tr '\n' ' ')"

# ---- boot ------------------------------------------------------------------------------------
T2=$(date +%s)
# pauth-impdef: TCG's architected pointer-auth is very slow; the implementation-defined one is not.
timeout "$TIMEOUT" qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -accel tcg -m 1024 -smp 2 \
	-nographic -no-reboot -kernel "$VMLINUZ" -initrd "$INITRD" \
	-append "console=ttyAMA0 quiet loglevel=3 panic=-1" </dev/null >"$JOB/console.log" 2>&1
qrc=$?
tr -d '\r' <"$JOB/console.log" >"$CACHE/console.log"
note "VM ran in $(($(date +%s) - T2)) s (qemu status $qrc, not trusted); console: $CACHE/console.log"
grep '^@@ARM64-INFO@@' "$CACHE/console.log" | sed 's/^@@ARM64-INFO@@/# arm64: guest/'

# ---- results: "ok - ..." lines between the markers, numbered here -------------------------------
awk -v runtimes="$(cut -d' ' -f1 "$STAGE/runtimes" | tr '\n' ' ')" '
	FILENAME ~ /host-results$/ { lines[++n] = $0; next }
	/^@@ARM64-BEGIN / { name = $2; sub(/@@$/, "", name); inside = 1; next }
	/^@@ARM64-END / { if (inside) { ended[name] = 1; rc = $3; sub(/@@$/, "", rc)
		if (rc != "rc=0") lines[++n] = "not ok - [" name "] smoke.sh ended with " rc } inside = 0; next }
	inside && /^(not )?ok - / { lines[++n] = $0; next }
	inside && /^# / { lines[++n] = $0; next }
	END {
		split(runtimes, r, " ")
		for (i in r) if (!(r[i] in ended)) lines[++n] = "not ok - [" r[i] "] the smoke set did not finish (no end marker)"
		t = 0
		for (i = 1; i <= n; i++) {
			l = lines[i]
			if (l ~ /^# /) { print l; continue }
			t++
			if (l ~ /^ok/) { p++; sub(/^ok -/, "ok " t " -", l) } else { f++; sub(/^not ok -/, "not ok " t " -", l) }
			print l
		}
		print "1.." t
		printf "%d passed, %d failed, 0 skipped\n", p, f
	}' "$CACHE/host-results" "$CACHE/console.log" | tee "$JOB/tap"
note "whole layer: $(($(date +%s) - T0)) s"
grep -q ' 0 failed, ' "$JOB/tap"
