#!/bin/bash
# CI check of the Debian package: build tinyrun_*.deb with dpkg-buildpackage from a copy of the
# tree (DEB_BUILD_OPTIONS=nocheck: the unit layer runs make check), install it for real with
# dpkg -i, check what it put in place (dpkg -L: binary, man pages, bash and zsh completions;
# tinyrun --version from /usr/bin), then purge it and check nothing is left.
#   debian/test-package.sh [--keep DIR]   (--keep: leave the .deb in DIR)
# Prints TAP and "N passed, N failed, N skipped". Needs root; installs dpkg-dev, debhelper and
# the Build-Depends with apt-get (retried) when missing. Skips (with the reason) when tinyrun is
# already installed as a package: it would not replace a real installation.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
keep=
[ "${1:-}" = --keep ] && keep=$2
n=0 passed=0 failed=0
ok() { # STATUS DESCRIPTION
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "ok $n - $2"; else failed=$((failed + 1)); echo "not ok $n - $2"; fi
}
finish() { echo "1..$n"; echo "$passed passed, $failed failed, 0 skipped"; [ $failed -eq 0 ]; exit; }
skip_all() { echo "1..0 # SKIP $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i)"
command -v apt-get >/dev/null || skip_all "not a Debian host"
dpkg -s tinyrun >/dev/null 2>&1 && skip_all "a tinyrun package is already installed; not touching it"

WORK=$(mktemp -d /tmp/tinyrun-deb.XXXXXX)
cleanup() { dpkg -s tinyrun >/dev/null 2>&1 && dpkg --purge tinyrun >/dev/null 2>&1; rm -rf "$WORK"; }
trap cleanup EXIT
# Build-Depends (and its continuation lines), without versions, build profiles (<!nocheck>) and
# debhelper-compat.
deps="dpkg-dev debhelper $(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, ""); print; next }
	f && /^[ \t]/ { print; next } { f = 0 }' "$TOP/debian/control" |
	sed 's/([^)]*)//g; s/<[^>]*>//g; s/,/ /g; s/debhelper-compat//' | tr -s ' \t\n' ' ')"
apt_get() {
	for try in 1 2; do
		DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
			install $deps >"$WORK/apt.log" 2>&1 && return 0
		apt-get update -q -o DPkg::Lock::Timeout=300 >>"$WORK/apt.log" 2>&1
	done
	return 1
}
# dpkg-query -W alone succeeds for a package dpkg only knows of (state "un", not installed):
# each one must say "install ok installed" (for one of its architectures, with multiarch).
installed() {
	local d
	for d in $deps; do
		dpkg-query -W -f='${Status}\n' "$d" 2>/dev/null | grep -qx 'install ok installed' || return 1
	done
}
installed || apt_get || { tail -5 "$WORK/apt.log"; ok 1 "install the build dependencies ($deps)"; finish; }

t0=$(date +%s)
mkdir -p "$WORK/src"
(cd "$TOP" && git ls-files -co --exclude-standard -z | grep -zv '^_build-' | xargs -0 tar cf -) | tar xf - -C "$WORK/src"
(cd "$WORK/src" && DEB_BUILD_OPTIONS="nocheck parallel=${JOBS:-2}" dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -30 "$WORK/build.log" | sed 's/^/# /'
ok $rc "dpkg-buildpackage -b builds the package ($(($(date +%s) - t0)) s)"
deb=$(ls "$WORK"/tinyrun_*.deb 2>/dev/null | head -1)
[ -n "$deb" ]; ok $? "it made tinyrun_*.deb (${deb##*/})"
[ -n "$deb" ] || finish
[ -n "$keep" ] && mkdir -p "$keep" && cp "$deb" "$keep/"

dpkg -i "$deb" >"$WORK/install.log" 2>&1
ok $? "dpkg -i installs it" || sed 's/^/# /' "$WORK/install.log"
files=$(dpkg -L tinyrun 2>/dev/null)
for f in /usr/bin/tinyrun /usr/share/man/man8/tinyrun.8.gz /usr/share/bash-completion/completions/tinyrun \
	/usr/share/zsh/vendor-completions/_tinyrun; do
	printf '%s\n' "$files" | grep -qx "$f" && [ -e "$f" ]; ok $? "dpkg -L lists $f and it is there"
done
nman=$(printf '%s\n' "$files" | grep -c '^/usr/share/man/man8/tinyrun-.*\.8\.gz$')
want=$(ls "$TOP"/docs/tinyrun-*.8 | wc -l)
[ "$nman" -eq "$want" ]; ok $? "all $want per-verb man pages are in the package ($nman)"
out=$(/usr/bin/tinyrun --version 2>&1)
printf '%s\n' "$out" | grep -q "^tinyrun version $(sed -n 's/^AC_INIT(\[tinyrun\], \[\([^]]*\)\].*/\1/p' "$TOP/configure.ac")$"
ok $? "/usr/bin/tinyrun --version runs: $(printf '%s' "$out" | head -1)"
dpkg --purge tinyrun >"$WORK/purge.log" 2>&1
ok $? "dpkg --purge removes it"
left=0
for f in $files; do [ -f "$f" ] && left=1 && echo "# left behind: $f"; done
ok $left "no file of the package is left after the purge"
finish
