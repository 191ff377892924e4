#!/bin/bash
# Run tinyrun's cgroup v2 and systemd-driver tests in a throwaway qemu VM (TCG, no KVM needed).
#
#   tests/vm/run.sh [--variant v2|systemd|lima|all] [--runtime PATH] [--timeout SEC] [--keep]
#                   [-- COMMAND ARGS...]
#
# Variants:
#   v2       busybox initramfs -> host root over 9p (read-only, tmpfs overlay; /tmp is a fresh
#            tmpfs, so the host's /tmp is not visible in the VM, except this tree when it lives
#            there) -> switch_root into
#            tests/vm/guest-run.sh as PID 1; pure cgroup v2 at /sys/fs/cgroup, no systemd.
#            Default command: bats --tap tests/integration/cgroups.bats checkpoint.bats
#   systemd  same root, but /lib/systemd/systemd as PID 1 (unified hierarchy); a oneshot unit
#            runs the command and powers the VM off.
#            Default command: bats --tap tests/integration/systemd.bats
#   lima     the systemd boot, provisioned like Lima's default guest by tests/vm/lima/guest.sh:
#            user uid 1000 with linger, its systemd instance and user bus, rootless containerd
#            in RootlessKit as a user service, ctr driving each runtime (tinyrun, runc, crun)
#            through the shim (docs/lima.md). Default command: bash tests/vm/lima/guest.sh
#            (LIMA_RUNTIMES=LABEL=PATH... chooses the runtimes; tests prefixed [LABEL]).
#   all      v2 and systemd (default; lima, 9-17 min, is its own layer of tests/run-all.sh through
#            tests/vm/lima/run.sh). The TAP of every variant is merged into one stream, each test
#            prefixed with [variant].
# The guest runs the host's own bash, bats, jq, runc and the built tinyrun ($RUNTIME, default
# ./tinyrun of this tree). Results come back through a read-write 9p dir (out/tap, out/status);
# qemu's exit code is never trusted. Exit status: 0 if every variant's command exited 0.
# A missing prerequisite that cannot be installed gives "1..0 # SKIP reason" and status 0.
#
# Environment: TINYRUN_VM_CACHE (default /var/cache/tinyrun-vm as root, else
# $XDG_CACHE_HOME/tinyrun-vm), TINYRUN_VM_MEM (MiB, 1024), TINYRUN_VM_SMP (2),
# TINYRUN_VM_TIMEOUT (per VM command, seconds, 900), RUNTIME; for debugging: TINYRUN_VM_CPU
# (qemu -cpu, max), TINYRUN_VM_KARGS (extra kernel args, default mitigations=off),
# TINYRUN_VM_SD_LOG (systemd.log_level, warning), TINYRUN_VM_TRACE=1 (set -x in the guest).
# Measured on the 2-core dev host under load: kernel fetch 7 s once, initramfs 2 s once; boot to
# the command ~15 s (v2) / ~22 s (systemd); bats costs ~10-15 s per test under TCG. The v2
# suite (cgroups.bats, ~50 tests) took 540+ s with other work on the host: hence 900 s.
set -u
set -o pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
VMDIR=$TOP/tests/vm
variant=all
RUNTIME=${RUNTIME:-$TOP/tinyrun}
TIMEOUT=${TINYRUN_VM_TIMEOUT:-}
MEM=${TINYRUN_VM_MEM:-1024}
SMP=${TINYRUN_VM_SMP:-2}
CPU=${TINYRUN_VM_CPU:-max}
keep=0
user_cmd=()

