#!/usr/bin/env bats
# Quick mode (issue 12): `run --rootfs DIR [flags] -- CMD`, `logs`, `stop`, list's COMMAND, and
# --net isolated through the CNI plugins (rootless: slirp4netns, as an unprivileged user).
# Everything is checked from outside: what the container prints, what `state`/`list` say,
# what is left on the host.
# runc and crun have no quick mode: those tests skip (known_difference); the --dry-run config
# is run by every runtime.

load helpers

# CNI test network: its own bridge and a private range no other project uses.
TEST_NET=trq-test
TEST_BRIDGE=trqtest0
TEST_SUBNET=172.31.240.0/20

quick_only() {
	known_difference runc "runc has no quick mode (run --rootfs)"
	known_difference crun "crun has no quick mode (run --rootfs)"
}

# quick ARG...: `run --rootfs $BUNDLE/rootfs ARG...` with this test's root.
quick() {
	runtime run --rootfs "$BUNDLE/rootfs" "$@"
}

requires_cni() {
	local p
	for p in bridge host-local portmap firewall; do
		[ -x "/usr/lib/cni/$p" ] || skip "no CNI plugin /usr/lib/cni/$p (apt-get install containernetworking-plugins)"
	done
	command -v iptables >/dev/null || skip "no iptables (apt-get install iptables): the leak checks need it"
}

write_test_net() {
	requires_cni
	NETD=$BATS_TEST_TMPDIR/net.d
	mkdir -p "$NETD"
	jq -n --arg net "$TEST_NET" --arg br "$TEST_BRIDGE" --arg sub "$TEST_SUBNET" '{
	  cniVersion: "1.0.0", name: $net,
	  plugins: [
	    {type: "bridge", bridge: $br, isGateway: true, ipMasq: true,
	     ipam: {type: "host-local", ranges: [[{subnet: $sub}]], routes: [{dst: "0.0.0.0/0"}]}},
	    {type: "portmap", capabilities: {portMappings: true}},
	    {type: "firewall"}
	  ]}' >"$NETD/10-test.conflist"
	export TINYRUN_CNI_CONFIG_DIR=$NETD
}

# What the network of container $1 left on the host: its veth, its address (IPAM file), NAT
# and filter rules naming it or its address. Empty when nothing is left.
net_leftovers() {
	local id=$1 veth=$2 ip=$3
	[ -z "$veth" ] || ! ip link show "$veth" >/dev/null 2>&1 || echo "veth $veth"
	[ -z "$ip" ] || [ ! -e "/var/lib/cni/networks/$TEST_NET/$ip" ] || echo "IPAM file for $ip"
	iptables -t nat -S | grep -F -e "$id\\\"" ${ip:+-e "$ip/"} | sed 's/^/nat: /' || true
	iptables -S | grep -F ${ip:+-e "$ip/"} -e "$id\\\"" | sed 's/^/filter: /' || true
}

# The host side veth and the address of a running isolated container, from its CNI result.
net_of() {
	local res=$ROOT/$1/cni-result.json
	VETH=$(jq -r '.interfaces[] | select(.sandbox == null or .sandbox == "") | select(.mac != null) | .name' "$res" | grep -v "^$TEST_BRIDGE\$" | head -1)
	IP=$(jq -r '.ips[0].address' "$res" | cut -d/ -f1)
}

teardown() {
	local pid
	if [ -f "$BATS_TEST_TMPDIR/servers" ]; then
		while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$BATS_TEST_TMPDIR/servers"
	fi
	rootless_quick_teardown
	common_teardown
	local rc=$?
	if [ -n "${NETD:-}" ]; then
		ip link del "$TEST_BRIDGE" 2>/dev/null || true
	fi
	return $rc
}

@test "quick: --memory, --pids, --cpus are the limits of the container's cgroup, read inside" {
	quick_only
	ID=$(new_id)
	run --separate-stderr quick --name "$ID" --memory 96m --pids 17 --cpus 0.5 -- sh -c '
		cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes
		cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max
		cat /sys/fs/cgroup/cpu.max 2>/dev/null || cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us' </dev/null
	assert_status 0
	assert_equal "$(echo "$output" | tr '\n' ' ')" "100663296 17 50000 100000 "
}

