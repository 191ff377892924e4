#!/bin/sh
# TAP: every flag in the CLI's option tables (src/main.c, src/cmd-*.c, CLI_CREATE_OPTS in
# src/cli.h) is documented in its man page (docs/tinyrun.8, docs/tinyrun-<verb>.8), and every
# flag a man page lists under OPTIONS exists in the code. Keeps the docs true to the CLI.
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
n=0
failed=0

# Long flag names of an option table: lines like `{ "bundle", 'b', CLI_VALUE, ... }`.
code_flags() {
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)", [^,]*, CLI_\(VALUE\|BOOL\).*/\1/p' "$@" | sort -u
}
# Long flags a man page lists in .TP tags under OPTIONS (roff: \fB\-\-name\fR).
man_flags() {
	awk '/^\.SH OPTIONS/ { on = 1; next } /^\.SH/ { on = 0 } on && prev == ".TP" { print } { prev = $0 }' "$1" |
		grep -oE '\\-\\-([a-z0-9]|\\-)+' | sed 's/\\-/-/g; s/^--//' | sort -u
}
check() { # check NAME CODE_FLAGS MAN_PAGE
	name=$1
	page=$3
	if [ ! -f "$page" ]; then
		n=$((n + 1)); failed=1
		echo "not ok $n - $name: man page $page exists"
		return
	fi
	mf=$(man_flags "$page")
	for f in $2 help; do
		n=$((n + 1))
		if printf '%s\n' "$mf" | grep -qx -- "$f"; then
			echo "ok $n - $name: --$f documented in $(basename "$page")"
		else
			failed=1
			echo "not ok $n - $name: --$f documented in $(basename "$page")"
		fi
	done
	for f in $mf; do
		case " $(echo $2) help " in
		*" $f "*) ;;
		*)
			n=$((n + 1)); failed=1
			echo "not ok $n - $name: $(basename "$page") documents --$f, which the code does not have"
			;;
		esac
	done
}

if [ ! -f "$srcdir/src/main.c" ]; then
	echo "1..0 # SKIP no src/main.c"
	exit 0
fi
# Global flags.
check tinyrun "$(code_flags "$srcdir/src/main.c" | grep -v '^help$')" "$srcdir/docs/tinyrun.8"
create_flags=$(code_flags "$srcdir/src/cli.h")
for c in "$srcdir"/src/cmd-*.c; do
	verb=$(basename "$c" .c)
	verb=${verb#cmd-}
	flags=$(code_flags "$c")
	grep -q 'CLI_CREATE_OPTS,' "$c" && flags="$flags $create_flags"
	check "$verb" "$(printf '%s\n' $flags | grep -v '^help$' | sort -u)" "$srcdir/docs/tinyrun-$verb.8"
done
echo "1..$n"
exit $failed
