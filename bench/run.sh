#!/bin/bash
# tinyrun benchmark: start-up, create/start/delete, exec, parallel throughput, clients, peak RSS,
# binary size, libraries loaded and tinyrun's --trace phases, against crun, runc and a floor
# program (bench/floor.c). Medians from hyperfine -N (no shell around the runtime), and ratios
# to crun paired within a round (all runtimes measured back to back, ROUNDS times).
#   sudo bench/run.sh [--force]     --force: report even when the machine is loaded
# Environment (defaults): ROUNDS=3 RUNS=20 WARMUP=3 RSS_RUNS=7 TRACE_RUNS=7 BENCH_MAX_LOAD=1.0
#   PAR_COUNTS="100 1000" PAR_JOBS="4 16" TINYRUN=./tinyrun CRUN=crun RUNC=runc
#   BENCH_ROOTS_DIR=/dev/shm (a tmpfs: where the runtimes' --root dirs go)
#   BENCH_QUICK=1: a smoke test of the script (1 round of 3 runs, 20 containers 4 at a time).
# No thresholds: numbers to read (bench/README.md says what each one is).
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
FORCE=${BENCH_FORCE:-0}
[ "${1:-}" = --force ] && FORCE=1
if [ -n "${BENCH_QUICK:-}" ]; then
	: "${ROUNDS:=1}" "${RUNS:=3}" "${WARMUP:=1}" "${RSS_RUNS:=3}" "${TRACE_RUNS:=3}"
	: "${PAR_COUNTS:=20}" "${PAR_JOBS:=4}"
fi
ROUNDS=${ROUNDS:-3} RUNS=${RUNS:-20} WARMUP=${WARMUP:-3} RSS_RUNS=${RSS_RUNS:-7}
TRACE_RUNS=${TRACE_RUNS:-7} PAR_COUNTS=${PAR_COUNTS:-100 1000} PAR_JOBS=${PAR_JOBS:-4 16}
BENCH_MAX_LOAD=${BENCH_MAX_LOAD:-1.0}
TINYRUN=${TINYRUN:-$REPO_DIR/tinyrun}
CRUN=${CRUN:-$(command -v crun || true)}
RUNC=${RUNC:-$(command -v runc || true)}