@test "quick: -e, -w, -u, --name (hostname), -v, --read-only seen inside" {
	quick_only
	ID=$(new_id)
	mkdir -p "$BATS_TEST_TMPDIR/vol" "$BATS_TEST_TMPDIR/rovol" && chmod 777 "$BATS_TEST_TMPDIR/vol"
	echo ro-content >"$BATS_TEST_TMPDIR/rovol/f"
	run --separate-stderr quick --name "$ID" -e FOO=bar -e PATH=/bin -w /tmp -u 65534:65534 \
		-v "$BATS_TEST_TMPDIR/vol:/data" -v "$BATS_TEST_TMPDIR/rovol:/ro:ro" --read-only -- sh -c '
		echo "foo=$FOO path=$PATH cwd=$(pwd) id=$(id -u):$(id -g) host=$(hostname)"
		echo written >/data/out && echo data-rw
		cat /ro/f; echo x >/ro/f 2>/dev/null || echo ro-refused
		touch /newfile 2>/dev/null || echo root-refused' </dev/null
	assert_status 0
	assert_contains "$output" "foo=bar path=/bin cwd=/tmp id=65534:65534 host=$ID"
	assert_contains "$output" "data-rw"
	assert_contains "$output" "ro-content"
	assert_contains "$output" "ro-refused"
	assert_contains "$output" "root-refused"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/vol/out")" written
}

@test "quick: --dry-run prints a config.json the runtime runs" {
	known_difference crun "crun 1.8.1 refuses the ociVersion 1.2.0 that \`spec\` writes (unknown version specified)"
	# the generator is tinyrun (this tree's when RUNTIME is a reference runtime)
	local gen=$RUNTIME
	is_tinyrun || gen=$REPO_DIR/tinyrun
	run --separate-stderr "$gen" run --rootfs "$BUNDLE/rootfs" --dry-run --memory 64m -e A=b -w /tmp \
		--name dry -- sh -c 'echo "a=$A cwd=$(pwd) host=$(hostname)"'
	assert_status 0
	echo "$output" | jq -e '.root.path == "'"$BUNDLE/rootfs"'" and .linux.resources.memory.limit == 67108864' >/dev/null ||
		fail "unexpected config: $output"
	echo "$output" >"$BUNDLE/config.json"
	ID=$(new_id)
	run --separate-stderr runtime run --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 0
	assert_equal "$output" "a=b cwd=/tmp host=dry"
	[ ! -e "$ROOT/dry" ] || fail "--dry-run created a container"
}

@test "quick: -d writes the output to the log; logs, logs --tail, logs -f ends when it exits" {
	quick_only
	ID=$(new_id)
	run --separate-stderr quick --name "$ID" -d -- sh -c 'for i in 1 2 3 4 5; do echo out$i; sleep 0.2; done; echo err >&2'
	assert_status 0
	assert_equal "$output" "$ID"
	# status 0, not timeout's 124: logs -f ended with the container
	run --separate-stderr timeout 10 "$RUNTIME" --root "$ROOT" logs -f "$ID"
	assert_status 0
	assert_equal "$(echo "$output" | tr '\n' ' ')" "out1 out2 out3 out4 out5 err "
	wait_for_status "$ID" stopped
	run --separate-stderr runtime logs --tail 2 "$ID"
	assert_equal "$(echo "$output" | tr '\n' ' ')" "out5 err "
	run --separate-stderr runtime list --format quick
	assert_equal "$(echo "$output" | head -1 | tr -s ' ')" "ID STATUS PID CREATED COMMAND"
	assert_contains "$output" "stopped"
	assert_contains "$output" "sh -c for i in"
	# the default table: runc's six columns, then COMMAND
	run --separate-stderr runtime list
	assert_equal "$(echo "$output" | head -1 | tr -s ' ')" "ID PID STATUS BUNDLE CREATED OWNER COMMAND"
	assert_contains "$(grep "^$ID " <<<"$output")" "sh -c for i in"
}

