#!/bin/bash
# containerd-rootless.sh: rootless containerd the way nerdctl's extras/rootless/containerd-rootless.sh
# starts it in Lima's guest (our own script, not a copy): RootlessKit makes the user, mount and
# network namespaces (slirp4netns), copies up /etc and /run into tmpfs, and the child bind-mounts
# the user's own dirs over containerd's default paths before exec'ing containerd with its
# default config path (/etc/containerd/config.toml, i.e. $XDG_CONFIG_HOME/containerd).
# Run as the unprivileged user (ExecStart of the containerd.service user unit in lima.bats).
# Clients enter the namespaces with
#   nsenter -U --preserve-credentials -m -n -t "$(cat $XDG_RUNTIME_DIR/containerd-rootless/child_pid)"
set -eu
: "${XDG_RUNTIME_DIR:?XDG_RUNTIME_DIR must be set (/run/user/UID of the user)}"
: "${XDG_DATA_HOME:=$HOME/.local/share}"
: "${XDG_CONFIG_HOME:=$HOME/.config}"

if [ "${_TINYRUN_ROOTLESS_CHILD:-}" != 1 ]; then
    [ "$(id -u)" != 0 ] || { echo "containerd-rootless.sh: must not run as root" >&2; exit 1; }
    export _TINYRUN_ROOTLESS_CHILD=1
    state=$XDG_RUNTIME_DIR/containerd-rootless
    rm -rf "$state"
    # The same flags as nerdctl's script, minus its optional CONTAINERD_ROOTLESS_* knobs.
    exec rootlesskit --state-dir="$state" --net=slirp4netns --mtu=65520 \
        --slirp4netns-sandbox=auto --slirp4netns-seccomp=auto --disable-host-loopback \
        --port-driver=builtin --copy-up=/etc --copy-up=/run --copy-up=/var/lib \
        --propagation=rslave "$0" "$@"
fi

# In RootlessKit's namespaces: /etc, /run and /var/lib are tmpfs whose entries are symlinks to
# the originals. Replace the ones containerd uses by the user's dirs (the originals stay).
bind_dir() {
    mkdir -p "$1"
    rm -f "$2"
    mkdir -p "$2"
    mount --bind "$1" "$2"
}
bind_dir "$XDG_RUNTIME_DIR/containerd" /run/containerd
bind_dir "$XDG_DATA_HOME/containerd" /var/lib/containerd
bind_dir "$XDG_CONFIG_HOME/containerd" /etc/containerd
exec containerd "$@"