# crun 1.8 refuses a cgroup v1 hybrid host whose cgroup2 mount carries a controller (this
# host): the whole benchmark re-runs itself in a private mount namespace without that mount,
# so that all runtimes see the same pure cgroup v1 layout.
if [ -z "${BENCH_IN_NS:-}" ] && [ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
	echo "note: hybrid cgroup host with a cgroup2 controller: benchmarking with /sys/fs/cgroup/unified hidden"
	exec env BENCH_IN_NS=1 BENCH_FORCE="$FORCE" unshare -m --propagation slave sh -c \
		'umount -l /sys/fs/cgroup/unified && exec "$0" "$@"' "$0" "$@"
fi

for tool in hyperfine jq gcc size awk; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is not installed" >&2; exit 1; }
done
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root" >&2; exit 1; }

# A loaded machine gives numbers of the load, not of the runtimes.
load=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load" -v m="$BENCH_MAX_LOAD" 'BEGIN { exit !(l > m) }'; then
	if [ "$FORCE" != 1 ]; then
		echo "bench: 1-min load average $load > BENCH_MAX_LOAD=$BENCH_MAX_LOAD: not reporting." >&2
		echo "       Wait for a quiet machine, or pass --force (numbers then say UNDER LOAD)." >&2
		exit 3
	fi
	UNDER_LOAD=" (UNDER LOAD: $load > $BENCH_MAX_LOAD; not for the README)"
fi

WORK=$(mktemp -d /tmp/tinyrun-bench.XXXXXX)
# The state roots (--root) on a tmpfs, as the runtimes' defaults (/run/<runtime>) are on a usual
# host: on a disk filesystem every file a runtime makes there costs that filesystem's inode
# allocation (ext4 on this project's hosts, where /run and /tmp are on disk: perf shows 0.3-0.5 ms
# of CPU per file in ext4's free-inode search, and each runtime makes 4-7 files per container),
# a cost of the host rather than of the runtime. BENCH_ROOTS_DIR=DIR to measure elsewhere.
ROOTS=$(mktemp -d "${BENCH_ROOTS_DIR:-/dev/shm}/tinyrun-bench-roots.XXXXXX")
cleanup() {
	local n
	for n in "${names[@]:-}"; do
		[ -n "$n" ] && for id in $(ls "$ROOTS/root-$n" 2>/dev/null); do
			"${bin[$n]}" --root "$ROOTS/root-$n" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$WORK" "$ROOTS"
}
trap cleanup EXIT

# The same busybox + probe bundle as the integration tests (tests/integration/helpers.bash).
bats_require_minimum_version() { :; }
# shellcheck source=../tests/integration/helpers.bash
. "$REPO_DIR/tests/integration/helpers.bash"
setup_bundle "$WORK/bundle"
update_config '.process.args = ["/bin/true"]'
mkdir -p "$WORK/sleeper"
jq --arg r "$WORK/bundle/rootfs" '.root.path = $r | .process.args = ["/bin/sleep", "3600"]' \
	"$WORK/bundle/config.json" >"$WORK/sleeper/config.json"
gcc -O2 -Wall -o "$WORK/floor" "$BENCH_DIR/floor.c"
gcc -O2 -Wall -o "$WORK/par" "$BENCH_DIR/par.c"
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then FLOOR_CG=/sys/fs/cgroup; else FLOOR_CG=/sys/fs/cgroup/pids; fi

declare -A bin
names=()
add() { # NAME BINARY
	if [ -z "$2" ] || [ ! -x "$2" ]; then
		echo "note: $1 not found, left out"
		return
	fi
	mkdir -p "$ROOTS/root-$1"
	if ! "$2" --root "$ROOTS/root-$1" run --bundle "$WORK/bundle" "check-$1" </dev/null >/dev/null 2>"$WORK/err"; then
		echo "note: $1 cannot run the bundle, left out: $(tail -n1 "$WORK/err")"
		return
	fi
	names+=("$1")
	bin[$1]=$2
}
add tinyrun "$TINYRUN"
add crun "$CRUN"
add runc "$RUNC"
[ ${#names[@]} -gt 0 ] || { echo "bench: no runtime to measure" >&2; exit 1; }

# ---- what the numbers come from
count_files() { # NAME PATTERN: cgroup files NAME whose content matches PATTERN
	{ find /sys/fs/cgroup -name "$1" -exec grep -l "$2" {} + 2>/dev/null || true; } | wc -l
}
frozen=$(count_files freezer.state FROZEN)
frozen2=$(count_files cgroup.freeze '^1')
echo "== machine: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)${UNDER_LOAD:-}"
echo "   state roots: $ROOTS ($(stat -f -c %T "$ROOTS"))"
echo "   frozen cgroups on the host: $((frozen + frozen2)) (crun's delete costs 2.5-8 ms more with one)"
for n in "${names[@]}"; do
	echo "   $n: ${bin[$n]} ($("${bin[$n]}" --version 2>/dev/null | head -n1))"
done
echo "   rounds=$ROUNDS runs=$RUNS warmup=$WARMUP; hyperfine -N; medians in ms; ratios are to crun, paired per round"

# hf OUT NAME:CMD[:PREPARE]... : one hyperfine -N of the commands, JSON into OUT.
hf() {
	local out=$1 spec args=()
	shift
	for spec in "$@"; do
		IFS=$'\t' read -r nm cmd prep <<<"$spec"
		args+=(--command-name "$nm")
		args+=(--prepare "${prep:-true}")   # hyperfine wants one per command or none
		args+=("$cmd")
	done
	hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$out" "${args[@]}" >/dev/null 2>"$WORK/hf.err" ||
		{ echo "bench: hyperfine failed: $(tail -n3 "$WORK/hf.err")" >&2; return 1; }
}

# median_ms FILES... NAME: the median over rounds of NAME's median (ms).
median_ms() {
	local name=${*: -1}
	jq -r --arg n "$name" '.results[] | select(.command == $n) | .median * 1000' "${@:1:$#-1}" |
		sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.2f", a[int((NR + 1) / 2)] }'
}
# ratio FILES... NAME: the median over rounds of NAME's median / crun's median in that round.
ratio() {
	local name=${*: -1} f r=()
	for f in "${@:1:$#-1}"; do
		r+=("$(jq -r --arg n "$name" '([.results[] | select(.command == $n) | .median] | first) as $a |
			([.results[] | select(.command == "crun") | .median] | first) as $c |
			if $a and $c then $a / $c else empty end' "$f")")
	done
	printf '%s\n' "${r[@]}" | grep . | sort -n | awk '{ a[NR] = $1 } END { if (NR) printf "%.2fx", a[int((NR + 1) / 2)]; else print "n/a" }'
}
table() { # TITLE PREFIX NAMES...
	local title=$1 prefix=$2 n
	shift 2
	echo
	echo "== $title"
	printf '%-10s %12s %10s\n' "" "median ms" "vs crun"
	for n in "$@"; do
		printf '%-10s %12s %10s\n' "$n" "$(median_ms "$WORK/$prefix".*.json "$n")" "$(ratio "$WORK/$prefix".*.json "$n")"
	done
}
rt() { echo "${bin[$1]} --root $ROOTS/root-$1"; }
# a shell only for prepare steps (not timed): delete leftovers of ID
gone() { echo "sh -c '$(rt "$1") delete --force $2 >/dev/null 2>&1; true'"; }

# ---- start-up: run /bin/true, and the floor
for r in $(seq "$ROUNDS"); do
	specs=()
	for n in "${names[@]}"; do
		specs+=("$n"$'\t'"$(rt "$n") run --bundle $WORK/bundle b-$n"$'\t'"$(gone "$n" "b-$n")")
	done
	specs+=("floor"$'\t'"$WORK/floor $WORK/bundle/rootfs $FLOOR_CG /bin/true"$'\t')
	hf "$WORK/run.$r.json" "${specs[@]}"
done
table "run /bin/true (start-up)" run "${names[@]}" floor

# ---- create, start, delete on their own (the prepare step makes the state each one needs)
wait_stopped() { # NAME ID: a bounded wait for the container's process to exit
	echo "for i in \$(seq 500); do $(rt "$1") state $2 2>/dev/null | grep -q stopped && break; sleep 0.01; done"
}
for r in $(seq "$ROUNDS"); do
	c=() s=() d=()
	for n in "${names[@]}"; do
		R=$(rt "$n") id=v-$n
		c+=("$n"$'\t'"$R create --bundle $WORK/bundle $id"$'\t'"$(gone "$n" "$id")")
		s+=("$n"$'\t'"$R start $id"$'\t'"sh -c '$R delete --force $id >/dev/null 2>&1; $R create --bundle $WORK/bundle $id </dev/null >/dev/null'")
		d+=("$n"$'\t'"$R delete $id"$'\t'"sh -c '$R delete --force $id >/dev/null 2>&1; $R create --bundle $WORK/bundle $id </dev/null >/dev/null && $R start $id && $(wait_stopped "$n" "$id")'")
	done
	hf "$WORK/create.$r.json" "${c[@]}"
	hf "$WORK/start.$r.json" "${s[@]}"
	hf "$WORK/delete.$r.json" "${d[@]}"
	for n in "${names[@]}"; do "${bin[$n]}" --root "$ROOTS/root-$n" delete --force "v-$n" >/dev/null 2>&1 || true; done
done
table "create" create "${names[@]}"
table "start" start "${names[@]}"
table "delete (stopped container)" delete "${names[@]}"

# ---- exec /bin/true into a running container
for n in "${names[@]}"; do
	"${bin[$n]}" --root "$ROOTS/root-$n" run --detach --bundle "$WORK/sleeper" "x-$n" </dev/null >/dev/null 2>&1
done
for r in $(seq "$ROUNDS"); do
	specs=()
	for n in "${names[@]}"; do specs+=("$n"$'\t'"$(rt "$n") exec x-$n /bin/true"$'\t'); done
	hf "$WORK/exec.$r.json" "${specs[@]}"
done
for n in "${names[@]}"; do "${bin[$n]}" --root "$ROOTS/root-$n" delete --force "x-$n" >/dev/null 2>&1 || true; done
table "exec /bin/true into a running container" exec "${names[@]}"

# ---- parallel throughput: COUNT runs of /bin/true, JOBS at a time; failures and leaks counted.
# par.c starts the runs itself: no shell per run (it was `xargs sh -c`, whose ~1 ms of its own
# start-up per container, the same for every runtime, shrank the ratios).
leaks() { # NAME PREFIX: state dirs, cgroup dirs and processes left with PREFIX
	local s c p
	s=$(find "$ROOTS/root-$1" -maxdepth 1 -name "$2*" | wc -l)
	# crun makes v2 dirs in the tmpfs dir under the unified mount this script hid: an artefact
	# of hiding it, removed here and not counted
	if [ -n "${BENCH_IN_NS:-}" ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = tmpfs ]; then
		find /sys/fs/cgroup/unified -maxdepth 1 -type d -name "$2*" -exec rm -rf {} + 2>/dev/null || true
	fi
	c=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "$2*" 2>/dev/null | wc -l)
	p=$(pgrep -fc -- "$2" || true)
	echo "$((s + c + p))"
}
echo
echo "== parallel: containers per second (run /bin/true); failures; leaks (state dirs, cgroups, processes)"
printf '%-10s %6s %5s %12s %10s %9s %6s\n' "" count jobs "per second" "vs crun" failures leaks
for count in $PAR_COUNTS; do
	for jobs in $PAR_JOBS; do
		declare -A rate=() nfail=() nleak=()
		for n in "${names[@]}"; do
			pre=p$count-$jobs-$n-
			read -r ns fails < <("$WORK/par" "$count" "$jobs" "$pre" "${bin[$n]}" --root "$ROOTS/root-$n" run \
				--bundle "$WORK/bundle")
			rate[$n]=$(awk -v c="$count" -v ns="$ns" 'BEGIN { printf "%.1f", c / (ns / 1e9) }')
			nfail[$n]=$fails
			nleak[$n]=$(leaks "$n" "$pre")
		done
		for n in "${names[@]}"; do
			r=n/a
			[ -n "${rate[crun]:-}" ] && r=$(awk -v a="${rate[$n]}" -v b="${rate[crun]}" 'BEGIN { printf "%.2fx", a / b }')
			printf '%-10s %6s %5s %12s %10s %9s %6s\n' "$n" "$count" "$jobs" "${rate[$n]}" "$r" "${nfail[$n]}" "${nleak[$n]}"
		done
	done
done
echo "   (vs crun: throughput ratio, higher is better)"

# ---- clients: ctr run --rm and podman run --rm of /bin/true in our busybox rootfs
# The clients' runtimes run outside this mount namespace: crun goes through its wrapper there
# (tests/integration/runtimes/crun hides the cgroup2 mount the same way).
CLIENT_CRUN=$CRUN
[ -n "${BENCH_IN_NS:-}" ] && CLIENT_CRUN=$REPO_DIR/tests/integration/runtimes/crun
client_rt() { [ "$1" = crun ] && echo "$CLIENT_CRUN" || echo "${bin[$1]}"; }
echo
echo "== clients (busybox rootfs imported as an image; runtime share = its create+start+delete medians / client wall)"
tar -C "$WORK/bundle/rootfs" -cf "$WORK/rootfs.tar" .
# ctr imports image archives only (a plain rootfs tar is "unrecognized image format"): wrap the
# rootfs as the one layer of an OCI image layout (image-spec image-layout.md), named by the
# io.containerd.image.name annotation.
oci_archive() { # ROOTFS_TAR OUT_TAR REF
	local layer=$1 out=$2 ref=$3 d arch lsum csum msum
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
	d=$(mktemp -d "$WORK/oci.XXXXXX")
	mkdir -p "$d/blobs/sha256"
	blob() { # FILE: move FILE into blobs/ under its digest; prints the digest and size
		local sum
		sum=$(sha256sum "$1" | cut -d' ' -f1)
		echo "sha256:$sum $(stat -c %s "$1")"
		mv "$1" "$d/blobs/sha256/$sum"
	}
	cp "$layer" "$d/layer"
	read -r lsum lsize < <(blob "$d/layer")
	jq -nc --arg a "$arch" --arg l "$lsum" \
		'{architecture: $a, os: "linux", config: {}, rootfs: {type: "layers", diff_ids: [$l]}}' >"$d/config"
	read -r csum csize < <(blob "$d/config")
	jq -nc --arg c "$csum" --argjson cs "$csize" --arg l "$lsum" --argjson ls "$lsize" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]}' >"$d/manifest"
	read -r msum msize < <(blob "$d/manifest")
	jq -nc --arg m "$msum" --argjson ms "$msize" --arg r "$ref" --arg a "$arch" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		  digest: $m, size: $ms, platform: {architecture: $a, os: "linux"},
		  annotations: {"io.containerd.image.name": $r, "org.opencontainers.image.ref.name": "latest"}}]}' >"$d/index.json"
	echo '{"imageLayoutVersion": "1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$out" oci-layout index.json blobs
	rm -rf "$d"
}
# podman asks for RLIMIT_NOFILE and RLIMIT_NPROC of 1048576 by default, above this kind of
# host's hard limits (20000 open files here): without CAP_SYS_RESOURCE every runtime must
# refuse (process.rlimits). The same low limits for both runtimes (podman's own runtime process
# has nproc 32768 here, less than the shell's), /bin/true needs no more.
PODMAN_LIMITS="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
client_table() { # CLIENT
	local n share own
	printf '%-10s %12s %10s %14s\n' "$1" "median ms" "vs crun" "runtime share"
	for n in tinyrun crun; do
		[ -n "${bin[$n]:-}" ] || continue
		own=$(awk -v a="$(median_ms "$WORK"/create.*.json "$n")" -v b="$(median_ms "$WORK"/start.*.json "$n")" \
			-v c="$(median_ms "$WORK"/delete.*.json "$n")" 'BEGIN { print a + b + c }')
		share=$(awk -v o="$own" -v w="$(median_ms "$WORK/$1".json "$n")" 'BEGIN { if (w > 0) printf "%.0f%%", 100 * o / w }')
		printf '%-10s %12s %10s %14s\n' "$n" "$(median_ms "$WORK/$1".json "$n")" "$(ratio "$WORK/$1".json "$n")" "$share"
	done
}
if command -v podman >/dev/null && timeout 60 podman import -q "$WORK/rootfs.tar" localhost/tinyrun-bench:latest >/dev/null 2>&1; then
	ok=1
	for n in tinyrun crun; do
		timeout 60 podman --runtime "$(client_rt "$n")" run --rm --network none $PODMAN_LIMITS localhost/tinyrun-bench /bin/true \
			>/dev/null 2>"$WORK/err" || { echo "   podman with $n fails here, left out: $(tail -n1 "$WORK/err")"; ok=0; }
	done
	if [ "$ok" = 1 ]; then
		hf "$WORK/podman.json" \
			"tinyrun"$'\t'"podman --runtime $(client_rt tinyrun) run --rm --network none $PODMAN_LIMITS localhost/tinyrun-bench /bin/true"$'\t' \
			"crun"$'\t'"podman --runtime $(client_rt crun) run --rm --network none $PODMAN_LIMITS localhost/tinyrun-bench /bin/true"$'\t'
		client_table podman
	fi
	podman rmi -f localhost/tinyrun-bench >/dev/null 2>&1 || true
