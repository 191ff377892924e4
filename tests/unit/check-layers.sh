#!/bin/sh
# TAP: the layering of docs/architecture.md holds at the include level. src/base includes only
# its own headers (and config.h); libocispec only its own and src/base's. A header that is not
# the layer's own, or that has the name of a header of src/lib (the runtime), is a failure.
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
n=0
failed=0

# check LAYER_DIR ALLOWED_DIRS...: every #include of LAYER_DIR's files is a system header or a
# file of one of ALLOWED_DIRS; none names a runtime header.
check() {
	layer=$1
	shift
	allowed=$(echo "$*" | sed 's/ / or /g')
	for f in "$srcdir/$layer"/*.c "$srcdir/$layer"/*.h; do
		[ -e "$f" ] || continue
		rel=${f#"$srcdir"/}
		bad=
		while IFS= read -r inc; do
			{ [ -z "$inc" ] || [ "$inc" = config.h ]; } && continue
			quoted=$(grep -c "^[[:space:]]*#[[:space:]]*include[[:space:]]*\"$inc\"" "$f")
			if [ -e "$srcdir/src/lib/$inc" ] || [ -e "$srcdir/src/$inc" ]; then
				found=no
				for dir in "$@"; do [ -e "$srcdir/$dir/$inc" ] && found=yes; done
				[ $found = no ] && bad="$bad $inc(runtime)"
			elif [ "$quoted" -gt 0 ]; then
				found=no
				for dir in "$@"; do [ -e "$srcdir/$dir/$inc" ] && found=yes; done
				[ $found = no ] && bad="$bad $inc(not in $allowed)"
			fi
		done <<-EOF
			$(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]\([^">]*\)[">].*/\1/p' "$f")
		EOF
		n=$((n + 1))
		if [ -z "$bad" ]; then
			echo "ok $n - $rel includes only headers of $allowed"
		else
			echo "not ok $n - $rel includes$bad: $layer may include only headers of $allowed; move the code or the header down a layer"
			failed=1
		fi
	done
}

check src/base src/base
check libocispec libocispec src/base
n=$((n + 1))
if [ "$n" -gt 10 ]; then echo "ok $n - $((n - 1)) files checked"; else echo "not ok $n - only $((n - 1)) files found under $srcdir"; failed=1; fi
echo "1..$n"
exit $failed
