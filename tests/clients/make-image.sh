#!/bin/bash
# make-image.sh OUT.tar [NAME]: build a docker-archive image (the `docker save` layout:
# manifest.json + config JSON + one layer tar) from busybox-static and the static probe, without
# any download. The same tarball is loaded by `ctr images import`, `podman load` and
# `docker load`. NAME defaults to localhost/tinyrun-busybox:latest: a "localhost/" name is
# spelled the same way by all three clients (no docker.io/ normalisation).
#
# Environment: BUSYBOX (default /bin/busybox), PROBE_SRC (tests/probe/probe.c; skipped when
# missing), CLIENTS_CACHE (work dir, default /var/tmp/tinyrun-clients-cache).
set -euo pipefail

out=${1:?usage: make-image.sh OUT.tar [NAME]}
name=${2:-localhost/tinyrun-busybox:latest}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX=${BUSYBOX:-/bin/busybox}
PROBE_SRC=${PROBE_SRC:-$here/../probe/probe.c}
cache=${CLIENTS_CACHE:-/var/tmp/tinyrun-clients-cache}

mkdir -p "$cache"
work=$(mktemp -d "$cache/image.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Root filesystem: busybox with every applet as a symlink, /probe, a minimal /etc.
r=$work/rootfs
mkdir -p "$r"/{bin,sbin,etc,proc,sys,dev,tmp,root,mnt,run,var/tmp,usr/bin,usr/sbin}
cp "$BUSYBOX" "$r/bin/busybox"
for applet in $("$BUSYBOX" --list); do
	[ "$applet" = busybox ] || ln -sf busybox "$r/bin/$applet"
done
if [ -f "$PROBE_SRC" ]; then
	gcc -static -O2 -o "$r/probe" "$PROBE_SRC"
fi
chmod 1777 "$r/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' >"$r/etc/passwd"
printf 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n' >"$r/etc/group"
: >"$r/etc/hostname"
: >"$r/etc/hosts"
: >"$r/etc/resolv.conf"

# One reproducible layer: sorted, fixed owner and time.
img=$work/img
mkdir -p "$img"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$r" -cf "$work/layer.tar" .
layer_sha=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
mkdir -p "$img/$layer_sha"
mv "$work/layer.tar" "$img/$layer_sha/layer.tar"
printf '1.0' >"$img/$layer_sha/VERSION"

jq -cn --arg diff "sha256:$layer_sha" '{
  architecture: "amd64",
  os: "linux",
  created: "1970-01-01T00:00:00Z",
  config: {
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
    Cmd: ["/bin/sh"],
    WorkingDir: "/"
  },
  rootfs: {type: "layers", diff_ids: [$diff]},
  history: [{created: "1970-01-01T00:00:00Z", created_by: "tests/clients/make-image.sh"}]
}' >"$work/config.json"
config_sha=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mv "$work/config.json" "$img/$config_sha.json"

jq -cn --arg cfg "$config_sha.json" --arg tag "$name" --arg layer "$layer_sha/layer.tar" \
	'[{Config: $cfg, RepoTags: [$tag], Layers: [$layer]}]' >"$img/manifest.json"
# The legacy `repositories` file: older loaders look the tag up there.
jq -cn --arg repo "${name%:*}" --arg tag "${name##*:}" --arg id "$layer_sha" \
	'{($repo): {($tag): $id}}' >"$img/repositories"

tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$img" -cf "$out.tmp" .
mv "$out.tmp" "$out"
