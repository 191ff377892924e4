#!/bin/sh
# The arm64 smoke set, run by busybox sh inside the arm64 VM against one runtime:
#   smoke.sh NAME RUNTIME
# Prints "ok - [NAME] ..." / "not ok - [NAME] ..." lines (the host numbers them). Bundles are
# made on the host (tests/arm64/run.sh): /bundles/<test>/config.json, root.path /rootfs.
# Every check looks from outside the container: exit codes, `state`, the cgroup files, what the
# process printed. Each container is deleted whatever happened.
NAME=$1
R=$2
ROOT=/run/state-$NAME
B=/bundles
rt() { "$R" --root "$ROOT" "$@"; }
ok() { # ok STATUS DESCRIPTION [DETAIL]
	if [ "$1" -eq 0 ]; then echo "ok - [$NAME] $2"; else echo "not ok - [$NAME] $2"; [ -n "${3:-}" ] && echo "# $3"; fi
}
status_of() { rt state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
wait_status() { # ID STATUS: at most 10 s
	i=0
	while [ $i -lt 100 ]; do
		[ "$(status_of "$1")" = "$2" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}
cleanup() { rt kill "$1" KILL >/dev/null 2>&1; rt delete -f "$1" >/dev/null 2>&1; }

# run: the container's exit status is run's.
rt run -b $B/exit3 exit3 >/tmp/out 2>&1
rc=$?
ok $([ $rc -eq 3 ]; echo $?) "run returns the process's exit status (3)" "rc=$rc $(cat /tmp/out)"
cleanup exit3

# lifecycle: create -> created, start -> running, kill -> stopped, delete -> gone.
rt create -b $B/sleep life >/tmp/out 2>&1
ok $([ "$(status_of life)" = created ]; echo $?) "create: state says created" "$(cat /tmp/out)"
rt start life
ok $([ "$(status_of life)" = running ]; echo $?) "start: state says running"
pid=$(rt state life | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
ok $(grep -q sleep /proc/"${pid:-0}"/cmdline 2>/dev/null; echo $?) "state's pid $pid is the container's sleep"
rt kill life KILL
wait_status life stopped
ok $? "kill KILL: state says stopped"
rt delete life
ok $(! rt state life >/dev/null 2>&1; echo $?) "delete: state of the container fails"
ok $([ ! -e /proc/"${pid:-0}" ] || [ -z "$pid" ]; echo $?) "delete: no process left"
cleanup life

# namespaces: pid, mount, uts, ipc, net differ from the VM's; pid 1 inside; the hostname set.
rt run -b $B/ns ns >/tmp/ns 2>&1
all=0
for n in pid mnt uts ipc net; do
	inside=$(sed -n "s/^$n=//p" /tmp/ns)
	[ -n "$inside" ] && [ "$inside" != "$(readlink /proc/self/ns/$n)" ] || all=1
done
ok $all "namespaces pid mnt uts ipc net are the container's own" "$(cat /tmp/ns)"
ok $(grep -qx 'self=1' /tmp/ns && grep -qx 'host=smoke' /tmp/ns; echo $?) "pid 1 in its pid namespace, hostname smoke" "$(cat /tmp/ns)"
cleanup ns

# seccomp: an SCMP_ARCH_AARCH64 filter denies mkdirat (arm64 has no mkdir(2)) with EPERM.
rt run -b $B/seccomp sec >/tmp/sec 2>&1
ok $(grep -q 'mkdir:.*Operation not permitted' /tmp/sec && grep -qx 'touch=0' /tmp/sec; echo $?) \
	"seccomp (SCMP_ARCH_AARCH64): mkdirat fails with EPERM, other syscalls work" "$(cat /tmp/sec)"
cleanup sec

# cgroup v2: memory.max and pids.max written; the pids limit stops forks.
rt create -b $B/cgroup cg >/tmp/out 2>&1
cg=/sys/fs/cgroup/smoke-cgroup
ok $([ "$(cat $cg/memory.max 2>/dev/null)" = 33554432 ]; echo $?) "cgroup v2: memory.max is 32 MiB" "$(cat /tmp/out; cat $cg/memory.max)"
ok $([ "$(cat $cg/pids.max 2>/dev/null)" = 8 ]; echo $?) "cgroup v2: pids.max is 8"
pid=$(rt state cg | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
ok $(grep -qx "${pid:-x}" $cg/cgroup.procs 2>/dev/null; echo $?) "cgroup v2: the init is in $cg"
rt start cg
wait_status cg stopped
rt delete cg >/dev/null 2>&1
ok $([ ! -e $cg ]; echo $?) "cgroup v2: delete removes $cg"
cleanup cg
# memory.max enforced: a process past 16 MiB is OOM-killed, memory.events counts it.
rt create -b $B/oom oom >/tmp/out 2>&1 && rt start oom
wait_status oom stopped
kills=$(sed -n 's/^oom_kill //p' /sys/fs/cgroup/smoke-oom/memory.events 2>/dev/null)
ok $([ "${kills:-0}" -ge 1 ]; echo $?) "cgroup v2: past memory.max the process is OOM-killed (oom_kill ${kills:-none})" "$(cat /tmp/out)"
cleanup oom
rt run -b $B/pids pids >/tmp/pids 2>&1
ok $(grep -q "can't fork" /tmp/pids; echo $?) "cgroup v2: pids.max 8 makes fork fail" "$(head -3 /tmp/pids)"
cleanup pids

# exec: joins the running container (its pid namespace), its exit status comes back.
rt create -b $B/sleep ex >/tmp/out 2>&1 && rt start ex
out=$(rt exec ex cat /proc/1/cmdline 2>&1 | tr '\0' ' ')
ok $(echo "$out" | grep -q '^sleep'; echo $?) "exec sees the container's pid 1 (sleep)" "$out"
rt exec ex sh -c 'exit 5'
rc=$?
ok $([ $rc -eq 5 ]; echo $?) "exec returns the process's exit status (5)" "rc=$rc"
cleanup ex

# tty: terminal true + --console-socket: the pty master reaches recvtty, the process has a tty.
rm -f /tmp/tty.sock /tmp/tty.pid /tmp/tty.out
/opt/tinyrun/recvtty --mode capture --capture /tmp/tty.out --pid-file /tmp/tty.pid /tmp/tty.sock \
	</dev/null >/dev/null 2>/tmp/tty.err &
rpid=$!
i=0
while [ ! -s /tmp/tty.pid ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
rt create -b $B/tty --console-socket /tmp/tty.sock tty >/tmp/out 2>&1
rt start tty >>/tmp/out 2>&1
wait_status tty stopped
i=0
while kill -0 $rpid 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill $rpid 2>/dev/null
ok $(grep -q '^/dev/pts/[0-9]' /tmp/tty.out; echo $?) "tty: the process's stdin is a pty (tty prints /dev/pts/N)" "$(cat /tmp/out /tmp/tty.err /tmp/tty.out 2>&1 | head -5)"
cleanup tty
exit 0