@test "quick: the log is bounded by --log-size (rotated, one old file kept)" {
	quick_only
	ID=$(new_id)
	run --separate-stderr quick --name "$ID" -d --log-size 16k -- sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i ................................"; i=$((i+1)); done; echo last-line'
	assert_status 0
	timeout 20 "$RUNTIME" --root "$ROOT" logs -f "$ID" >/dev/null
	local cur old
	cur=$(stat -c %s "$ROOT/$ID/quick.log")
	old=$(stat -c %s "$ROOT/$ID/quick.log.1")
	[ "$cur" -le 16384 ] && [ "$old" -le 16384 ] || fail "log files $cur + $old bytes, limit 16384 each"
	run --separate-stderr runtime logs --tail 1 "$ID"
	assert_equal "$output" "last-line"
}

@test "quick: stop: SIGTERM ends a process at once; one ignoring it is killed after -t; --rm deletes" {
	quick_only
	ID=$(new_id)
	run --separate-stderr quick --name "$ID" -d -- sh -c 'trap "echo got-term; exit 0" TERM; while :; do sleep 0.1; done'
	assert_status 0
	# a grace period longer than the timeout: stop must return when the process ends on TERM,
	# not when the grace period runs out (timeout's 124 would say it waited)
	run --separate-stderr timeout 30 "$RUNTIME" --root "$ROOT" stop -t 60 "$ID"
	assert_status 0
	assert_equal "$(state_field "$ID" .status)" stopped
	run --separate-stderr runtime logs "$ID"
	assert_contains "$output" "got-term"

	ID2=$(new_id)
	run --separate-stderr quick --name "$ID2" -d --rm -- sh -c 'trap "" TERM; while :; do sleep 0.1; done'
	assert_status 0
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr runtime stop -t 2 "$ID2"
	t1=$(date +%s%N)
	assert_status 0
	local ms=$(((t1 - t0) / 1000000))
	# waited the grace period before SIGKILL, and did not wait the default 10 s instead
	[ "$ms" -ge 1900 ] && [ "$ms" -lt 10000 ] || fail "stop -t 2 of a TERM-ignoring process took ${ms} ms"
	run --separate-stderr runtime state "$ID2"
	assert_failure
	assert_does_not_exist_msg
}

@test "quick: --rm deletes after the process exits; without it the container stays stopped" {
	quick_only
	ID=$(new_id)
	run --separate-stderr quick --name "$ID" --rm -- sh -c 'exit 3' </dev/null
	assert_status 3
	[ ! -e "$ROOT/$ID" ] || fail "--rm left $ROOT/$ID"
	ID2=$(new_id)
	run --separate-stderr quick --name "$ID2" -- true </dev/null
	assert_status 0
	assert_equal "$(state_field "$ID2" .status)" stopped
	ID3=$(new_id)
	run --separate-stderr quick --name "$ID3" -d --rm -- echo bye
	assert_status 0
	for _ in $(seq 50); do [ -e "$ROOT/$ID3" ] || break; sleep 0.1; done
	[ ! -e "$ROOT/$ID3" ] || fail "-d --rm left $ROOT/$ID3 after the process exited"
}

@test "quick: -t gives the process a terminal; an id is made when --name is absent" {
	quick_only
	run --separate-stderr quick -t --rm -- sh -c '[ -t 1 ] && echo is-a-tty' </dev/null
	assert_status 0
	assert_contains "$output" "is-a-tty"
	run --separate-stderr quick -d -- sleep 30
	assert_status 0
	[[ "$output" =~ ^[0-9a-f]{12}$ ]] || fail "generated id: '$output'"
	echo "$output" >>"$BATS_TEST_TMPDIR/ids"
	assert_equal "$(state_field "$output" .status)" running
}

