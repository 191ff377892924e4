#!/bin/sh
# Makes a busybox bundle locally (no image download) and runs a hello container with tinyrun.
# Usage: contrib/hello.sh [path-to-tinyrun]   (as root)
set -eu
TINYRUN=${1:-$(command -v tinyrun || echo /usr/local/bin/tinyrun)}
case $TINYRUN in /*) ;; */*) TINYRUN=$(pwd)/$TINYRUN ;; esac
BUSYBOX=/bin/busybox   # from busybox-static: no shared library needed inside the rootfs
[ -x "$BUSYBOX" ] || { echo "hello.sh: $BUSYBOX missing; apt-get install busybox-static" >&2; exit 1; }
bundle=$(mktemp -d /tmp/tinyrun-hello.XXXXXX)
trap 'rm -rf "$bundle"' EXIT
mkdir -p "$bundle/rootfs/bin"
cp "$BUSYBOX" "$bundle/rootfs/bin/busybox"
for applet in sh echo cat ls id hostname uname; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
cd "$bundle"
"$TINYRUN" spec
# Not a terminal, and a friendlier command than runc spec's interactive "sh".
jq '.process.terminal = false | .process.args = ["sh", "-c", "echo Hello from tinyrun: $(id -u)@$(hostname) on $(uname -s)"]' \
    config.json > config.json.new && mv config.json.new config.json
rc=0
"$TINYRUN" run --bundle "$bundle" "hello-$$" || rc=$?
exit $rc
