#!/bin/bash
# Cross-build tinyrun for arm64 (aarch64-linux-gnu) out of tree, with Debian's cross compiler and
# the arm64 -dev packages through multiarch, and check that what came out is aarch64 code.
#
#   tests/arm64/build.sh [--builddir DIR] [--dynamic] [--no-install]
#
# The default build is the static one, as natively: ./configure --enable-static-binary (given
# explicitly, so that missing arm64 .a files fail configure rather than fall back to dynamic),
# checked to be statically linked. DIR (default _build-aarch64 in this tree; env
# TINYRUN_ARM64_BUILD) gets src/ (a copy of the tree's tracked and new files: configure refuses
# a VPATH build from a configured source dir), build/ (the VPATH build) and out/: tinyrun,
# recvtty and the static probe for aarch64. The tree also gets tinyrun-aarch64, the name
# contrib/lima/tinyrun-lima `setup` picks for an arm64 guest.
# --dynamic: ./configure --disable-static-binary (libselinux dlopen'ed), DIR-dynamic unless
# --builddir, no tinyrun-aarch64 copy (give it to `tinyrun-lima setup --binary`).
# Missing tools are installed with apt-get (root) unless --no-install. Configure must print no
# WARNING (a cross build once used the build machine's pkg-config and .pc files).
# Exit status: 0 built and checked; 1 failed; 77 cannot build here (not root / not Debian).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
HOST=aarch64-linux-gnu
BUILD=${TINYRUN_ARM64_BUILD:-$TOP/_build-aarch64}
install=1
dynamic=0
builddir_given=0
while [ $# -gt 0 ]; do
	case "$1" in
	--builddir) BUILD=$2; builddir_given=1; shift 2 ;;
	--no-install) install=0; shift ;;
	--dynamic) dynamic=1; shift ;;
	-h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "build.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
done
log() { echo "# arm64 build: $*"; }
CONFIGURE_FLAGS=(--enable-static-binary)
if [ $dynamic = 1 ]; then
	CONFIGURE_FLAGS=(--disable-static-binary)
	[ $builddir_given = 1 ] || BUILD=$BUILD-dynamic
fi

# The .a files of the static link come with these -dev packages (libselinux1-dev pulls
# libsepol-dev and libpcre2-dev, which pkg-config --static names). No libsystemd-dev: the
# systemd cgroup driver is tinyrun's own D-Bus client, it links no libsystemd.
DEV_PKGS="libyajl-dev:arm64 libseccomp-dev:arm64 libcap-dev:arm64 libselinux1-dev:arm64"
have_prereqs() {
	command -v $HOST-gcc >/dev/null && command -v $HOST-pkg-config >/dev/null || return 1
	[ -e /usr/lib/$HOST/libc.a ] || [ -e /usr/$HOST/lib/libc.a ] || return 1
	for p in yajl libseccomp libcap libselinux; do
		$HOST-pkg-config --exists $p || return 1
	done
}
apt_retry() { # apt-get with one update + retry: the archive's index may be stale
	DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@" && return 0
	apt-get update -q -o DPkg::Lock::Timeout=300 &&
		DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"
}
if ! have_prereqs; then
	if [ $install = 0 ] || [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
		log "cannot build: needs gcc-$HOST, pkg-config:arm64 and $DEV_PKGS (root + apt-get to install)"
		exit 77
	fi
	log "installing the cross toolchain and the arm64 -dev packages"
	dpkg --print-foreign-architectures | grep -qx arm64 || {
		dpkg --add-architecture arm64 && apt-get update -q -o DPkg::Lock::Timeout=300; } >"$TOP/.arm64-apt.log" 2>&1
	# shellcheck disable=SC2086
	apt_retry install --no-install-recommends gcc-$HOST libc6-dev-arm64-cross pkg-config:arm64 \
		$DEV_PKGS >>"$TOP/.arm64-apt.log" 2>&1 || { log "apt-get failed: $TOP/.arm64-apt.log"; exit 1; }
	rm -f "$TOP/.arm64-apt.log"
	have_prereqs || { log "prerequisites still missing after apt-get install"; exit 1; }
fi

t0=$(date +%s)
mkdir -p "$BUILD"
rm -rf "$BUILD/src" "$BUILD/build" "$BUILD/out"
mkdir -p "$BUILD/src" "$BUILD/build" "$BUILD/out"
# Tracked and new (not ignored) files of the tree: the source as it is, without its build.
(cd "$TOP" && git ls-files -co --exclude-standard -z | grep -zv '^_build-' | xargs -0 tar cf - 2>/dev/null) |
	tar xf - -C "$BUILD/src"
(cd "$BUILD/src" && ./autogen.sh) >"$BUILD/autogen.log" 2>&1 || { cat "$BUILD/autogen.log"; exit 1; }
cd "$BUILD/build"
../src/configure --host=$HOST "${CONFIGURE_FLAGS[@]}" >"$BUILD/configure.log" 2>&1 || { tail -20 "$BUILD/configure.log"; exit 1; }
if grep -i 'warning' "$BUILD/configure.log"; then
	log "configure warned (see $BUILD/configure.log)"
	exit 1
fi
make -j"${JOBS:-2}" >"$BUILD/make.log" 2>&1 || { tail -30 "$BUILD/make.log"; exit 1; }
# No warning is known: a static glibc link of a function that needs NSS (getpwuid, getaddrinfo)
# warns, and such a binary would load NSS modules at run time.
if grep -E 'warning:' "$BUILD/make.log"; then
	log "the cross build has compiler warnings (see $BUILD/make.log)"
	exit 1
fi
$HOST-gcc -static -O2 -Wall -Wextra -o "$BUILD/out/probe" "$TOP/tests/probe/probe.c"
cp tinyrun contrib/recvtty/recvtty "$BUILD/out/"
for b in tinyrun recvtty probe; do
	desc=$(file -b "$BUILD/out/$b")
	case "$desc" in
	*"ARM aarch64"*) log "$b: $desc" ;;
	*) log "$b is not aarch64 code: $desc"; exit 1 ;;
	esac
done
if [ $dynamic = 1 ]; then
	case $(file -b "$BUILD/out/tinyrun") in
	*"dynamically linked"*) ;;
	*) log "--dynamic: tinyrun is not dynamically linked"; exit 1 ;;
	esac
	log "built in $(($(date +%s) - t0)) s: $BUILD/out (dynamic)"
else
	case $(file -b "$BUILD/out/tinyrun") in
	*"statically linked"*) ;;
	*) log "tinyrun is not statically linked"; exit 1 ;;
	esac
	cp "$BUILD/out/tinyrun" "$TOP/tinyrun-aarch64"
	log "built in $(($(date +%s) - t0)) s: $BUILD/out (static; and $TOP/tinyrun-aarch64)"
fi