else
	echo "   podman: not installed or cannot import an image: left out"
fi
if ! command -v ctr >/dev/null; then
	echo "   ctr: not installed, left out"
elif ! timeout 5 ctr version >/dev/null 2>"$WORK/err"; then
	echo "   ctr: containerd not answering, left out: $(tail -n1 "$WORK/err")"
elif ! oci_archive "$WORK/rootfs.tar" "$WORK/oci.tar" localhost/tinyrun-bench:latest ||
	! timeout 60 ctr image import "$WORK/oci.tar" >/dev/null 2>"$WORK/err"; then
	echo "   ctr: the image import failed, left out: $(tail -n1 "$WORK/err")"
else
	ok=1
	for n in tinyrun crun; do
		ctr container rm bench-ctr >/dev/null 2>&1 || true   # a leftover of an interrupted bench
		timeout 60 ctr run --rm --runc-binary "$(client_rt "$n")" localhost/tinyrun-bench:latest bench-ctr /bin/true \
			>/dev/null 2>"$WORK/err" || { echo "   ctr with $n fails here, left out: $(tail -n1 "$WORK/err")"; ok=0; }
	done
	[ "$ok" = 1 ] && hf "$WORK/ctr.json" \
		"tinyrun"$'\t'"ctr run --rm --runc-binary $(client_rt tinyrun) localhost/tinyrun-bench:latest bench-ctr /bin/true"$'\t' \
		"crun"$'\t'"ctr run --rm --runc-binary $(client_rt crun) localhost/tinyrun-bench:latest bench-ctr /bin/true"$'\t' &&
		client_table ctr
	ctr image rm localhost/tinyrun-bench:latest >/dev/null 2>&1 || true
