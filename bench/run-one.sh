#!/bin/sh
# run-one.sh RUNTIME ROOT BUNDLE: one `RUNTIME run` of the bundle under a fresh id, then make sure
# the container is gone (run deletes it; delete --force only if a state dir was left).
# This is the command hyperfine times, once per run.
rt=$1 root=$2 bundle=$3
id=b-$$-$(date +%s%N)
"$rt" --root "$root" run --bundle "$bundle" "$id" </dev/null >/dev/null || exit $?
[ ! -d "$root/$id" ] || "$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
