#!/bin/bash
# tests/clients/run.sh: the real container engines (containerd, podman, docker) driving the
# runtime, each with its own private daemon. Prints TAP (bats --tap) and exits with bats' status.
#
#   tests/clients/run.sh [SUITE.bats...]          # default: every suite, tinyrun of this tree
#   RUNTIME=/usr/sbin/runc tests/clients/run.sh   # validate the tests with runc
#
# Missing client packages are installed with apt-get (Debian's archive only); a client that
# cannot start on this host is skipped with the reason as TAP `# SKIP`. Set
# CLIENTS_NO_INSTALL=1 to never call apt-get.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export RUNTIME=${RUNTIME:-$repo/tinyrun}

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP the client tests need root (private daemons, mounts, cgroups)"
	exit 0
fi
if ! command -v bats >/dev/null; then
	echo "1..0 # SKIP bats is not installed"
	exit 0
fi

# command -> Debian package providing it.
declare -A need=(
	[containerd]=containerd [ctr]=containerd [containerd-shim-runc-v2]=containerd
	[podman]=podman [conmon]=conmon [netavark]=netavark [aardvark-dns]=aardvark-dns
	[dockerd]=docker.io [docker-init]=docker.io
	[newuidmap]=uidmap [slirp4netns]=slirp4netns [iptables]=iptables
	[script]=bsdutils [jq]=jq [gcc]=gcc
)
declare -A paths=(
	[netavark]=/usr/lib/podman/netavark [aardvark-dns]=/usr/lib/podman/aardvark-dns
	[conmon]=/usr/bin/conmon [dockerd]=/usr/sbin/dockerd
)
missing=()
for cmd in "${!need[@]}"; do
	p=${paths[$cmd]:-}
	if [ -n "$p" ]; then [ -x "$p" ] && continue; else command -v "$cmd" >/dev/null && continue; fi
	missing+=("${need[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ] && [ -z "${CLIENTS_NO_INSTALL:-}" ]; then
	mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
	echo "# installing: ${missing[*]}" >&2
	log=$(mktemp /tmp/tr-clients-apt.XXXXXX)
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
		echo "# apt-get install failed (the suites skip what is missing):" >&2
		tail -5 "$log" | sed 's/^/#   /' >&2
	fi
	rm -f "$log"
fi

if [ $# -gt 0 ]; then
	suites=("$@")
else
	suites=("$here/containerd.bats" "$here/podman.bats" "$here/docker.bats")
fi
existing=()
for s in "${suites[@]}"; do
	[ -e "$s" ] && existing+=("$s")
done
echo "# runtime under test: $RUNTIME" >&2
bats --tap "${existing[@]}"
exit $?