@test "quick: bad flags are refused naming the flag; without --rootfs run keeps runc's syntax" {
	quick_only
	run --separate-stderr quick --memory lots -- true
	assert_failure
	assert_contains "$stderr" "--memory"
	run --separate-stderr quick --net bridge -- true
	assert_failure
	assert_contains "$stderr" "--net"
	run --separate-stderr quick -p 8080:80 -- true
	assert_failure
	assert_contains "$stderr" "--publish needs --net isolated"
	run --separate-stderr quick --host-loopback -- true
	assert_failure
	assert_contains "$stderr" "--host-loopback needs --net isolated"
	run --separate-stderr quick -v relative -- true
	assert_failure
	assert_contains "$stderr" "--volume"
	run --separate-stderr quick -d -t -- true
	assert_failure
	assert_contains "$stderr" "--tty"
	run --separate-stderr runtime run --memory 1g "$(new_id)"
	assert_failure
	assert_contains "$stderr" "--memory needs --rootfs"
	run --separate-stderr runtime run
	assert_failure
	assert_contains "$stderr" "container ID"
	ls "$ROOT" | grep -q . && fail "a refused run left state: $(ls "$ROOT")" || true
}

@test "quick: --net none has only loopback, --net host shares the host's network namespace" {
	quick_only
	run --separate-stderr quick --rm -- ip -o link </dev/null
	assert_status 0
	assert_equal "$(echo "$output" | wc -l)" 1
	assert_contains "$output" "lo:"
	run --separate-stderr quick --rm --net host -- readlink /proc/self/ns/net </dev/null
	assert_status 0
	assert_equal "$output" "$(readlink /proc/self/ns/net)"
}

@test "quick net: two isolated containers reach each other by IP" {
	quick_only
	write_test_net
	A=$(new_id)
	mkdir -p "$BATS_TEST_TMPDIR/www" && echo hello-from-a >"$BATS_TEST_TMPDIR/www/index.html"
	run --separate-stderr quick --name "$A" -d --net isolated -v "$BATS_TEST_TMPDIR/www:/www:ro" -- httpd -f -p 80 -h /www
	assert_status 0
	net_of "$A"
	[[ "$IP" == 172.31.24* ]] || fail "address $IP not in $TEST_SUBNET"
	B=$(new_id)
	run --separate-stderr quick --name "$B" --rm --net isolated -- sh -c \
		"for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc $IP 80 && break; sleep 0.2; done" </dev/null
	assert_status 0
	assert_contains "$output" "hello-from-a"
}

@test "quick net: -p HOST:80 reaches httpd inside from the host's 127.0.0.1; stop + delete leave nothing" {
	quick_only
	write_test_net
	ID=$(new_id)
	local port=$((20000 + RANDOM % 20000))
	mkdir -p "$BATS_TEST_TMPDIR/www" && echo hello-published >"$BATS_TEST_TMPDIR/www/index.html"
	run --separate-stderr quick --name "$ID" -d --net isolated -p "$port:80" -v "$BATS_TEST_TMPDIR/www:/www:ro" -- httpd -f -p 80 -h /www
	assert_status 0
	net_of "$ID"
	[ -n "$(net_leftovers "$ID" "$VETH" "$IP")" ] || fail "no veth/IPAM/rules seen while running: the leak check would prove nothing"
	local got=""
	for _ in $(seq 20); do
		got=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | timeout 5 "$BUSYBOX" nc 127.0.0.1 "$port" 2>/dev/null) && [[ "$got" == *hello* ]] && break
		sleep 0.2
	done
	assert_contains "$got" "hello-published"
	run --separate-stderr runtime stop -t 1 "$ID"
	assert_status 0
	run --separate-stderr runtime delete "$ID"
	assert_status 0
	assert_equal "$(net_leftovers "$ID" "$VETH" "$IP")" ""
	! iptables -t nat -S | grep -q -- "--dport $port " || fail "port $port still mapped"
}

