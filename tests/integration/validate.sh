# berth validate: what a user sees for good and bad task definitions.
# The corpus is tests/taskdefs/{valid,invalid}; each invalid X.json has its
# exact stderr line in X.expect (run as `berth -q validate X.json` from that
# folder, on the small board below).

# A state root with a fixed small board of this machine's arch, so capacity
# messages read the same on every host and in the VM: 1 vCPU less 256 =
# 768 cpu units, 768 MiB less 128 = 640 MiB (both below any test machine).
validate_small_board_root() {
	root=$(new_root)
	mkdir -p "$root/etc"
	cat >"$root/etc/board.json" <<EOF
{"name": "test", "arch": "$(host_arch)", "vcpus": 1, "memory_mib": 768,
 "reserved_cpu_units": 256, "reserved_memory_mib": 128}
EOF
	echo "$root"
}

# The Kconfig features (as --version names them) a definition relies on.
validate_features_used() {
	grep -q '"valueFrom"' "$1" && echo secrets
	grep -q '"healthCheck"' "$1" && echo healthcheck
	grep -qE '"networkMode": *"(host|none)"' "$1" || echo net
}

# The first feature FILE needs that this berth was built without, if any.
validate_unmet_feature() {
	version=$("$BERTH" --version)
	for need in $(validate_features_used "$1"); do
		case "$version" in
		*"+$need"*) ;;
		*) echo "$need"; return ;;
		esac
	done
}

# ECS spelling of this machine's arch, as runtimePlatform.cpuArchitecture has it.
validate_host_ecs_arch() {
	case "$(host_arch)" in
	arm64) echo ARM64 ;;
	*) echo X86_64 ;;
	esac
}

# The cpuArchitecture FILE asks for, or nothing.
validate_file_arch() {
	sed -n 's/.*"cpuArchitecture": *"\([A-Z0-9_]*\)".*/\1/p' "$1" | head -n 1
}

# Checks one definition that must be valid here: the ok line and exit 0, or,
# when it asks for the other architecture, the one clear mismatch line.
validate_check_valid_file() { # ROOT FILE
	arch=$(validate_file_arch "$2")
	out=$("$BERTH" -q --root "$1" validate "$2" 2>"$TEST_TMP/err")
	rc=$?
	err=$(cat "$TEST_TMP/err")
	if [ -n "$arch" ] && [ "$arch" != "$(validate_host_ecs_arch)" ]; then
		assert_eq 1 "$rc" "$2 ($arch on a $(validate_host_ecs_arch) board): exit code"
		assert_contains "$err" "runtimePlatform.cpuArchitecture: \"$arch\" cannot run on this board (" "$2"
		return 0
	fi
	assert_eq 0 "$rc" "$2: exit code (stderr: $err)"
	printf '%s\n' "$out" | grep -q "^$2: ok ([A-Za-z0-9_-]*, [0-9]* cpu, [0-9]* MiB, [0-9]* containers*)\$" ||
		fail "$2: expected '$2: ok (FAMILY, N cpu, N MiB, N containers)', got '$out'"
}

