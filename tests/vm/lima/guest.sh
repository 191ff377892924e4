#!/bin/bash
# tests/vm/lima/guest.sh: the root half of the lima VM variant (tests/vm/run.sh --variant lima),
# run by tinyrun-vmtest.service once systemd (PID 1, cgroup v2) is up. It provisions what Lima's
# boot scripts provision in its default guest, then runs lima.bats as that user once per runtime
# and prints one TAP stream, each test prefixed with [runtime]:
#   - a user with uid 1000 (the existing one, else "lima") with a tmpfs home and subuid/subgid;
#   - Delegate=yes for user@.service (Lima's user@.service.d/lima.conf), the unprivileged port
#     sysctl, /dev/net/tun usable by slirp4netns, `loginctl enable-linger`;
#   - the user's systemd instance and its D-Bus (dbus-user-session) started by logind.
# Environment: RUNTIME (tinyrun under test), LIMA_IMAGE (image tar from tests/clients/make-image.sh),
# LIMA_RUNTIMES (LABEL=PATH words, default "tinyrun=$RUNTIME runc=/usr/sbin/runc
# crun=/usr/bin/crun"; a missing one gives a skipped test).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LIMA_UID=1000
BOUNDED=60   # seconds for each wait below (the user manager starts in ~5 s under TCG)

say() { echo "# lima: $*"; }
die() { echo "1..1"; echo "not ok 1 - lima guest provisioning: $*"; exit 1; }

wait_until() {
    local i
    for ((i = 0; i < BOUNDED * 5; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}

provision_user() {
    LIMA_USER=$(getent passwd $LIMA_UID | cut -d: -f1)
    if [ -z "$LIMA_USER" ]; then
        LIMA_USER=lima
        useradd -u $LIMA_UID -U -M -d /home/lima -s /bin/bash lima || die "useradd lima failed"
    fi
    LIMA_HOME=$(getent passwd $LIMA_UID | cut -d: -f6)
    LIMA_GID=$(getent passwd $LIMA_UID | cut -d: -f4)
    # A fresh tmpfs home: containerd's overlayfs snapshots cannot live on the root overlay.
    mkdir -p "$LIMA_HOME" && mount -t tmpfs -o mode=700,uid=$LIMA_UID,gid=$LIMA_GID tmpfs "$LIMA_HOME" \
        || die "cannot mount a tmpfs home at $LIMA_HOME"
    sed -i "/^$LIMA_USER:/d" /etc/subuid /etc/subgid 2>/dev/null
    echo "$LIMA_USER:200000:65536" >> /etc/subuid
    echo "$LIMA_USER:200000:65536" >> /etc/subgid
}

provision_system() {
    # Lima: user@.service.d/lima.conf (Delegate=yes) and ip_unprivileged_port_start=0.
    mkdir -p /etc/systemd/system/user@.service.d
    printf '[Service]\nDelegate=yes\n' > /etc/systemd/system/user@.service.d/lima.conf
    sysctl -q -w net.ipv4.ip_unprivileged_port_start=0 || say "warning: ip_unprivileged_port_start not set"
    # A normal boot's udev makes /dev/net/tun 0666; in this VM it is 0600 (slirp4netns needs it).
    modprobe tun 2>/dev/null
    # The CNI test's bridge plugin makes a bridge and a veth pair from inside RootlessKit's userns.
    modprobe -a bridge veth 2>/dev/null || say "warning: modprobe bridge veth failed"
    [ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod -m 666 /dev/net/tun c 10 200; }
    chmod 666 /dev/net/tun
    # user@.service's PAM stack; the host image may lack the Debian conffile.
    [ -e /etc/pam.d/systemd-user ] || printf '%s\n' 'account include common-account' \
        'session required pam_limits.so' 'session include common-session-noninteractive' \
        'session optional pam_systemd.so' > /etc/pam.d/systemd-user
    systemctl daemon-reload || die "systemctl daemon-reload failed"
}

start_user_manager() {
    loginctl enable-linger "$LIMA_USER" || die "loginctl enable-linger $LIMA_USER failed"
    wait_until systemctl is-active user@$LIMA_UID.service \
        || die "user@$LIMA_UID.service not active after ${BOUNDED}s: $(systemctl status --no-pager user@$LIMA_UID.service 2>&1 | tail -n 5 | tr '\n' ' ')"
    wait_until test -S /run/user/$LIMA_UID/bus \
        || die "no user bus at /run/user/$LIMA_UID/bus after ${BOUNDED}s (dbus-user-session installed?)"
    say "user $LIMA_USER: $(systemctl show -p Delegate -p DelegateControllers user@$LIMA_UID.service | tr '\n' ' ')"
}

# as_user CMD...: CMD as the user, with the environment of a login (what `lima` gives a command).
as_user() {
    setpriv --reuid=$LIMA_UID --regid="$LIMA_GID" --init-groups -- env -i \
        PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME="$LIMA_HOME" USER="$LIMA_USER" \
        LOGNAME="$LIMA_USER" LANG=C.UTF-8 XDG_RUNTIME_DIR=/run/user/$LIMA_UID \
        DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$LIMA_UID/bus "$@"
}

# One bats run per runtime (LIMA_RUNTIMES: LABEL=PATH words); the TAP streams are renumbered
# into one, names prefixed [LABEL].
run_suites() {
    local spec r name rc=0 out files=()
    # In the job dir when there is one: what a suite printed survives a timeout of the VM.
    out=${LIMA_OUT:-/tinyrun-job/out/lima}
    mkdir -p "$out" || out=$(mktemp -d /tmp/lima-tap.XXXXXX)
    for spec in ${LIMA_RUNTIMES:-tinyrun=$RUNTIME runc=/usr/sbin/runc crun=/usr/bin/crun}; do
        name=${spec%%=*} r=${spec#*=}
        files+=("$out/tap.$name")
        if [ ! -x "$r" ]; then
            printf '1..0 # SKIP %s not installed\n' "$r" > "$out/tap.$name"
            continue
        fi
        say "runtime $name ($r)"
        if ! as_user env LIMA_RUNTIME="$r" LIMA_IMAGE="${LIMA_IMAGE:-}" timeout -k 10 "${LIMA_SUITE_TIMEOUT:-600}" \
                bats --tap "$here/lima.bats" > "$out/tap.$name" 2> "$out/err.$name" < /dev/null; then
            rc=1
            tail -n 30 "$out/err.$name" | sed 's/^/#   stderr: /' >> "$out/tap.$name"
            journalctl -q --no-pager _SYSTEMD_USER_UNIT=containerd.service -n 25 2>&1 \
                | sed 's/^/#   containerd: /' >> "$out/tap.$name"
        fi
    done
    awk -f "$here/../merge-tap.awk" "${files[@]}"
    # Lima's containerd stays up for the whole boot; stop it so the VM powers off cleanly.
    as_user systemctl --user stop containerd.service
    return $rc
}

provision_user
provision_system
start_user_manager
run_suites