@test "quick net: after kill -9 of the runtime, delete --force still runs CNI DEL" {
	quick_only
	write_test_net
	ID=$(new_id)
	runtime run --rootfs "$BUNDLE/rootfs" --name "$ID" --net isolated -- sleep 60 </dev/null >/dev/null 2>&1 &
	local rt=$!
	wait_for_status "$ID" running
	net_of "$ID"
	[ -n "$(net_leftovers "$ID" "$VETH" "$IP")" ] || fail "no network seen while running"
	kill -9 "$rt"
	wait "$rt" 2>/dev/null || true
	assert_equal "$(state_field "$ID" .status)" running
	run --separate-stderr runtime delete --force "$ID"
	assert_status 0
	assert_equal "$(net_leftovers "$ID" "$VETH" "$IP")" ""
	! grep -qF "$ROOT/$ID" /proc/self/mountinfo || fail "pinned netns mount left"
}

@test "quick net: the host's 127.0.0.1 is not reachable from an isolated container; a server on the bridge's gateway address is" {
	quick_only
	write_test_net
	A=$(new_id)
	run --separate-stderr quick --name "$A" -d --net isolated -- sleep 60
	assert_status 0
	local gw port=$((20000 + RANDOM % 20000))
	gw=$(jq -r '.ips[0].gateway' "$ROOT/$A/cni-result.json")
	[[ "$gw" == 172.31.24* ]] || fail "gateway $gw not in $TEST_SUBNET"
	mkdir -p "$BATS_TEST_TMPDIR/www" && echo page >"$BATS_TEST_TMPDIR/www/index.html"
	# the test's own two servers: one on the host's loopback, one on its bridge's address
	"$BUSYBOX" httpd -f -p "127.0.0.1:$port" -h "$BATS_TEST_TMPDIR/www" &
	echo $! >>"$BATS_TEST_TMPDIR/servers"
	"$BUSYBOX" httpd -f -p "$gw:$((port + 1))" -h "$BATS_TEST_TMPDIR/www" &
	echo $! >>"$BATS_TEST_TMPDIR/servers"
	local get="printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 3"
	# bound to 127.0.0.1 only: the gateway address has no listener on that port, the
	# container's 127.0.0.1 is its own loopback, and route_localnet is off (no DNAT to it)
	run --separate-stderr runtime exec "$A" sh -c "$get $gw $port"
	assert_failure
	run --separate-stderr runtime exec "$A" sh -c "$get 127.0.0.1 $port"
	assert_failure
	# what makes a host service reachable: binding it to the bridge's gateway address
	run --separate-stderr runtime exec "$A" sh -c "for i in 1 2 3 4 5 6 7 8 9 10; do $get $gw $((port + 1)) && exit 0; sleep 0.2; done; exit 1"
	assert_status 0
	assert_contains "$output" "page"
	# --host-loopback is slirp4netns's (rootless); rootful it is refused, saying the above
	run --separate-stderr quick --rm --net isolated --host-loopback -- true </dev/null
	assert_failure
	assert_contains "$stderr" "--host-loopback"
	assert_contains "$stderr" "gateway address"
}

@test "quick net: the default network config is written on first use into the config dir" {
	quick_only
	requires_cni
	NETD=$BATS_TEST_TMPDIR/empty.d
	ID=$(new_id)
	run --separate-stderr env TINYRUN_CNI_CONFIG_DIR="$NETD" "$RUNTIME" --root "$ROOT" run \
		--rootfs "$BUNDLE/rootfs" --name "$ID" --rm --net isolated -- ip -4 -o addr show eth0 </dev/null
	local written=$NETD/tinyrun.conflist
	# what the default created on the host is this test's to remove
	ip link del tinyrun0 2>/dev/null || true
	assert_status 0
	jq -e '.name == "tinyrun" and .plugins[0].type == "bridge" and .plugins[0].ipMasq == true' "$written" >/dev/null ||
		fail "default config: $(cat "$written")"
	local subnet
	subnet=$(jq -r '.plugins[0].ipam.ranges[0][0].subnet' "$written")
	assert_contains "$output" "inet ${subnet%%.0.0/16}."
	[ -z "$(ls -A /var/lib/cni/networks/tinyrun 2>/dev/null | grep -v -e lock -e last_reserved)" ] ||
		fail "IPAM files left: $(ls /var/lib/cni/networks/tinyrun)"
}