test_examples_and_valid_corpus_validate_on_this_board() {
	root=$(new_root)
	cd "$TESTS_DIR/.." || fail "no $TESTS_DIR/.."
	checked=0
	for f in examples/*.task.json tests/taskdefs/valid/*.json; do
		[ -f "$f" ] || continue
		[ -z "$(validate_unmet_feature "$f")" ] || continue
		validate_check_valid_file "$root" "$f"
		checked=$((checked + 1))
	done
	[ "$checked" -ge 8 ] || fail "only $checked examples and valid definitions found"
}

test_web_demo_prints_its_exact_ok_line() {
	root=$(new_root)
	cd "$TESTS_DIR/.." || fail "no $TESTS_DIR/.."
	[ -z "$(validate_unmet_feature examples/web-demo.task.json)" ] || skip "needs net and healthcheck"
	out=$("$BERTH" --root "$root" validate examples/web-demo.task.json) || fail "exit $?"
	assert_eq "examples/web-demo.task.json: ok (web-demo, 256 cpu, 512 MiB, 1 container)" "$out" \
		"ok line"
}

test_every_invalid_definition_prints_its_expected_line() {
	root=$(validate_small_board_root)
	cd "$TESTS_DIR/taskdefs/invalid" || fail "no $TESTS_DIR/taskdefs/invalid"
	checked=0
	bad=""
	for f in *.json; do
		name=${f%.json}
		[ -f "$name.expect" ] || { bad="$bad $f (no $name.expect)"; continue; }
		[ -z "$(validate_unmet_feature "$f")" ] || continue
		"$BERTH" -q --root "$root" validate "$f" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
		rc=$?
		checked=$((checked + 1))
		if [ "$rc" != 1 ] || ! cmp -s "$name.expect" "$TEST_TMP/err" || [ -s "$TEST_TMP/out" ]; then
			echo "$f: exit $rc, expected: $(cat "$name.expect")"
			echo "$f:          got: $(cat "$TEST_TMP/err")"
			bad="$bad $f"
		fi
	done
	[ -z "$bad" ] || fail "wrong output for:$bad"
	[ "$checked" -ge 35 ] || fail "only $checked invalid definitions checked"
}

test_validate_without_files_is_a_usage_error() {
	root=$(new_root)
	"$BERTH" --root "$root" validate >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	assert_eq 2 "$?" "exit code"
	assert_contains "$(cat "$TEST_TMP/err")" "berth: validate: no task definition files given"
}

test_validate_missing_file_names_the_file() {
	root=$(new_root)
	err=$("$BERTH" --root "$root" validate /nonexistent/web.task.json 2>&1 >/dev/null)
	assert_eq 1 "$?" "exit code"
	assert_eq "berth: /nonexistent/web.task.json: No such file or directory" "$err" "stderr"
}

test_unknown_field_is_a_warning_not_a_failure() {
	root=$(new_root)
	[ -z "$(validate_unmet_feature "$TESTS_DIR/../examples/web-demo.task.json")" ] ||
		skip "needs net and healthcheck"
	f="$TEST_TMP/team.task.json"
	sed 's/"family": "web-demo",/"family": "web-demo", "teamOwner": "web",/' \
		"$TESTS_DIR/../examples/web-demo.task.json" >"$f"
	out=$("$BERTH" --root "$root" validate "$f" 2>"$TEST_TMP/err")
	assert_eq 0 "$?" "exit code"
	assert_eq "$f: ok (web-demo, 256 cpu, 512 MiB, 1 container)" "$out" "ok line"
	assert_eq "berth: warning: $f: teamOwner: unknown field, ignored" "$(cat "$TEST_TMP/err")" \
		"warning"
}

test_validate_reports_every_problem_of_a_file() {
	root=$(validate_small_board_root)
	f="$TEST_TMP/bad.task.json"
	cat >"$f" <<'EOF'
{
  "family": "bad",
  "requiresCompatibilities": ["FARGATE"],
  "networkMode": "host",
  "cpu": "1024",
  "memory": "1024",
  "containerDefinitions": [
    { "name": "web", "image": "nginx:1.25", "essential": false, "stopTimeout": 600 }
  ]
}
EOF
	"$BERTH" -q --root "$root" validate "$f" 2>"$TEST_TMP/err"
	assert_eq 1 "$?" "exit code"
	cat >"$TEST_TMP/want" <<EOF
berth: $f: containerDefinitions[0].stopTimeout: 600 is out of range (valid: 2-120 seconds)
berth: $f: containerDefinitions: no container is essential (at least one must be: "essential": true)
berth: $f: memory: 1024 is not valid for cpu 1024 (valid: 2048-8192 in steps of 1024)
EOF
	cmp -s "$TEST_TMP/want" "$TEST_TMP/err" || fail "expected: $(cat "$TEST_TMP/want") got: $(cat "$TEST_TMP/err")"
}

test_validate_checks_every_file_and_fails_if_one_is_bad() {
	root=$(validate_small_board_root)
	[ -z "$(validate_unmet_feature "$TESTS_DIR/../examples/web-demo.task.json")" ] ||
		skip "needs net and healthcheck"
	cd "$TESTS_DIR/.." || fail "no $TESTS_DIR/.."
	bad=tests/taskdefs/invalid/family-missing.json
	out=$("$BERTH" -q --root "$root" validate "$bad" examples/web-demo.task.json 2>"$TEST_TMP/err")
	assert_eq 1 "$?" "exit code"
	assert_eq "examples/web-demo.task.json: ok (web-demo, 256 cpu, 512 MiB, 1 container)" "$out" \
		"ok line"
	assert_eq "berth: $bad: family: missing (required)" "$(cat "$TEST_TMP/err")" "problem line"
}
