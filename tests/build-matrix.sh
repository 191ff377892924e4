#!/bin/bash
# Every configure option builds: one VPATH build per non-default spelling (--disable-X) of each
# option of configure.ac, in a clone of HEAD (a VPATH build needs a source tree never configured
# in place; uncommitted changes are not in it), plus `make check` of --disable-seccomp. Prints TAP.
# static-binary has two rows: --disable-static-binary (the dynamic build) and an explicit
# --enable-static-binary, which must link statically where the default may fall back to dynamic
# (SKIP when the static libraries are missing). --disable-dlopen only means something in a
# dynamic build: its row adds --disable-static-binary.
#   tests/build-matrix.sh            (JOBS for make, default 2; BUILD_MATRIX_KEEP=1 keeps the dir)
# The option list is checked against configure.ac: an option added there without a row here
# fails the first test. Build only: ~1 min per option on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
JOBS=${JOBS:-2}
# option, what is built: "build" or "check" (make check too; at most one, to stay short), then
# any other configure arguments the row needs
OPTIONS=(
	"--disable-seccomp check"
	"--disable-caps build"
	"--disable-selinux build"
	"--disable-systemd build"
	"--disable-dlopen build --disable-static-binary"
	"--disable-static-binary build"
	"--enable-static-binary build"
)
WORK=$(mktemp -d /tmp/tinyrun-build-matrix.XXXXXX)
[ "${BUILD_MATRIX_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

echo "1..$((${#OPTIONS[@]} + 1))"
n=1
declared=$(sed -nE 's/^AC_ARG_(ENABLE|WITH)\(\[([a-z0-9-]+)\].*/\1 \2/p' configure.ac |
	while read -r kind name; do
		# the non-default spelling: every option is on by default (static-binary: when a
		# static link works), and static-binary's explicit --enable is a row of its own
		if [ "$kind" = WITH ]; then echo "--without-$name"
		else echo "--disable-$name"; fi
		[ "$name" != static-binary ] || echo "--enable-$name"
	done | sort)
listed=$(for o in "${OPTIONS[@]}"; do echo "${o%% *}"; done | sort)
if [ "$declared" = "$listed" ]; then
	echo "ok $n - the matrix lists every option of configure.ac ($(echo $declared))"
else
	echo "not ok $n - configure.ac declares $(echo $declared), the matrix lists $(echo $listed): add the new option to OPTIONS in $0"
fi

if ! git clone -q --no-hardlinks "$SRC" "$WORK/src" || ! (cd "$WORK/src" && ./autogen.sh) >"$WORK/autogen.log" 2>&1; then
	for o in "${OPTIONS[@]}"; do
		n=$((n + 1))
		echo "not ok $n - ${o%% *}: clone or autogen.sh of $SRC failed (see $WORK/autogen.log)"
	done
	exit 1
fi
rc=0
for o in "${OPTIONS[@]}"; do
	n=$((n + 1))
	read -r opt what extra <<<"$o"
	dir=$WORK/src/_build${opt#-}
	log=$dir.log
	mkdir -p "$dir"
	# shellcheck disable=SC2086 # $extra: whole configure arguments, none with a space
	if ! (cd "$dir" && ../configure --quiet "$opt" $extra) >"$log" 2>&1; then
		if [ "$opt" = --enable-static-binary ] && grep -qi 'static link' "$log"; then
			echo "ok $n - $opt # SKIP the static libraries are not installed ($(grep -i 'error:.*static link' "$log" | head -1 | sed 's/^configure: error: //'))"
			continue
		fi
		echo "not ok $n - $opt${extra:+ $extra}: configure failed"
		sed 's/^/#   /' "$log" | tail -5
		rc=1
		continue
	fi
	target=all
	[ "$what" = check ] && target=check
	# bounded: a hung test must not hang CI
	if timeout 1200 make -C "$dir" -j"$JOBS" "$target" >>"$log" 2>&1; then
		summary=
		[ "$what" = check ] && summary=": make check $(grep -E '^# (PASS|FAIL):' "$log" | tr -s ' ' | tr '\n' ' ')"
		echo "ok $n - $opt${extra:+ $extra} builds$summary"
	else
		echo "not ok $n - $opt${extra:+ $extra}: make $target failed"
		grep -E 'error:|undefined reference|^(FAIL|ERROR):' "$log" | head -10 | sed 's/^/#   /'
		rc=1
	fi
done
exit $rc