# ---------------------------------------------------------------------------------------------
# Rootless --net isolated: slirp4netns, driven by an unprivileged user (euid != 0), as
# rootless.bats makes it (useradd, /etc/subuid entries, unprivileged user namespaces allowed).

RL_USER=tinyrun-test

# rootless_quick_setup: the user, its own state root $RL/root and a rootfs it owns; skips where
# the host cannot run rootless containers or has no slirp4netns.
rootless_quick_setup() {
	command -v slirp4netns >/dev/null || skip "no slirp4netns (apt-get install slirp4netns)"
	if ! id "$RL_USER" >/dev/null 2>&1; then
		useradd -m "$RL_USER" || skip "cannot create user $RL_USER"
	fi
	local f
	for f in /etc/subuid /etc/subgid; do
		grep -q "^$RL_USER:" "$f" 2>/dev/null || echo "$RL_USER:200000:65536" >>"$f"
	done
	runuser -u "$RL_USER" -- unshare --user --map-root-user true 2>/dev/null ||
		skip "unprivileged user namespaces are not allowed on this host"
	# slirp4netns opens /dev/net/tun as the user: Debian's udev makes it 0666; a host (or a
	# sandbox's devtmpfs) with 0600 gets 0666 for this test, its mode restored in teardown
	if ! runuser -u "$RL_USER" -- sh -c ': <>/dev/net/tun' 2>/dev/null; then
		TUN_MODE=$(stat -c %a /dev/net/tun) || skip "no /dev/net/tun"
		chmod 0666 /dev/net/tun
	fi
	RL=$(mktemp -d /tmp/tinyrun-quick-rl.XXXXXX)
	chmod 755 "$RL"
	setup_bundle "$RL/bundle"
	mkdir -p "$RL/root" "$RL/xdg" "$RL/www"
	chmod 700 "$RL/xdg"
	chown -R "$RL_USER:" "$RL"
	: >"$BATS_TEST_TMPDIR/rl-ids"
}

# as_rl_user CMD...: CMD as the user, with a clean environment (PATH has slirp4netns).
as_rl_user() {
	runuser -u "$RL_USER" -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$RL" \
		XDG_RUNTIME_DIR="$RL/xdg" "$@"
}

rl_runtime() {
	as_rl_user "$RUNTIME" --root "$RL/root" "$@"
}

# rl_quick ARG...: quick mode as the user.
rl_quick() {
	rl_runtime run --rootfs "$RL/bundle/rootfs" "$@"
}

rl_new_id() {
	local id="trq-rl-$$-${BATS_TEST_NUMBER}-$RANDOM"
	echo "$id" >>"$BATS_TEST_TMPDIR/rl-ids"
	echo "$id"
}

rl_wait_running() {
	local i
	for i in $(seq 100); do
		[ "$(rl_runtime state "$1" 2>/dev/null | jq -r .status)" = running ] && return 0
		sleep 0.1
	done
	fail "container $1 did not reach running"
}