usage() { sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
    --variant) variant=$2; shift 2 ;;
    --variant=*) variant=${1#*=}; shift ;;
    --runtime) RUNTIME=$2; shift 2 ;;
    --runtime=*) RUNTIME=${1#*=}; shift ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; user_cmd=("$@"); break ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
case "$variant" in v2|systemd|lima|all) ;; *) echo "run.sh: --variant must be v2, systemd, lima or all" >&2; exit 2 ;; esac
# lima runs its suite once per runtime (guest.sh bounds each at 600 s).
[ -n "$TIMEOUT" ] || { [ "$variant" = lima ] && TIMEOUT=1900 || TIMEOUT=900; }
case "$RUNTIME" in /*) ;; *) RUNTIME=$(cd "$(dirname "$RUNTIME")" && pwd)/$(basename "$RUNTIME") ;; esac

if [ -n "${TINYRUN_VM_CACHE:-}" ]; then
    CACHE=$TINYRUN_VM_CACHE
elif [ "$(id -u)" = 0 ]; then
    CACHE=/var/cache/tinyrun-vm
else
    CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/tinyrun-vm
fi

T_START=$(date +%s.%N)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
note() { echo "# vm: $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

# ---- prerequisites ------------------------------------------------------------------------------
apt_install() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
    note "installing $* with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "$@" >"$CACHE/apt.log" 2>&1 && return 0
    DEBIAN_FRONTEND=noninteractive apt-get update -q -o DPkg::Lock::Timeout=300 >>"$CACHE/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "$@" >>"$CACHE/apt.log" 2>&1
}

is_static() { [ -x "$1" ] && { LC_ALL=C ldd "$1" 2>&1 || true; } | grep -q "not a dynamic executable"; }

BUSYBOX=""
find_busybox() {
    local b
    for b in /bin/busybox /usr/bin/busybox /usr/lib/initramfs-tools/bin/busybox; do
        if is_static "$b"; then BUSYBOX=$b; return 0; fi
    done
    return 1
}

ensure_prereqs() {
    local t0 missing=() m
    t0=$(now)
    mkdir -p "$CACHE" || skip_all "cannot create the cache dir $CACHE"
    command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
    command -v depmod >/dev/null || [ -x /sbin/depmod ] || missing+=(kmod)
    command -v dpkg-deb >/dev/null && command -v apt-get >/dev/null \
        || skip_all "not a Debian-like host (dpkg-deb/apt-get missing): cannot fetch a kernel"
    find_busybox || missing+=(busybox-static)
    command -v timeout >/dev/null || missing+=(coreutils)
    command -v bats >/dev/null || missing+=(bats)
    command -v jq >/dev/null || missing+=(jq)
    if [ ${#missing[@]} -gt 0 ]; then
        note "missing prerequisites: ${missing[*]}"
        apt_install "${missing[@]}" || skip_all "missing prerequisites (${missing[*]}) and apt-get install failed or not root (log: $CACHE/apt.log)"
    fi
    export PATH=$PATH:/sbin:/usr/sbin
    find_busybox || skip_all "no static busybox found even after installing busybox-static"
    for m in qemu-system-x86_64 depmod modprobe; do
        command -v $m >/dev/null || skip_all "$m still missing after apt-get install"
    done
    # criu for checkpoint.bats (the guest runs the host's binaries): its tests skip with the
    # reason when it is missing, so a failed install does not skip the whole layer.
    command -v criu >/dev/null || apt_install criu || note "warning: criu not installed (log: $CACHE/apt.log)"
    note "prerequisites ready in $(elapsed "$t0")s"
}

# ---- kernel: the Debian kernel unpacked into the cache, never installed -------------------------
KVER="" KDIR="" VMLINUZ=""
prepare_kernel() {
    local t0 pkg tmp
    t0=$(now)
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    if [ -z "$pkg" ]; then
        [ "$(id -u)" = 0 ] && apt-get update -q -o DPkg::Lock::Timeout=300 >"$CACHE/apt.log" 2>&1
        pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
    fi
    [ -n "$pkg" ] || skip_all "apt-cache knows no linux-image-amd64 dependency: cannot find a kernel package"
    KVER=${pkg#linux-image-}
    KDIR=$CACHE/kernel/$KVER
    VMLINUZ=$KDIR/boot/vmlinuz-$KVER
    # Two runs at once (CI and a developer, two worktrees) share the cache: one fetches, the
    # other waits for it (bounded), instead of unpacking into a directory the first removes.
    exec {kernel_lock}>"$CACHE/kernel.lock" && flock -w 600 "$kernel_lock" \
        || skip_all "another tests/vm/run.sh held $CACHE/kernel.lock for 600 s"
    if [ ! -e "$KDIR/.ready" ] || [ ! -r "$VMLINUZ" ]; then
        note "fetching $pkg (not installed: apt-get download + dpkg-deb -x)"
        rm -rf "$KDIR" && tmp=$(mktemp -d "$CACHE/dl.XXXXXX") || skip_all "cannot write to $CACHE"
        if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg") >"$CACHE/apt.log" 2>&1; then
            [ "$(id -u)" = 0 ] && apt-get update -q >>"$CACHE/apt.log" 2>&1
            (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg") >>"$CACHE/apt.log" 2>&1 \
                || { rm -rf "$tmp"; skip_all "apt-get download $pkg failed (log: $CACHE/apt.log)"; }
        fi
        mkdir -p "$KDIR" && dpkg-deb -x "$tmp"/*.deb "$KDIR" && depmod -b "$KDIR" "$KVER" \
            || { rm -rf "$tmp" "$KDIR"; skip_all "unpacking $pkg failed"; }
        rm -rf "$tmp"
        # Older kernels in the cache are useless once the archive moved on.
        find "$CACHE/kernel" -mindepth 1 -maxdepth 1 ! -name "$KVER" -exec rm -rf {} + 2>/dev/null
        touch "$KDIR/.ready"
    fi
    exec {kernel_lock}>&-
    [ -r "$VMLINUZ" ] || skip_all "$VMLINUZ missing from $pkg"
    note "kernel $KVER ready in $(elapsed "$t0")s"
}

# ---- initramfs: static busybox + the modules for 9p and overlayfs -------------------------------
INITRD=""
build_initramfs() {
    local t0 mods key stage a m
    t0=$(now)
    # One module per modprobe call: further names would be taken as module parameters.
    mods=$(for m in virtio_pci 9pnet_virtio 9p overlay; do
               modprobe -d "$KDIR" -S "$KVER" --show-depends "$m" || exit 1
           done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }') \
        || skip_all "modprobe --show-depends failed for $KVER"
    key=$( { cat "$VMDIR/initramfs-init"; sha256sum "$BUSYBOX"; echo "$KVER"; echo "$mods"; } \
        | sha256sum | cut -c1-16)
    INITRD=$CACHE/initramfs-$KVER-$key.cpio.gz
    if [ ! -s "$INITRD" ]; then
        stage=$(mktemp -d "$CACHE/stage.XXXXXX")
        chmod 755 "$stage"
        mkdir -p "$stage"/{bin,dev,proc,sys,modules,newroot}
        cp "$BUSYBOX" "$stage/bin/busybox"
        for a in $("$BUSYBOX" --list); do
            # A "busybox" link onto itself panics the kernel at boot.
            [ "$a" = busybox ] || ln -sf busybox "$stage/bin/$a"
        done
        : > "$stage/modules.list"
        for m in $mods; do
            cp "$m" "$stage/modules/" && basename "$m" >> "$stage/modules.list"
        done
        install -m 755 "$VMDIR/initramfs-init" "$stage/init"
        (cd "$stage" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) > "$INITRD.tmp" \
            && mv "$INITRD.tmp" "$INITRD" || skip_all "building the initramfs failed"
        rm -rf "$stage"
        find "$CACHE" -maxdepth 1 -name 'initramfs-*.cpio.gz' ! -name "$(basename "$INITRD")" -delete
    fi
    note "initramfs ready in $(elapsed "$t0")s ($(du -k "$INITRD" | cut -f1) KiB)"
}

# ---- one VM run -----------------------------------------------------------------------------------
# Units masked in the systemd variant: host services and boot steps a throwaway VM does not need.
SYSTEMD_MASK="systemd-timesyncd.service systemd-pstore.service systemd-binfmt.service
proc-sys-fs-binfmt_misc.automount systemd-firstboot.service systemd-machine-id-commit.service
systemd-random-seed.service systemd-repart.service systemd-pcrphase.service
systemd-pcrphase-sysinit.service systemd-sysusers.service systemd-update-utmp.service
kmod-static-nodes.service systemd-modules-load.service sys-fs-fuse-connections.mount
sys-kernel-config.mount cryptsetup.target integritysetup.target veritysetup.target
systemd-ask-password-console.path systemd-ask-password-wall.path postgresql.service
e2scrub_reap.service apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer
e2scrub_all.timer fstrim.timer man-db.timer systemd-tmpfiles-clean.timer
systemd-remount-fs.service systemd-fsck-root.service systemd-hwdb-update.service
systemd-journal-catalog-update.service ldconfig.service systemd-update-done.service
getty.target serial-getty@ttyS0.service console-getty.service apparmor.service
systemd-journal-flush.service"

write_systemd_units() {
    local job=$1
    mkdir -p "$job/units"
    cat > "$job/units/tinyrun-vmtest.target" <<'EOF'
[Unit]
Description=tinyrun VM test run
Requires=tinyrun-vmtest.service
After=tinyrun-vmtest.service
AllowIsolate=yes
EOF
    # SuccessAction/FailureAction belong in [Unit]; in [Service] they are silently ignored.
    cat > "$job/units/tinyrun-vmtest.service" <<'EOF'
[Unit]
Description=tinyrun VM tests
Wants=dbus.socket dbus.service
After=dbus.service basic.target
SuccessAction=poweroff-immediate
FailureAction=poweroff-immediate

[Service]
Type=oneshot
ExecStart=/bin/bash /tinyrun-job/guest-run.sh unit
StandardOutput=tty
StandardError=tty
TTYPath=/dev/console
TimeoutStartSec=infinity
EOF
    printf '%s\n' $SYSTEMD_MASK > "$job/units.mask"
    tr -d '-' < /proc/sys/kernel/random/uuid > "$job/machine-id"
}

# run_vm VARIANT CMD... : boots, prints the raw TAP into $job/out/tap; sets VM_RC and VM_JOB.
VM_RC=0 VM_JOB=""
run_vm() {
    local v=$1 job t0 append qrc guest_times
    shift
    t0=$(now)
    job=$(mktemp -d /tmp/tinyrun-vm.XXXXXX) || { VM_RC=125; return; }
    VM_JOB=$job
    chmod 755 "$job"
    mkdir -p "$job/out"
    cp "$VMDIR/guest-run.sh" "$job/guest-run.sh"
    local JOB_CWD=$TOP JOB_TIMEOUT=$TIMEOUT KMODDIR=$KDIR/lib/modules/$KVER
    local JOB_CMD=("$@")
    local JOB_ENV=("RUNTIME=$RUNTIME" "TINYRUN_VM=$v")
    # lima boots like systemd (the initramfs knows v2 and systemd); guest.sh does the rest.
    local boot=$v
    if [ "$v" = lima ]; then
        boot=systemd
        cp "$LIMA_IMAGE_TAR" "$job/lima-image.tar" && chmod 644 "$job/lima-image.tar"
        JOB_ENV+=("LIMA_IMAGE=/tinyrun-job/lima-image.tar" ${LIMA_RUNTIMES:+"LIMA_RUNTIMES=$LIMA_RUNTIMES"})
    fi
    # declare -p keeps the quoting and the array flag; -g because guest-run.sh sources it in a function.
    { for n in JOB_CWD JOB_TIMEOUT KMODDIR KVER; do declare -p $n; done
      declare -p JOB_CMD JOB_ENV; } | sed 's/^declare /declare -g /' > "$job/job.env"
    [ "$boot" = systemd ] && write_systemd_units "$job"
    append="console=ttyS0 quiet loglevel=3 panic=-1 ${TINYRUN_VM_KARGS-mitigations=off} tinyrun.variant=$boot${TINYRUN_VM_TRACE:+ TINYRUN_VM_TRACE=1}"
    # The guest's /tmp is a fresh tmpfs: a tree under the host's /tmp is mounted back in.
    case "$TOP/" in /tmp/*) append="$append tinyrun.tree=$TOP" ;; esac
    if [ "$boot" = systemd ]; then
        append="$append systemd.unit=tinyrun-vmtest.target systemd.unified_cgroup_hierarchy=1"
        append="$append systemd.show_status=0 systemd.log_level=${TINYRUN_VM_SD_LOG:-warning} systemd.journald.forward_to_console=0"
    fi
    timeout -k 10 $((TIMEOUT + 90)) qemu-system-x86_64 -accel tcg -cpu "$CPU" -m "$MEM" -smp "$SMP" \
        -display none -no-reboot -monitor none -serial "file:$job/console.log" \
        -kernel "$VMLINUZ" -initrd "$INITRD" -append "$append" \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$job,mount_tag=job,security_model=none" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$job/qemu.log" 2>&1
    qrc=$?
    if [ -s "$job/out/status" ]; then
        VM_RC=$(cat "$job/out/status")
    else
        VM_RC=125
        {
            echo "1..1"
            if [ $qrc = 124 ] || [ $qrc = 137 ]; then
                echo "not ok 1 - VM ($v) timed out after ${TIMEOUT}s + boot allowance without reporting a result"
            else
                echo "not ok 1 - VM ($v) exited (qemu status $qrc) without reporting a result"
            fi
            echo "# last lines of the serial console ($job/console.log):"
            tail -n 40 "$job/console.log" 2>/dev/null | sed 's/^/#   /'
            sed 's/^/#   qemu: /' "$job/qemu.log" 2>/dev/null
        } > "$job/out/tap"
        keep=1
    fi
    guest_times=$(cat "$job/out/times" 2>/dev/null)
    note "[$v] VM wall $(elapsed "$t0")s; guest uptime at end ${guest_times%% *}s, command ${guest_times##* }s; status $VM_RC"
}

# Build the integration suites' probe and rootfs template on the host (gcc under TCG is slow);
# guest-run.sh copies that cache into a tmpfs.
prebuild_test_cache() {
    local t0
    t0=$(now)
    [ -f "$TOP/tests/integration/helpers.bash" ] || return 0
    (cd "$TOP/tests/integration" && bash -c 'bats_require_minimum_version() { :; }
        . ./helpers.bash && build_probe') >/dev/null 2>&1 \
        || note "warning: building the integration test cache on the host failed"
    note "integration test cache ready in $(elapsed "$t0")s"
}

# The lima variant runs the host's programs over 9p: its packages must be on the host.
# dbus-user-session gives the user's systemd a bus; libpam-systemd the user session.
LIMA_PKGS="containerd:containerd ctr:containerd rootlesskit:rootlesskit slirp4netns:slirp4netns
newuidmap:uidmap /usr/lib/systemd/user/dbus.socket:dbus-user-session
/lib/*/security/pam_systemd.so:libpam-systemd setpriv:util-linux gcc:gcc"
ensure_lima_prereqs() {
    local e missing=()
    for e in $LIMA_PKGS; do
        case "${e%%:*}" in
        /*) compgen -G "${e%%:*}" >/dev/null ;;
        *) command -v "${e%%:*}" >/dev/null ;;
        esac || missing+=("${e#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    apt_install "${missing[@]}" >&2 && return 0
    echo "missing ${missing[*]} and apt-get install failed or not root (log: $CACHE/apt.log)"
    return 1
}

# The lima variant's image (busybox + probe, docker-archive) is built on the host: gcc is slow
# under TCG, and the guest has no network to pull one.
LIMA_IMAGE_TAR=""
prepare_lima_image() {
    local t0
    t0=$(now)
    LIMA_IMAGE_TAR=$CACHE/lima-image.tar
    CLIENTS_CACHE=$CACHE/clients BUSYBOX=$BUSYBOX "$TOP/tests/clients/make-image.sh" "$LIMA_IMAGE_TAR.tmp" \
        >"$CACHE/lima-image.log" 2>&1 && mv "$LIMA_IMAGE_TAR.tmp" "$LIMA_IMAGE_TAR" \
        || { rm -f "$LIMA_IMAGE_TAR.tmp"; return 1; }
    note "lima image ready in $(elapsed "$t0")s"
}

# Merge the TAP streams of several variants into one: renumber, prefix with [variant], one plan.
merge_tap() {
    awk -f "$VMDIR/merge-tap.awk" "$@"
}

main() {
    local variants=() v rc=0 cmd files=() tapdir why
    case "$variant" in all) variants=(v2 systemd) ;; *) variants=("$variant") ;; esac
    ensure_prereqs
    prepare_kernel
    build_initramfs
    prebuild_test_cache
    tapdir=$(mktemp -d /tmp/tinyrun-vm-tap.XXXXXX)
    [ -x "$RUNTIME" ] || note "warning: RUNTIME $RUNTIME is not executable; tests will skip or fail"
    for v in "${variants[@]}"; do
        if [ ${#user_cmd[@]} -gt 0 ]; then
            cmd=("${user_cmd[@]}")
        else
            local suite=tests/integration/cgroups.bats
            [ "$v" = systemd ] && suite=tests/integration/systemd.bats
            [ "$v" = lima ] && suite=tests/vm/lima/guest.sh
            if [ ! -f "$TOP/$suite" ]; then
                printf '1..0 # SKIP %s not found\n' "$suite" > "$tapdir/tinyrun-vm-tap.$v"
                files+=("$tapdir/tinyrun-vm-tap.$v")
                continue
            fi
            cmd=(bats --tap "$suite")
            [ "$v" = lima ] && cmd=(bash "$suite")
            # checkpoint/restore needs a kernel criu 3.17 runs on: the VM's, not the host's
            [ "$v" = v2 ] && [ -f "$TOP/tests/integration/checkpoint.bats" ] &&
                cmd+=(tests/integration/checkpoint.bats)
        fi
        if [ "$v" = lima ] && ! why=$(ensure_lima_prereqs); then
            printf '1..0 # SKIP %s\n' "$why" > "$tapdir/tinyrun-vm-tap.$v"
            files+=("$tapdir/tinyrun-vm-tap.$v")
            continue
        fi
        if [ "$v" = lima ] && ! prepare_lima_image; then
            printf '1..1\nnot ok 1 - building the lima image with tests/clients/make-image.sh failed (log: %s)\n' \
                "$CACHE/lima-image.log" > "$tapdir/tinyrun-vm-tap.$v"
            files+=("$tapdir/tinyrun-vm-tap.$v")
            rc=1
            continue
        fi
        run_vm "$v" "${cmd[@]}"
        [ "$VM_RC" = 0 ] || rc=1
        cp "$VM_JOB/out/tap" "$tapdir/tinyrun-vm-tap.$v"
        files+=("$tapdir/tinyrun-vm-tap.$v")
        if [ "$VM_RC" = 124 ] || [ "$VM_RC" = 137 ]; then
            printf 'not ok %d - the %s command timed out after %ss in the VM (TINYRUN_VM_TIMEOUT)\n' \
                $(( $(grep -cE '^(not )?ok ' "$tapdir/tinyrun-vm-tap.$v") + 1 )) "$v" "$TIMEOUT" >> "$tapdir/tinyrun-vm-tap.$v"
        fi
        if [ "$VM_RC" != 0 ] && [ -s "$VM_JOB/out/stderr" ]; then
            echo "# stderr of the command in the $v VM:" >> "$tapdir/tinyrun-vm-tap.$v"
            tail -n 60 "$VM_JOB/out/stderr" | sed 's/^/#   /' >> "$tapdir/tinyrun-vm-tap.$v"
        fi
        if [ $keep = 1 ]; then note "[$v] job dir kept: $VM_JOB"; else rm -rf "$VM_JOB"; fi
    done
    if [ ${#files[@]} -eq 1 ]; then cat "${files[0]}"; else merge_tap "${files[@]}"; fi
    rm -rf "$tapdir"
    note "total $(elapsed "$T_START")s"
    return $rc
}

main
