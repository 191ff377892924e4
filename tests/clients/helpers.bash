# Shared helpers of the client suites (containerd, podman, docker driving tinyrun).
#
# The runtime under test is a variable so that every test is first validated with the
# reference runtime:
#   tests/clients/run.sh                              # tinyrun from this tree
#   RUNTIME=/usr/sbin/runc tests/clients/run.sh       # the same tests with Debian's runc
#
# Each suite starts its own daemon in setup_file with private directories and socket under
# $CLIENT_DIR (a fresh temp dir) and removes all of it in teardown_file: no system-wide daemon,
# socket or configuration is used or touched.

bats_require_minimum_version 1.5.0

CLIENTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$CLIENTS_DIR/../.." && pwd)
RUNTIME=${RUNTIME:-$REPO_DIR/tinyrun}
RUNTIME_NAME=$(basename "$RUNTIME")
CLIENTS_CACHE=${CLIENTS_CACHE:-/var/tmp/tinyrun-clients-cache}
IMAGE=localhost/tinyrun-busybox:latest
export CLIENTS_CACHE RUNTIME

fail() {
	echo "FAIL: $*" >&2
	return 1
}

assert_status() {
	if [ "$status" -ne "$1" ]; then
		fail "expected exit status $1, got $status; output: ${output}"
	fi
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		fail "expected '$2', got '$1'${3:+ ($3)}"
	fi
}

assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		fail "expected to find '$2' in: $1"
	fi
}

is_tinyrun() {
	[ "$RUNTIME_NAME" = tinyrun ]
}

# image_tar: path of the docker-archive tarball, built once and cached (rebuilt when the
# builder, the probe source or busybox is newer).
image_tar() {
	local tar=$CLIENTS_CACHE/tinyrun-busybox.tar f
	mkdir -p "$CLIENTS_CACHE"
	(
		flock 9
		local stale=
		[ -s "$tar" ] || stale=1
		for f in "$CLIENTS_DIR/make-image.sh" "$REPO_DIR/tests/probe/probe.c" "${BUSYBOX:-/bin/busybox}"; do
			[ -e "$f" ] && [ "$f" -nt "$tar" ] && stale=1
		done
		if [ -n "$stale" ]; then
			"$CLIENTS_DIR/make-image.sh" "$tar" "$IMAGE" >&2 || exit 1
		fi
	) 9>"$CLIENTS_CACHE/.lock" || return 1
	echo "$tar"
}

# new_client_dir NAME: a fresh private directory for one daemon ($CLIENT_DIR). Short path:
# unix socket paths are limited to 107 bytes.
new_client_dir() {
	CLIENT_DIR=$(mktemp -d "/tmp/tr-$1.XXXXXX")
	export CLIENT_DIR
}

# start_holder: a long-lived process in a private mount and network namespace, holding them for
# the whole suite. The daemon and every client command of the suite run in it (in_holder), so
# their mounts (overlay snapshots, netns files), /run (a private tmpfs there: runtime default
# roots, shim sockets, xtables lock) and network (bridges, iptables rules) never reach the host,
# and all of it disappears when the last process in the namespaces exits.
start_holder() {
	local pidfile=$CLIENT_DIR/holder.pid
	unshare --mount --net --propagation private -- sh -c '
		mount -t tmpfs -o mode=755,size=64m tinyrun-clients-run /run &&
		mkdir -p /run/lock && ip link set lo up && echo $$ >"$1.tmp" && mv "$1.tmp" "$1" &&
		exec sleep 1000000' sh "$pidfile" </dev/null >"$CLIENT_DIR/holder.log" 2>&1 3>&- &
	wait_for 50 test -s "$pidfile" || return 1
	HOLDER_PID=$(cat "$pidfile")
	export HOLDER_PID
}

# in_holder CMD...: run CMD in the suite's mount and network namespaces.
in_holder() {
	nsenter -t "$HOLDER_PID" -m -n -- "$@"
}

# stop_holder: end the holder (the namespaces go away with their last process).
stop_holder() {
	stop_pidfile "$CLIENT_DIR/holder.pid" 20
}

# wait_for TENTHS CMD...: poll CMD until it succeeds.
wait_for() {
	local tries=$1
	shift
	while [ "$tries" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	"$@"
}

# stop_pidfile FILE [TENTHS]: SIGTERM the process whose pid is in FILE (one we started), wait
# for it to exit, SIGKILL it if it does not.
stop_pidfile() {
	local pid tries=${2:-100}
	[ -s "$1" ] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null || return 0
	while [ "$tries" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
		sleep 0.1
		tries=$((tries - 1))
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# umount_under DIR: lazily unmount every mount point below DIR, deepest first.
umount_under() {
	local m
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
}

# remove_client_dir: unmount and delete $CLIENT_DIR (only a dir made by new_client_dir).
remove_client_dir() {
	[ -n "${CLIENT_DIR:-}" ] && [ -d "$CLIENT_DIR" ] || return 0
	case "$CLIENT_DIR" in /tmp/tr-*) ;; *) return 1 ;; esac
	umount_under "$CLIENT_DIR"
	rm -rf "$CLIENT_DIR" 2>/dev/null || {
		umount_under "$CLIENT_DIR"
		rm -rf "$CLIENT_DIR"
	}
}

# procs_under DIR: processes whose command line names DIR (leak check).
procs_under() {
	local p cmd
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		[ "${p#/proc/}" = "$BASHPID" ] && continue
		cmd=$(tr '\0' ' ' 2>/dev/null <"$p/cmdline") || continue
		case "$cmd" in *"$1"*) echo "${p#/proc/}: $cmd" ;; esac
	done
}

# in_pty CMD: run the shell command CMD with a pseudo-terminal as its stdin/stdout (tests have
# no terminal). Output has CRLF line ends; strip_cr removes them.
in_pty() {
	script -qec "$1" /dev/null </dev/null
}

strip_cr() {
	tr -d '\r'
}

host_has_systemd() {
	[ -d /run/systemd/system ]
}