fi

# ---- peak RSS (GNU time of `run`, median of RSS_RUNS), binary text, libraries loaded at start
echo
echo "== footprint"
printf '%-10s %16s %14s %12s\n' "" "peak RSS (KiB)" "text (bytes)" "libraries"
for n in "${names[@]}"; do
	rss=$(for k in $(seq "$RSS_RUNS"); do
		/usr/bin/time -f %M -o "$WORK/rss" "${bin[$n]}" --root "$ROOTS/root-$n" run --bundle "$WORK/bundle" "rss-$n" \
			</dev/null >/dev/null 2>&1 || true
		cat "$WORK/rss"
	done | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	text=$(size "${bin[$n]}" | awk 'NR == 2 { print $1 }')
	libs=$(LD_DEBUG=libs "${bin[$n]}" --version 2>&1 >/dev/null | grep -c 'calling init:' || true)
	printf '%-10s %16s %14s %12s\n' "$n" "$rss" "$text" "$libs"
done
echo "   (libraries: shared objects initialised at start, ld.so and libc included)"

# ---- where tinyrun's time goes: --trace, median per phase of TRACE_RUNS runs
if [ -n "${bin[tinyrun]:-}" ]; then
	echo
	echo "== tinyrun --trace of run /bin/true (median of $TRACE_RUNS; ms)"
	for k in $(seq "$TRACE_RUNS"); do
		"${bin[tinyrun]}" --root "$ROOTS/root-tinyrun" --trace run --bundle "$WORK/bundle" "t-$k" </dev/null 2>&1 >/dev/null |
			sed -n 's/^tinyrun trace: \([a-z]*\) at=\([0-9.]*\) dur=\([0-9.-]*\) \(.*\)$/\1\t\2\t\3\t\4/p' | awk -v k="$k" '{ print NR "\t" $0 }'
	done | awk -F'\t' '
		{ key = $2 "\t" $5; if (!(key in first)) { first[key] = $1; order[++n] = key }
		  at[key] = at[key] " " $3; if ($4 != "-") dur[key] = dur[key] " " $4 }
		function med(s,   a, m, i, j, t) { m = split(s, a, " "); if (!m) return "-"
		  for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		  return a[int((m + 1) / 2)] }
		END { printf "%-8s %9s %9s  %s\n", "who", "at", "dur", "phase"
		      for (i = 1; i <= n; i++) { split(order[i], kk, "\t")
		        printf "%-8s %9s %9s  %s\n", kk[1], med(at[order[i]]), med(dur[order[i]]), kk[2] } }'
fi

echo
echo "== goals (issue 10): run <= 0.60x crun, exec <= 0.50x, parallel >= 1.50x, RSS <= crun, text smaller"
echo "   run: $(ratio "$WORK"/run.*.json tinyrun)  exec: $(ratio "$WORK"/exec.*.json tinyrun)  (see the tables above for the rest)${UNDER_LOAD:-}"
