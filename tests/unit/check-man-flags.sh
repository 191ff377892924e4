#!/bin/sh
# TAP: every flag in the CLI's option tables (src/main.c, src/cmd-*.c, CLI_CREATE_FLAGS in
# src/cli.h) is documented in its man page (docs/tinyrun.8, docs/tinyrun-<verb>.8), and every
# flag a man page lists under OPTIONS exists in the code. Keeps the docs true to the CLI.
# The tables are read through the built binary (`tinyrun __complete verbs|flags [VERB]`), the
# same tables the parser, --help and the bash completion use.
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
TINYRUN=${TINYRUN:-./tinyrun}
n=0
failed=0

# Long flag names of a verb's table (the global flags without a verb), "help" included.
code_flags() {
	"$TINYRUN" __complete flags "$@" | sed 's/^--//' | sort -u
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

if [ ! -x "$TINYRUN" ]; then
	echo "1..0 # SKIP no $TINYRUN (build it first, or set TINYRUN)"
	exit 0
fi
# Global flags.
check tinyrun "$(code_flags | grep -v '^help$')" "$srcdir/docs/tinyrun.8"
verbs=$("$TINYRUN" __complete verbs) || { echo "1..0 # tinyrun __complete verbs failed"; exit 1; }
# Every verb has its page, and every src/cmd-<verb>.c is a verb the binary lists.
for c in "$srcdir"/src/cmd-*.c; do
	verb=$(basename "$c" .c)
	verb=${verb#cmd-}
	n=$((n + 1))
	if printf '%s\n' $verbs | grep -qx -- "$verb"; then
		echo "ok $n - $verb: listed by tinyrun __complete verbs"
	else
		failed=1
		echo "not ok $n - $verb: listed by tinyrun __complete verbs"
	fi
done
for verb in $verbs; do
	check "$verb" "$(code_flags "$verb" | grep -v '^help$')" "$srcdir/docs/tinyrun-$verb.8"
done
echo "1..$n"
exit $failed
