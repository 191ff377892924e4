#!/bin/bash
# Start-up benchmark: `run` of /bin/true in a busybox bundle with tinyrun, crun and runc.
#   sudo bench/run.sh            (RUNS=30 WARMUP=3 RSS_RUNS=7; TINYRUN=path to override)
# Prints hyperfine's table, the mean time of each runtime as a ratio to crun's, and the peak RSS
# (median of RSS_RUNS runs of /usr/bin/time -f %M). No thresholds: numbers to read, see README.md.
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
RSS_RUNS=${RSS_RUNS:-7}
TINYRUN=${TINYRUN:-$REPO_DIR/tinyrun}
CRUN=${CRUN:-$(command -v crun || true)}
RUNC=${RUNC:-$(command -v runc || true)}

# crun 1.8 refuses a cgroup v1 hybrid host whose cgroup2 mount carries a controller (this
# host). Then the whole benchmark re-runs itself in a private mount namespace without that
# mount, so that all three runtimes see the same pure cgroup v1 layout.
if [ -z "${BENCH_IN_NS:-}" ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
	echo "note: hybrid cgroup host with a cgroup2 controller: benchmarking with /sys/fs/cgroup/unified hidden (see README.md)"
	exec env BENCH_IN_NS=1 unshare -m --propagation slave sh -c \
		'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
fi

for tool in hyperfine jq gcc; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

WORK=$(mktemp -d /tmp/tinyrun-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The same busybox + probe bundle as the integration tests (tests/integration/helpers.bash).
bats_require_minimum_version() { :; }
# shellcheck source=../tests/integration/helpers.bash
. "$REPO_DIR/tests/integration/helpers.bash"
setup_bundle "$WORK/bundle"
update_config '.process.args = ["/bin/true"]'

names=() cmds=() bins=()
add() { # NAME BINARY
	if [ -z "$2" ] || [ ! -x "$2" ]; then
		echo "note: $1 not found, left out"
		return
	fi
	mkdir -p "$WORK/root-$1"
	names+=("$1")
	bins+=("$2")
	cmds+=("$BENCH_DIR/run-one.sh $2 $WORK/root-$1 $WORK/bundle")
}
add tinyrun "$TINYRUN"
add crun "$CRUN"
add runc "$RUNC"
[ ${#names[@]} -gt 0 ] || { echo "bench: no runtime to measure" >&2; exit 1; }

# Each runtime must actually run the bundle before it is timed.
for i in "${!names[@]}"; do
	if ! ${cmds[$i]}; then
		echo "bench: ${names[$i]} cannot run the bundle; fix that first" >&2
		exit 1
	fi
done

args=()
for i in "${!names[@]}"; do
	args+=(--command-name "${names[$i]}" "${cmds[$i]}")
done
hyperfine --warmup "$WARMUP" --runs "$RUNS" -N --export-json "$WORK/hf.json" "${args[@]}" 2>/dev/null ||
	hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/hf.json" "${args[@]}"

# Peak RSS of the runtime process itself (the GNU time of `RUNTIME run`), median of RSS_RUNS.
rss_median() { # BINARY ROOT
	local k
	for k in $(seq "$RSS_RUNS"); do
		/usr/bin/time -f %M -o "$WORK/rss" "$1" --root "$2" run --bundle "$WORK/bundle" "rss-$$-$k" \
			</dev/null >/dev/null 2>&1 || true
		cat "$WORK/rss"
		"$1" --root "$2" delete --force "rss-$$-$k" >/dev/null 2>&1 || true
	done | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}

echo
crun_mean=$(jq -r '.results[] | select(.command == "crun") | .mean' "$WORK/hf.json")
printf '%-8s %12s %12s %10s %14s\n' runtime "mean (ms)" "stddev (ms)" "vs crun" "peak RSS (KiB)"
for i in "${!names[@]}"; do
	n=${names[$i]}
	mean=$(jq -r --arg n "$n" '.results[] | select(.command == $n) | .mean' "$WORK/hf.json")
	sd=$(jq -r --arg n "$n" '.results[] | select(.command == $n) | .stddev' "$WORK/hf.json")
	if [ -n "$crun_mean" ]; then
		ratio=$(awk -v a="$mean" -v b="$crun_mean" 'BEGIN {printf "%.2fx", a / b}')
	else
		ratio=n/a
	fi
	printf '%-8s %12.2f %12.2f %10s %14s\n' "$n" "$(awk -v m="$mean" 'BEGIN {print m * 1000}')" \
		"$(awk -v m="$sd" 'BEGIN {print m * 1000}')" "$ratio" "$(rss_median "${bins[$i]}" "$WORK/root-$n")"
done
