# berth board: what a user sees about the board, its capacity, cgroups and kernel.

# The file system type mounted last at $1, as /proc/mounts says (busybox
# stat -f cannot name cgroup2).
board_fstype_at() {
	awk -v dir="$1" '$2 == dir { t = $3 } END { print t }' /proc/mounts
}

# The cgroup mode as this test sees it: v2, hybrid, v1 or unknown.
board_expected_cgroup_mode() {
	case "$(board_fstype_at /sys/fs/cgroup)" in
	cgroup2) echo v2 ;;
	tmpfs)
		if [ "$(board_fstype_at /sys/fs/cgroup/unified)" = cgroup2 ]; then
			echo hybrid
		else
			echo v1
		fi
		;;
	*) echo unknown ;;
	esac
}

# Whether controller $2 is usable in cgroup mode $1, as the mounts show it:
# listed in the v2 root's cgroup.controllers, or a v1 cgroup mount's option.
board_controller_usable() {
	case "$1" in
	v2) tr ' ' '\n' </sys/fs/cgroup/cgroup.controllers | grep -qx "$2" ;;
	v1 | hybrid) awk -v c="$2" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",") { found = 1 }
		END { exit !found }' /proc/mounts ;;
	*) return 1 ;;
	esac
}

# A number from `berth board --json` output ($1) for a top-level key ($2).
board_json_number() {
	printf '%s\n' "$1" | sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\([0-9][0-9]*\),*\$/\1/p"
}

test_board_shows_capacity_network_and_cgroup_mode() {
	root=$(new_root)
	out=$("$BERTH" --root "$root" board) || fail "berth board exited $?"
	mode=$(board_expected_cgroup_mode)
	assert_contains "$out" "arch:     $(host_arch)"
	assert_contains "$out" "capacity: "
	assert_contains "$out" "usable:   "
	assert_contains "$out" "network:  subnet "
	assert_contains "$out" "cgroups:  $mode"
	assert_contains "$out" "ready:    "
}

test_board_cgroup_controllers_are_reported_as_this_machine_has_them() {
	root=$(new_root)
	out=$("$BERTH" --root "$root" board) || fail "berth board exited $?"
	mode=$(board_expected_cgroup_mode)
	for c in cpu memory pids; do
		if board_controller_usable "$mode" "$c"; then
			assert_contains "$out" "  ok        $c controller"
		else
			assert_contains "$out" "  missing   $c controller: "
		fi
	done
}

test_board_kernel_lines_are_ok_or_say_what_to_do() {
	root=$(new_root)
	out=$("$BERTH" --root "$root" board) || fail "berth board exited $?"
	lines=$(printf '%s\n' "$out" | sed -n '/^kernel:$/,/^ready:/p' | sed '1d;$d')
	[ "$(printf '%s\n' "$lines" | wc -l)" -ge 14 ] || fail "expected 14 kernel lines, got: $lines"
	printf '%s\n' "$lines" | while IFS= read -r line; do
		case "$line" in
		"  ok        "*) ;;
		"  loadable  "*"modprobe "*) ;;
		"  missing   "*": "* | "  skipped   "*": disabled in this build"*) ;;
		*) echo "$line" >"$TEST_TMP/bad" ;;
		esac
	done
	[ ! -s "$TEST_TMP/bad" ] || fail "kernel line without a state and a fix: $(cat "$TEST_TMP/bad")"
}

test_board_json_has_the_same_facts() {
	root=$(new_root)
	human=$("$BERTH" --root "$root" board) || fail "berth board exited $?"
	json=$("$BERTH" --root "$root" board --json) || fail "berth board --json exited $?"
	for key in name arch ecs_arch vcpus memory_mib usable_cpu_units usable_memory_mib \
		subnet bridge nat cgroups mode controllers kernel ready; do
		assert_contains "$json" "\"$key\":"
	done
	assert_contains "$json" "\"mode\":	\"$(board_expected_cgroup_mode)\""
	cpu=$(printf '%s\n' "$human" | sed -n 's/^usable: *\([0-9]*\) cpu units.*/\1/p')
	mem=$(printf '%s\n' "$human" | sed -n 's/^usable: .*, \([0-9]*\) MiB.*/\1/p')
	assert_eq "$cpu" "$(board_json_number "$json" usable_cpu_units)" "usable cpu units"
	assert_eq "$mem" "$(board_json_number "$json" usable_memory_mib)" "usable memory"
	case "$json" in
	"{"*"}") ;;
	*) fail "not one JSON object: $json" ;;
	esac
}

