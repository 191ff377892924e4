#!/bin/sh
# TAP: the message table of docs/create-sequence.md lists the same messages, in the same order
# and with the same directions, as the table at the top of src/lib/spawn.h (which spawn.c's
# direction checks follow). Keeps the protocol's documentation true to the code.
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
hdr=$srcdir/src/lib/spawn.h
doc=$srcdir/docs/create-sequence.md

# ` * | NAME         | from -> to        | payload |`
code_rows() {
	sed -n 's/^ \* | \([A-Z_]*\) *| \([a-z]* -> [a-z]*\) *|.*/\1 \2/p' "$hdr"
}
# `| # | from -> to | `NAME` (...) | when |`
doc_rows() {
	sed -n 's/^| [^|]* | \([a-z]* -> [a-z]*\) | `\([A-Z_]*\)`.*/\2 \1/p' "$doc"
}
c=$(code_rows)
d=$(doc_rows)
n=0
failed=0
nc=$(printf '%s\n' "$c" | grep -c .)
n=$((n + 1))
if [ "$nc" -ge 10 ]; then echo "ok $n - spawn.h lists $nc messages"; else echo "not ok $n - spawn.h's table parsed ($nc rows)"; failed=1; fi
i=0
printf '%s\n' "$c" > "${TMPDIR:-/tmp}/spawn-doc.$$.c"
printf '%s\n' "$d" > "${TMPDIR:-/tmp}/spawn-doc.$$.d"
while IFS= read -r row; do
	i=$((i + 1))
	n=$((n + 1))
	got=$(sed -n "${i}p" "${TMPDIR:-/tmp}/spawn-doc.$$.d")
	if [ "$got" = "$row" ]; then
		echo "ok $n - message $i: $row"
	else
		echo "not ok $n - message $i: spawn.h has \"$row\", docs/create-sequence.md has \"$got\""
		failed=1
	fi
done < "${TMPDIR:-/tmp}/spawn-doc.$$.c"
n=$((n + 1))
nd=$(grep -c . "${TMPDIR:-/tmp}/spawn-doc.$$.d")
if [ "$nd" -eq "$nc" ]; then echo "ok $n - the doc lists no other message"; else echo "not ok $n - the doc lists $nd messages, spawn.h $nc"; failed=1; fi
rm -f "${TMPDIR:-/tmp}/spawn-doc.$$.c" "${TMPDIR:-/tmp}/spawn-doc.$$.d"
echo "1..$n"
exit $failed
