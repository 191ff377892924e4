#!/bin/bash
# cni-hook.sh add|del CONFLIST-DIR: the part of `nerdctl internal oci-hook` that gives a rootless
# container its CNI bridge network (our own script, not nerdctl's code). An OCI hook: the state
# JSON comes on stdin. `add` is the createRuntime hook (the container's network namespace exists,
# its process has not started), `del` the poststop hook. Both run in the runtime's namespaces, i.e.
# RootlessKit's user, mount and network namespaces, where the bridge lives (as nerdctl0 does).
# CONFLIST-DIR holds net.conf (one CNI network, plugins in /usr/lib/cni) and gets the plugins'
# results as <id>.add.json; what went wrong goes to stderr and the exit status (the runtime
# fails the create on it, as the spec says for createRuntime).
set -eu
cmd=$1 dir=$2
state=$(cat)
id=$(jq -er .id <<<"$state") || { echo "cni-hook: no .id in the state on stdin" >&2; exit 1; }
pid=$(jq -r '.pid // 0' <<<"$state")
export CNI_CONTAINERID=$id CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni
type=$(jq -er .type "$dir/net.conf") || { echo "cni-hook: no .type in $dir/net.conf" >&2; exit 1; }
case "$cmd" in
add)
	[ "$pid" -gt 0 ] || { echo "cni-hook add: no .pid in the state of $id" >&2; exit 1; }
	# The container's netns, through its process (nerdctl does the same with the state's pid).
	CNI_COMMAND=ADD CNI_NETNS=/proc/$pid/ns/net "$CNI_PATH/$type" <"$dir/net.conf" >"$dir/$id.add.json" ||
		{ echo "cni-hook add: $type ADD for $id failed: $(cat "$dir/$id.add.json")" >&2; exit 1; }
	;;
del)
	# At poststop the process (and its netns) is gone: CNI's DEL releases the address and the
	# veth's host side without a netns (the CNI spec allows an empty CNI_NETNS for DEL).
	CNI_COMMAND=DEL CNI_NETNS= "$CNI_PATH/$type" <"$dir/net.conf" ||
		{ echo "cni-hook del: $type DEL for $id failed" >&2; exit 1; }
	rm -f "$dir/$id.add.json"
	;;
*)
	echo "cni-hook: unknown command '$cmd' (add or del)" >&2
	exit 2
	;;
esac