test_board_fits_the_smallest_fargate_task() {
	root=$(new_root)
	json=$("$BERTH" --root "$root" board --json) || fail "berth board --json exited $?"
	cpu=$(board_json_number "$json" usable_cpu_units)
	mem=$(board_json_number "$json" usable_memory_mib)
	[ "$cpu" -ge 256 ] && [ "$mem" -ge 512 ] || fail "usable $cpu cpu units, $mem MiB: a 256/512 task does not fit"
	case "$json" in
	*'"name":	"qemu-virt"'*)
		[ "$cpu" -ge 1024 ] && [ "$mem" -ge 512 ] ||
			fail "qemu-virt usable $cpu cpu units, $mem MiB: want at least 1024 and 512"
		;;
	esac
}

test_board_override_in_etc_is_honoured() {
	root=$(new_root)
	mkdir -p "$root/etc"
	cat >"$root/etc/board.json" <<-EOF
		{ "vcpus": 1, "memory_mib": 512, "reserved_cpu_units": 128,
		  "reserved_memory_mib": 128, "subnet": "10.77.0.0/24", "nat": false }
	EOF
	out=$("$BERTH" --root "$root" board) || fail "berth board exited $?"
	assert_contains "$out" "override: $root/etc/board.json"
	assert_contains "$out" "network:  subnet 10.77.0.0/24, bridge berth0, nat off"
	assert_contains "$out" "usable:   896 cpu units, 384 MiB"
}

test_board_broken_override_is_one_error_naming_the_file() {
	root=$(new_root)
	mkdir -p "$root/etc"
	for bad in '{"vcpus": 0}' '{"subnet": "10.77.0.1/24"}' '{"vcpus": ' '[]'; do
		printf '%s\n' "$bad" >"$root/etc/board.json"
		"$BERTH" --root "$root" board >"$TEST_TMP/out" 2>"$TEST_TMP/err"
		assert_eq 1 "$?" "exit code for $bad"
		assert_eq 1 "$(wc -l <"$TEST_TMP/err" | tr -d ' ')" "error lines for $bad"
		assert_contains "$(cat "$TEST_TMP/err")" "berth: $root/etc/board.json: "
		[ ! -s "$TEST_TMP/out" ] || fail "printed a report for $bad: $(cat "$TEST_TMP/out")"
	done
	printf '{"vcpus": 0}\n' >"$root/etc/board.json"
	"$BERTH" --root "$root" board 2>&1 | grep -q 'vcpus 0 is not valid (valid: 1-1024' ||
		fail "the error does not name the field and what is valid"
}

test_board_unknown_override_field_is_a_warning() {
	root=$(new_root)
	mkdir -p "$root/etc"
	printf '{"colour": "red"}\n' >"$root/etc/board.json"
	"$BERTH" --root "$root" board >"$TEST_TMP/out" 2>"$TEST_TMP/err" || fail "exit $? on an unknown field"
	assert_contains "$(cat "$TEST_TMP/err")" 'warning:'
	assert_contains "$(cat "$TEST_TMP/err")" '"colour"'
}

test_board_env_picks_a_builtin_board_of_this_arch_only() {
	root=$(new_root)
	case "$(host_arch)" in
	arm64) mine=graviton other=pc ;;
	*) mine=pc other=rpi4 ;;
	esac
	out=$(BERTH_BOARD=$mine "$BERTH" --root "$root" board) || fail "BERTH_BOARD=$mine: exit $?"
	assert_contains "$out" "board:    $mine ("
	BERTH_BOARD=$other "$BERTH" --root "$root" board >/dev/null 2>"$TEST_TMP/err" &&
		fail "BERTH_BOARD=$other was accepted on $(host_arch)"
	assert_contains "$(cat "$TEST_TMP/err")" "but this berth is built for $(host_arch)"
}

test_board_rejects_unknown_options() {
	root=$(new_root)
	"$BERTH" --root "$root" board --bogus 2>/dev/null
	assert_eq 2 "$?" "exit code for an unknown option"
}
