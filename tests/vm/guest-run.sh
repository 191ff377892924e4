#!/bin/bash
# Runs inside the tinyrun test VM, from the host root shared over 9p (see tests/vm/run.sh).
#   guest-run.sh pid1   PID 1 of the pure cgroup v2 variant: mount the API filesystems, cgroup2 at
#                       /sys/fs/cgroup with every controller enabled, run the job, power off.
#   guest-run.sh unit   ExecStart of tinyrun-vmtest.service in the systemd variant (systemd
#                       has mounted everything): run the job, power off.
# The job (/tinyrun-job/job.env) names the command; its stdout goes to out/tap, its stderr to
# out/stderr and its exit status to out/status. The host trusts only out/status, never qemu's
# exit code: a plain poweroff makes qemu exit 0 whatever happened.
set -u
JOB=/tinyrun-job
OUT=$JOB/out
mode=${1:-pid1}
[ -n "${TINYRUN_VM_TRACE:-}" ] && set -x
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

log() { echo "tinyrun-vm: $*" >/dev/console 2>/dev/null || echo "tinyrun-vm: $*"; }

# qemu's isa-debug-exit device (iobase 0xf4): qemu exits at once with (value << 1) | 1.
debug_exit() {
    local v
    v=$(printf '\\%03o' "$(( $1 & 255 ))")
    printf "$v" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
}

power_off() {
    sync
    debug_exit "$1"
    # Only reached when the device is missing: fall back to the kernel's power-off.
    if [ "$mode" = pid1 ]; then echo o > /proc/sysrq-trigger; else systemctl poweroff --force --force; fi
    sleep 30
}

setup_pid1() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mkdir -p /dev/pts /dev/shm /dev/mqueue
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts /dev/pts
    ln -sf pts/ptmx /dev/ptmx 2>/dev/null
    mount -t tmpfs -o mode=1777 tmpfs /dev/shm
    mount -t mqueue mqueue /dev/mqueue
    mount -t tmpfs -o mode=755 tmpfs /run
    mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || { log "cannot mount cgroup2"; return 1; }
    local c enable=""
    for c in $(cat /sys/fs/cgroup/cgroup.controllers); do enable="$enable +$c"; done
    echo "$enable" > /sys/fs/cgroup/cgroup.subtree_control || log "subtree_control: $enable failed"
    mount -t bpf bpf /sys/fs/bpf 2>/dev/null
    mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
    hostname tinyrun-vm
    ip link set lo up 2>/dev/null || true
    ln -sf /proc/self/fd /dev/fd
    ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
}

# The kernel's modules (from the cache dir on the host) for modprobe inside the VM.
bind_modules() {
    [ -n "${KMODDIR:-}" ] && [ -d "$KMODDIR" ] || return 0
    mkdir -p "/lib/modules/$KVER" && mount --bind "$KMODDIR" "/lib/modules/$KVER"
}

# The integration suites copy their rootfs template (helpers.bash: TINYRUN_TEST_CACHE) for every
# test; reading it through 9p costs seconds per copy under TCG, from tmpfs a fraction of that.
# run.sh builds the cache on the host, so the VM never compiles the probe.
stage_test_cache() {
    local src=${TINYRUN_TEST_CACHE:-/var/tmp/tinyrun-itest-cache}
    [ -d "$src/rootfs" ] || return 0
    mkdir -p /tinyrun-cache && mount -t tmpfs -o mode=755 tmpfs /tinyrun-cache || return 0
    cp -a "$src/." /tinyrun-cache/ && export TINYRUN_TEST_CACHE=/tinyrun-cache
}

main() {
    # shellcheck source=/dev/null
    . "$JOB/job.env" || { log "no job.env"; power_off 125; }
    if [ "$mode" = pid1 ]; then
        setup_pid1 || { echo 125 > "$OUT/status"; power_off 125; }
    fi
    bind_modules
    stage_test_cache
    local t0 t1 rc
    t0=$(date +%s.%N)
    log "boot done in $(cut -d' ' -f1 /proc/uptime)s; running: ${JOB_CMD[*]}"
    cd "$JOB_CWD" || { echo 125 > "$OUT/status"; power_off 125; }
    env "${JOB_ENV[@]}" timeout -k 10 "$JOB_TIMEOUT" "${JOB_CMD[@]}" \
        >"$OUT/tap" 2>"$OUT/stderr" </dev/null
    rc=$?
    t1=$(date +%s.%N)
    printf '%s %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')" \
        > "$OUT/times"
    echo "$rc" > "$OUT/status"
    log "command exited with status $rc"
    power_off "$rc"
}

main