# slirp_gone PID: the process recorded as slirp4netns (or its launcher) no longer runs (a
# zombie waiting for its reaper holds nothing).
slirp_gone() {
	[ ! -e "/proc/$1" ] || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

rootless_quick_teardown() {
	local id
	if [ -n "${RL:-}" ]; then
		while read -r id; do
			rl_runtime delete --force "$id" >/dev/null 2>&1 || true
		done <"$BATS_TEST_TMPDIR/rl-ids"
		[ -z "${HOST_SERVER:-}" ] || kill "$HOST_SERVER" 2>/dev/null || true
		rm -rf "$RL"
	fi
	[ -z "${TUN_MODE:-}" ] || chmod "$TUN_MODE" /dev/net/tun
	return 0
}

@test "quick rootless net: tap0 is 10.0.2.100 via slirp4netns; -p reaches httpd inside; delete leaves no slirp4netns" {
	quick_only
	rootless_quick_setup
	echo hello-rootless >"$RL/www/index.html"
	chmod -R a+rX "$RL/www"
	ID=$(rl_new_id)
	local port=$((20000 + RANDOM % 20000))
	run --separate-stderr rl_quick --name "$ID" -d --net isolated -p "$port:80" -v "$RL/www:/www:ro" -- httpd -f -p 80 -h /www
	assert_status 0
	run --separate-stderr rl_runtime exec "$ID" sh -c 'ip -4 -o addr show tap0; ip route show default'
	assert_status 0
	assert_contains "$output" "inet 10.0.2.100/24"
	assert_contains "$output" "default via 10.0.2.2 dev tap0"
	local slirp launcher got=""
	read -r slirp _ <"$RL/root/$ID/slirp4netns.pid"
	read -r launcher _ <"$RL/root/$ID/slirp4netns-launcher.pid"
	assert_equal "$(cat "/proc/$slirp/comm")" slirp4netns
	assert_equal "$(stat -c %U "/proc/$slirp")" "$RL_USER"
	for _ in $(seq 20); do
		got=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | timeout 5 "$BUSYBOX" nc 127.0.0.1 "$port" 2>/dev/null) && [[ "$got" == *hello* ]] && break
		sleep 0.2
	done
	assert_contains "$got" "hello-rootless"
	run --separate-stderr rl_runtime stop -t 1 "$ID"
	assert_status 0
	slirp_gone "$slirp" || fail "slirp4netns $slirp still runs after stop"
	run --separate-stderr rl_runtime delete "$ID"
	assert_status 0
	slirp_gone "$slirp" || fail "slirp4netns $slirp still runs after delete"
	slirp_gone "$launcher" || fail "the launcher $launcher still runs after delete"
	! printf 'x' | timeout 5 "$BUSYBOX" nc 127.0.0.1 "$port" 2>/dev/null || fail "port $port still forwarded after delete"
}

@test "quick rootless net: the host's 127.0.0.1 is reachable as 10.0.2.2 only with --host-loopback" {
	quick_only
	rootless_quick_setup
	echo host-loopback-page >"$RL/www/index.html"
	chmod -R a+rX "$RL/www"
	local port=$((20000 + RANDOM % 20000))
	# the test's own server, bound to the host's loopback only
	"$BUSYBOX" httpd -f -p "127.0.0.1:$port" -h "$RL/www" &
	HOST_SERVER=$!
	local probe="for i in 1 2 3 4 5 6 7 8 9 10; do printf 'GET /index.html HTTP/1.0\r\n\r\n' | nc -w 3 10.0.2.2 $port && exit 0; sleep 0.2; done; exit 1"
	run --separate-stderr rl_quick --rm --net isolated --host-loopback -- sh -c "$probe" </dev/null
	assert_status 0
	assert_contains "$output" "host-loopback-page"
	# default: slirp4netns --disable-host-loopback, the same address refused
	run --separate-stderr rl_quick --rm --net isolated -- sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 3 10.0.2.2 $port" </dev/null
	assert_failure
	[[ "$output" != *host-loopback-page* ]] || fail "reached the host's loopback without --host-loopback"
}

@test "quick rootless net: after kill -9 of the runtime, delete --force stops slirp4netns" {
	quick_only
	rootless_quick_setup
	ID=$(rl_new_id)
	as_rl_user sh -c 'echo $$ >"$0"; exec "$@" </dev/null >/dev/null 2>&1' "$RL/rt.pid" \
		"$RUNTIME" --root "$RL/root" run --rootfs "$RL/bundle/rootfs" --name "$ID" --net isolated -- sleep 60 &
	local bg=$!
	rl_wait_running "$ID"
	local slirp rt
	read -r slirp _ <"$RL/root/$ID/slirp4netns.pid"
	rt=$(cat "$RL/rt.pid")
	assert_equal "$(cat "/proc/$slirp/comm")" slirp4netns
	kill -9 "$rt"
	wait "$bg" 2>/dev/null || true
	run --separate-stderr rl_runtime delete --force "$ID"
	assert_status 0
	slirp_gone "$slirp" || fail "slirp4netns $slirp still runs after delete --force"
	[ ! -e "$RL/root/$ID" ] || fail "state dir left"
}

