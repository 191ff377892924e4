#!/usr/bin/env bats
# Command-line contract a caller relies on beyond the spec:
#  - exit status of exec and run: the process's own status passes through, a failure of the
#    runtime itself is 255 for exec (runc 1.1.5), so that containerd/podman can tell "the
#    runtime failed" from "the process exited 1"; run keeps 1 there, as runc;
#  - list, list -q and list --format json print the containers in id order (runc sorts them,
#    readdir order is the directory's hash or creation order); list's table is runc's six
#    columns then tinyrun's COMMAND; its OWNER is the state dir's owner as /etc/passwd names
#    it (no NSS: runc reads the file too), #uid for a uid no line names.
# Validated on runc 1.1.5 and crun 1.8.1 (differences marked).

load helpers

# exec_status ID ARG...: bats' run of `exec ARG...`, stderr apart.
exec_status() {
	run --separate-stderr runtime exec "$@" </dev/null
}

# one_line: $stderr is a single line (tinyrun's errors are).
one_line() {
	if is_tinyrun; then
		[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "stderr is not one line: $stderr"
	fi
}

@test "exec: the process's own exit status passes through (0, 1, 3, 255; 137 after SIGKILL)" {
	ID=$(new_id)
	start_detached "$ID"
	for want in 0 1 3 255; do
		exec_status "$ID" /bin/sh -c "exit $want"
		assert_status "$want"
	done
	exec_status "$ID" /bin/sh -c 'kill -9 $$'
	assert_status 137
}

@test "exec: a missing binary is a runtime failure: exit 255, not the process's 1" {
	ID=$(new_id)
	start_detached "$ID"
	exec_status "$ID" /no/such/binary
	assert_status 255
	assert_contains "$stderr" /no/such/binary
	one_line
	# detached too: the failure is known before exec returns
	exec_status -d "$ID" /no/such/binary
	assert_status 255
}

@test "exec: an unknown container is a runtime failure: exit 255" {
	known_difference crun "crun 1.8.1 exits 1 for failures before it spawns the process"
	exec_status "$(new_id nosuch)" /bin/true
	assert_status 255
	assert_does_not_exist_msg
	one_line
}

@test "exec: an unwritable --pid-file is a runtime failure: exit 255" {
	known_difference crun "crun 1.8.1 exits 1 for failures before it spawns the process"
	ID=$(new_id)
	start_detached "$ID"
	exec_status --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" "$ID" /bin/sleep 4321
	assert_status 255
	is_tinyrun && assert_contains "$stderr" "--pid-file: open $BATS_TEST_TMPDIR/no/such/dir"
	one_line
	# and the process is gone (runc terminates it): nobody could learn its pid
	exec_status "$ID" /bin/ps -o args
	assert_status 0
	assert_not_contains "$output" "sleep 4321"
}

@test "exec: a command-line mistake stays exit 1 (unknown flag), as runc" {
	known_difference crun "crun 1.8.1 exits 64 (EX_USAGE) for an unknown flag"
	ID=$(new_id)
	start_detached "$ID"
	exec_status --no-such-flag "$ID" /bin/true
	assert_status 1
}

@test "run: the process's status passes through; a runtime failure exits 1, as runc" {
	run_container /bin/sh -c 'exit 3'
	assert_status 3
	run_container /no/such/binary
	assert_status 1
	assert_contains "$stderr" /no/such/binary
	one_line
	assert_no_leak "$ID"
	set_args /bin/true
	ID=$(new_id)
	run --separate-stderr runtime run --pid-file "$BATS_TEST_TMPDIR/no/such/dir/pid" --bundle "$BUNDLE" "$ID" </dev/null
	assert_status 1
	one_line
	assert_no_leak "$ID"
}

# ---------------------------------------------------------------------------------------------
# list

# create_in_order PREFIX...: create one container per prefix, in the order given; the ids (in
# that order) go to $IDS, the same ids sorted to $SORTED.
create_in_order() {
	local p id
	IDS=()
	for p in "$@"; do
		id=$(new_id "$p")
		create_container "$id" || return 1
		IDS+=("$id")
	done
	SORTED=$(printf '%s\n' "${IDS[@]}" | LC_ALL=C sort)
}

@test "list -q, list and list --format json: containers in id order, whatever the creation order" {
	known_difference crun "crun 1.8.1 lists in readdir order"
	# ascending, descending and mixed, so that neither creation order nor its reverse nor
	# one directory hash order can pass by chance
	create_in_order m c x a t e
	run --separate-stderr runtime list -q
	assert_status 0
	assert_equal "$output" "$SORTED" "list -q"
	run --separate-stderr runtime list
	assert_status 0
	assert_equal "$(tail -n +2 <<<"$output" | awk '{print $1}')" "$SORTED" "list (table)"
	run --separate-stderr runtime list --format json
	assert_status 0
	assert_equal "$(jq -r '.[].id' <<<"$output")" "$SORTED" "list --format json"
}

@test "list: runc's six columns in runc's order, then COMMAND; --format json adds command" {
	known_difference crun "crun 1.8.1's table is NAME PID STATUS BUNDLE PATH CREATED OWNER"
	ID=$(new_id)
	set_args /bin/sh -c "sleep 60"
	start_detached "$ID"
	run --separate-stderr runtime list
	assert_status 0
	# a script that cuts runc's first six columns reads the same on both
	assert_equal "$(head -1 <<<"$output" | awk '{print $1, $2, $3, $4, $5, $6}')" "ID PID STATUS BUNDLE CREATED OWNER"
	local row
	row=$(grep "^$ID " <<<"$output") || fail "no row for $ID in: $output"
	assert_equal "$(awk '{print $1, $2, $3, $4, $6}' <<<"$row")" "$ID $(state_field "$ID" .pid) running $BUNDLE root"
	assert_equal "$(awk '{print $5}' <<<"$row")" "$(state_field "$ID" .created)"
	# runc 1.1.5 has no COMMAND column (its table ends at OWNER): the rest is tinyrun's
	is_tinyrun || return 0
	assert_equal "$(head -1 <<<"$output" | awk '{print $7, NF}')" "COMMAND 7"
	assert_equal "$(awk '{$1 = $2 = $3 = $4 = $5 = $6 = ""; sub(/^ +/, ""); print}' <<<"$row")" "/bin/sh -c sleep 60"
	run --separate-stderr runtime list --format json
	assert_status 0
	assert_equal "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .command' <<<"$output")" "/bin/sh -c sleep 60"
	# runc's keys are all still there, in its shape
	jq -e --arg id "$ID" '.[] | select(.id == $id) | has("ociVersion") and has("pid") and has("status")
		and has("bundle") and has("rootfs") and has("created") and has("owner")' <<<"$output" >/dev/null ||
		fail "runc's keys missing: $output"
}

@test "list: OWNER is the state dir's owner, named by /etc/passwd, else #uid" {
	known_difference crun "crun 1.8.1's table is NAME PID STATUS BUNDLE PATH CREATED OWNER"
	ID=$(new_id)
	create_container "$ID"
	local name uid unknown=2000000000
	# a user other than root, from a line of /etc/passwd (not a NIS +/- line)
	IFS=: read -r name _ uid _ < <(awk -F: '$3 != 0 && $1 !~ /^[+-]/' /etc/passwd | head -1)
	[ -n "$uid" ] || skip "/etc/passwd names no user but root"
	while cut -d: -f3 /etc/passwd | grep -qx "$unknown"; do unknown=$((unknown + 1)); done
	chown "$uid" "$ROOT/$ID"
	run --separate-stderr runtime list
	assert_status 0
	assert_equal "$(awk -v id="$ID" '$1 == id {print $6}' <<<"$output")" "$name" "a user of /etc/passwd"
	chown "$unknown" "$ROOT/$ID"
	run --separate-stderr runtime list
	assert_status 0
	assert_equal "$(awk -v id="$ID" '$1 == id {print $6}' <<<"$output")" "#$unknown" "a uid no line names"
	run --separate-stderr runtime list --format json
	assert_status 0
	assert_equal "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .owner' <<<"$output")" "#$unknown" "list --format json"
}