@test "quick rootless net: without slirp4netns, --net isolated fails in one line naming the flag and the package" {
	quick_only
	rootless_quick_setup
	ID=$(rl_new_id)
	# a PATH without slirp4netns (the runtime itself is called by its path)
	run --separate-stderr runuser -u "$RL_USER" -- env -i PATH=/var/empty HOME="$RL" XDG_RUNTIME_DIR="$RL/xdg" \
		"$RUNTIME" --root "$RL/root" run --rootfs "$RL/bundle/rootfs" --name "$ID" --net isolated -- true </dev/null
	assert_failure
	assert_equal "$(echo "$stderr" | wc -l)" 1
	assert_contains "$stderr" "--net isolated"
	assert_contains "$stderr" "apt-get install slirp4netns"
	[ ! -e "$RL/root/$ID" ] || fail "a refused run left state"
}

@test "quick rootless net: the --dry-run config of --net isolated runs under the runtime as the user; no slirp4netns left" {
	# The generator is tinyrun (this tree's when RUNTIME is a reference runtime); its hooks are
	# tinyrun's and use the state dir of the root given here, so the runtime gets the same root.
	known_difference crun "crun 1.8.1 refuses the ociVersion 1.2.0 that \`spec\` writes (unknown version specified)"
	rootless_quick_setup
	local gen=$RUNTIME
	is_tinyrun || gen=$REPO_DIR/tinyrun
	mkdir -p "$RL/dry" && chown "$RL_USER:" "$RL/dry"
	as_rl_user sh -c 'exec "$@" >"$0"' "$RL/dry/config.json" "$gen" --root "$RL/root" run --rootfs "$RL/bundle/rootfs" \
		--dry-run --net isolated -- sh -c 'ip -4 -o addr show tap0; ip route show default' ||
		fail "--dry-run as the user failed"
	jq -e '.hooks.createRuntime[0].args[4] == "slirp4netns-add" and .hooks.createContainer[0].args[4] == "slirp4netns-join"
		and .hooks.poststop[0].args[4] == "slirp4netns-del"' "$RL/dry/config.json" >/dev/null ||
		fail "hooks: $(jq -c .hooks "$RL/dry/config.json")"
	ID=$(rl_new_id)
	run --separate-stderr rl_runtime run --bundle "$RL/dry" "$ID" </dev/null
	assert_status 0
	assert_contains "$output" "inet 10.0.2.100/24"
	assert_contains "$output" "default via 10.0.2.2 dev tap0"
	# tinyrun's delete runs poststop, which stops it; runc 1.1.5 removes its state dir (our
	# pid record with it) before poststop, so there slirp4netns ends by itself: its exit fd is
	# a pidfd of the init, which reports POLLHUP once the init is reaped (as this kernel does;
	# an older one only reports POLLIN, and slirp4netns waits for POLLHUP)
	local pid i
	for i in $(seq 50); do
		pid=$(pgrep -u "$RL_USER" -f "slirp4netns .*$RL/root/$ID/" || true)
		[ -z "$pid" ] && break
		slirp_gone "$pid" && break
		sleep 0.1
	done
	[ -z "$pid" ] || slirp_gone "$pid" || fail "slirp4netns $pid still runs after the container"
}

@test "quick rootless net: root of a non-initial user namespace (RootlessKit's shape) gets slirp4netns too" {
	quick_only
	rootless_quick_setup
	run --separate-stderr as_rl_user unshare --user --map-root-user --mount \
		"$RUNTIME" --root "$RL/root" run --rootfs "$RL/bundle/rootfs" --rm --net isolated -- ip -4 -o addr show tap0 </dev/null
	assert_status 0
	assert_contains "$output" "inet 10.0.2.100/24"
	[ -z "$(ls -A "$RL/root")" ] || fail "--rm left state: $(ls "$RL/root")"
}
