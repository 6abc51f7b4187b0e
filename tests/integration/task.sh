# berth run, ps, describe, stop, rm: the task lifecycle end to end, on real
# namespaces and cgroups (v1/hybrid on the host, v2 in the arm64 VM).
# Task definitions are written per test; busybox tools only (the VM has no
# others). A test stops and removes its tasks before it fails (die, expect_*),
# so no task, cgroup or mount outlives it.

img() { echo "$BERTH_IMAGES/$(host_arch)/$1"; }

b() { "$BERTH" --root "$root" "$@"; }

setup() {
	require_root
	[ -f "$(img busybox-gzip.oci.tar)" ] || skip "no test images in BERTH_IMAGES (make images)"
	root=$(new_root)
	out=$(b image load "$(img busybox-gzip.oci.tar)" 2>&1) || fail "image load failed: $out"
}

ids() { ls "$root/lib/tasks" 2>/dev/null | grep -E '^[0-9a-f]{32}$'; }

# Every task of this root stopped and removed.
cleanup() {
	for id in $(ids); do
		b rm -f "$id" >/dev/null 2>&1
	done
}

die() {
	cleanup
	fail "$@"
}

expect_eq() {
	[ "$1" = "$2" ] || die "$3: expected '$1', got '$2'"
}

expect_contains() {
	case "$1" in
	*"$2"*) ;;
	*) die "${3:-output}: expected to contain '$2', got: $1" ;;
	esac
}

# Nothing of task $1 is left but (maybe) its record: no cgroup, no mount
# under the root, no root filesystem, no run directory.
assert_clean() {
	for d in /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth; do
		[ -e "$d/$1" ] && die "cgroup $d/$1 left behind"
	done
	m=$(grep -F "$root" /proc/self/mountinfo) && die "mounts left behind: $m"
	[ -z "$(ls -A "$root/lib/rootfs" 2>/dev/null)" ] || die "root filesystems left: $(ls "$root/lib/rootfs")"
	[ ! -e "$root/run/tasks/$1" ] || die "$root/run/tasks/$1 left behind"
}

# A task definition with one container "app" running the sh command $2;
# $3: more container members, $4: more task members (each ending in ",").
taskdef() {
	cat >"$1" <<EOF
{ "family": "t", "networkMode": "none", "cpu": "256", "memory": "512", ${4:-}
  "containerDefinitions": [ { "name": "app", "image": "berth-test/busybox:1", ${3:-}
    "command": ["sh", "-c", "$2"] } ] }
EOF
}

# A member of describe --json: the first "name": value on its own line.
member() { printf '%s\n' "$1" | sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\"\{0,1\}\([^\",]*\).*/\1/p" | head -n 1; }

# Waits (up to ~20 s, the VM is slow) until file $1 contains $2.
wait_for() {
	i=0
	while ! grep -q -- "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 200 ] || die "timed out waiting for '$2' in $1: $(cat "$1" 2>/dev/null)"
		sleep 0.1
	done
}

# A detached task's id from `run -d` output: the last line.
run_detached() {
	out=$(b run -d "$@" 2>&1) || die "run -d failed: $out"
	id=$(printf '%s\n' "$out" | tail -n 1)
	printf '%s' "$id" | grep -qE '^[0-9a-f]{32}$' || die "run -d: last line is not a task id: $out"
}

log_of() { echo "$root/lib/tasks/$1/$2.log"; }

# The task's cgroup directory for controller $2 (v2: the one directory).
cgroup_dir() {
	for d in /sys/fs/cgroup/berth/$1 /sys/fs/cgroup/$2/berth/$1 /sys/fs/cgroup/cpu,cpuacct/berth/$1; do
		[ -d "$d" ] && { echo "$d"; return; }
	done
}

# ---- foreground --------------------------------------------------------------

test_run_foreground_prints_prefixed_output_and_exit_code() {
	setup
	taskdef "$TEST_TMP/t.json" "echo hello; echo oops >&2; printf partial; exit 3"
	b run "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
	rc=$?
	expect_eq 3 "$rc" "exit status"
	expect_contains "$(cat "$TEST_TMP/out")" "app | hello" "stdout"
	expect_contains "$(cat "$TEST_TMP/out")" "app | partial" "stdout (a last line without newline)"
	expect_contains "$(cat "$TEST_TMP/err")" "app | oops" "stderr"
	id=$(ids)
	ps=$(b ps -a)
	expect_contains "$ps" "STOPPED (exit 3)" "ps -a"
	assert_clean "$id"
}

test_sigterm_to_foreground_run_stops_the_task_gracefully() {
	setup
	taskdef "$TEST_TMP/t.json" "trap 'echo got-term; exit 0' TERM; echo started; while true; do sleep 0.1; done"
	# berth itself, not a subshell running it, gets the signal.
	"$BERTH" --root "$root" run "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>&1 &
	pid=$!
	wait_for "$TEST_TMP/out" "app | started"
	kill -TERM $pid
	wait $pid
	rc=$?
	expect_eq 0 "$rc" "exit status (the container's, after its TERM handler)"
	expect_contains "$(cat "$TEST_TMP/out")" "app | got-term" "output"
	d=$(b describe --json "$(ids)")
	expect_eq UserInitiated "$(member "$d" stopCode)" "stopCode"
	expect_eq "Task stopped by user" "$(member "$d" stoppedReason)" "stoppedReason"
	assert_clean "$(ids)"
}

# ---- limits ------------------------------------------------------------------

test_memory_hog_is_oom_killed_with_137() {
	setup
	# tail keeps the whole (endless) line of /dev/zero: memory without
	# bound. A 64 MiB task (no FARGATE: any size) fills up fast, even in the VM.
	taskdef "$TEST_TMP/t.json" "tail /dev/zero"
	sed -i 's/"memory": "512"/"memory": "64"/' "$TEST_TMP/t.json"
	b run "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>&1
	rc=$?
	expect_eq 137 "$rc" "exit status"
	d=$(b describe --json "$(ids)")
	expect_contains "$d" "OutOfMemoryError: container app was killed for using more memory than its limit" "describe"
	expect_eq EssentialContainerExited "$(member "$d" stopCode)" "stopCode"
	expect_contains "$(member "$d" reason)" "OutOfMemoryError" "container reason"
	assert_clean "$(ids)"
}

test_cpu_burner_in_a_256_unit_task_gets_about_a_quarter_cpu() {
	setup
	taskdef "$TEST_TMP/t.json" "trap 'exit 0' TERM; while :; do :; done"
	run_detached "$TEST_TMP/t.json"
	dir=$(cgroup_dir "$id" cpuacct)
	[ -n "$dir" ] || die "no cpu accounting cgroup for $id"
	if [ -f "$dir/cpu.stat" ]; then
		usage() { sed -n 's/^usage_usec //p' "$dir/cpu.stat"; }
		per_s=1000000
	else
		usage() { cat "$dir/cpuacct.usage"; }
		per_s=1000000000
	fi
	sleep 0.5 # past the start
	u0=$(usage) t0=$(cut -d' ' -f1 /proc/uptime)
	sleep 2
	u1=$(usage) t1=$(cut -d' ' -f1 /proc/uptime)
	b rm -f "$id" >/dev/null
	pct=$(awk -v u0="$u0" -v u1="$u1" -v t0="$t0" -v t1="$t1" -v s="$per_s" \
		'BEGIN { printf "%d", (u1 - u0) / s / (t1 - t0) * 100 }')
	[ "$pct" -ge 10 ] && [ "$pct" -le 45 ] || die "cpu share ${pct}% of one CPU (expected about 25%)"
	assert_clean "$id"
}

test_fork_bomb_stops_at_pids_limit_and_the_task_still_stops() {
	setup
	# The subshell forks sleeps until fork fails, then the shell execs (no fork).
	taskdef "$TEST_TMP/t.json" "(while :; do sleep 60 & done) 2>/dev/null; echo bombed; exec sleep 60" \
		'"stopTimeout": 2,'
	run_detached --pids-limit 50 "$TEST_TMP/t.json"
	wait_for "$(log_of "$id" app)" bombed
	dir=$(cgroup_dir "$id" pids)
	n=$(cat "$dir/pids.current")
	[ "$n" -le 50 ] || die "pids.current $n above the limit 50"
	[ "$n" -ge 40 ] || die "pids.current $n: the bomb did not reach the limit 50"
	out=$(b stop "$id" 2>&1) || die "stop failed: $out"
	expect_contains "$(b ps -a)" "STOPPED" "ps -a"
	b rm "$id" >/dev/null
	assert_clean "$id"
}

# ---- signals -----------------------------------------------------------------

# stop: prints the seconds `berth stop` took.
timed_stop() {
	t0=$(date +%s)
	out=$(b stop "$1" 2>&1) || die "stop failed: $out"
	echo $(($(date +%s) - t0))
}

test_sigterm_handling_app_exits_within_stop_timeout() {
	setup
	taskdef "$TEST_TMP/t.json" "trap 'exit 0' TERM; echo up; while true; do sleep 0.1; done" '"stopTimeout": 20,'
	run_detached "$TEST_TMP/t.json"
	wait_for "$(log_of "$id" app)" up
	took=$(timed_stop "$id")
	[ "$took" -lt 10 ] || die "stop took ${took}s: the TERM handler did not end it"
	expect_eq 0 "$(member "$(b describe --json "$id")" exitCode)" "exit code"
	b rm "$id" >/dev/null
	assert_clean "$id"
}

test_sigterm_ignoring_app_is_killed_after_stop_timeout() {
	setup
	taskdef "$TEST_TMP/t.json" "trap '' TERM; echo up; while true; do sleep 0.1; done" '"stopTimeout": 2,'
	run_detached "$TEST_TMP/t.json"
	wait_for "$(log_of "$id" app)" up
	took=$(timed_stop "$id")
	[ "$took" -ge 2 ] || die "stop took ${took}s: SIGKILL came before stopTimeout 2"
	[ "$took" -lt 10 ] || die "stop took ${took}s: SIGKILL did not come after stopTimeout 2"
	expect_eq 137 "$(member "$(b describe --json "$id")" exitCode)" "exit code"
	b rm "$id" >/dev/null
	assert_clean "$id"
}

test_init_process_forwards_signals_and_reaps_zombies() {
	setup
	# Orphans go to PID 1 (berth init), which must reap them; sleep as
	# a child of init dies of the forwarded SIGTERM, where as PID 1 it
	# would ignore it until stopTimeout.
	taskdef "$TEST_TMP/t.json" "for i in 1 2 3; do (sleep 0 &); done; sleep 1; ps -o stat,comm; echo listed; exec sleep 1000" \
		'"stopTimeout": 20, "linuxParameters": { "initProcessEnabled": true },'
	run_detached "$TEST_TMP/t.json"
	log=$(log_of "$id" app)
	wait_for "$log" listed
	grep -q '^ *Z' "$log" && die "zombies in the container: $(cat "$log")"
	took=$(timed_stop "$id")
	[ "$took" -lt 10 ] || die "stop took ${took}s: SIGTERM was not forwarded"
	expect_eq 143 "$(member "$(b describe --json "$id")" exitCode)" "exit code (128+SIGTERM)"
	b rm "$id" >/dev/null
	assert_clean "$id"
}

# ---- containers and dependsOn --------------------------------------------------

test_essential_exit_stops_the_task_a_non_essential_one_does_not() {
	setup
	cat >"$TEST_TMP/t.json" <<'EOF'
{ "family": "multi", "networkMode": "none", "cpu": "256", "memory": "512",
  "containerDefinitions": [
    { "name": "side", "image": "berth-test/busybox:1", "essential": false,
      "command": ["sh", "-c", "echo side-done"] },
    { "name": "other", "image": "berth-test/busybox:1", "essential": false,
      "command": ["sh", "-c", "trap 'echo other-term; exit 7' TERM; while true; do sleep 0.1; done"] },
    { "name": "main", "image": "berth-test/busybox:1",
      "command": ["sh", "-c", "sleep 1; echo main-done; exit 4"] } ] }
EOF
	b run "$TEST_TMP/t.json" >"$TEST_TMP/out" 2>&1
	rc=$?
	out=$(cat "$TEST_TMP/out")
	expect_eq 4 "$rc" "exit status (the essential container's)"
	expect_contains "$out" "side  | side-done" "output"
	expect_contains "$out" "main  | main-done" "output (main went on after side exited)"
	expect_contains "$out" "other | other-term" "output (the others get SIGTERM)"
	d=$(b describe --json "$(ids)")
	expect_eq EssentialContainerExited "$(member "$d" stopCode)" "stopCode"
	printf '%s\n' "$d" | grep -qE '"exitCode":[[:space:]]*7,' || die "other's exit code is not 7: $d"
	assert_clean "$(ids)"
}

test_depends_on_complete_and_success_order_the_starts() {
	setup
	cat >"$TEST_TMP/t.json" <<'EOF'
{ "family": "deps", "networkMode": "none", "cpu": "256", "memory": "512",
  "volumes": [ { "name": "shared" } ],
  "containerDefinitions": [
    { "name": "app", "image": "berth-test/busybox:1",
      "dependsOn": [ { "containerName": "check", "condition": "SUCCESS" } ],
      "mountPoints": [ { "sourceVolume": "shared", "containerPath": "/shared" } ],
      "command": ["sh", "-c", "echo app >>/shared/order; cat /shared/order"] },
    { "name": "check", "image": "berth-test/busybox:1", "essential": false,
      "dependsOn": [ { "containerName": "setup", "condition": "COMPLETE" } ],
      "mountPoints": [ { "sourceVolume": "shared", "containerPath": "/shared" } ],
      "command": ["sh", "-c", "sleep 0.5; echo check >>/shared/order"] },
    { "name": "setup", "image": "berth-test/busybox:1", "essential": false,
      "mountPoints": [ { "sourceVolume": "shared", "containerPath": "/shared" } ],
      "command": ["sh", "-c", "sleep 0.5; echo setup >>/shared/order; exit 1"] } ] }
EOF
	out=$(b run "$TEST_TMP/t.json" 2>&1)
	rc=$?
	expect_eq 0 "$rc" "exit status: $out"
	order=$(printf '%s\n' "$out" | sed -n 's/^app *| //p' | tr '\n' ' ')
	expect_eq "setup check app " "$order" "start order"
	assert_clean "$(ids)"
}

test_depends_on_success_of_a_failed_container_fails_the_start() {
	setup
	cat >"$TEST_TMP/t.json" <<'EOF'
{ "family": "deps", "networkMode": "none", "cpu": "256", "memory": "512",
  "containerDefinitions": [
    { "name": "app", "image": "berth-test/busybox:1",
      "dependsOn": [ { "containerName": "setup", "condition": "SUCCESS" } ],
      "command": ["echo", "never"] },
    { "name": "setup", "image": "berth-test/busybox:1", "essential": false,
      "command": ["sh", "-c", "exit 2"] } ] }
EOF
	out=$(b run "$TEST_TMP/t.json" 2>&1)
	rc=$?
	expect_eq 125 "$rc" "exit status"
	expect_contains "$out" "CannotStartContainerError: container app cannot start: dependency setup exited with 2" "error"
	case "$out" in *never*) die "app started: $out" ;; esac
	d=$(b describe --json "$(ids)")
	expect_eq TaskFailedToStart "$(member "$d" stopCode)" "stopCode"
	assert_clean "$(ids)"
}

test_pid_mode_task_containers_see_each_other() {
	setup
	cat >"$TEST_TMP/t.json" <<'EOF'
{ "family": "pids", "networkMode": "none", "pidMode": "task", "cpu": "256", "memory": "512",
  "containerDefinitions": [
    { "name": "app", "image": "berth-test/busybox:1",
      "dependsOn": [ { "containerName": "peer", "condition": "START" } ],
      "command": ["sh", "-c", "sleep 0.5; ps -o comm | grep -c '^sleep$'"] },
    { "name": "peer", "image": "berth-test/busybox:1", "essential": false,
      "command": ["sleep", "1000"] } ] }
EOF
	out=$(b run "$TEST_TMP/t.json" 2>&1)
	expect_contains "$out" "app  | 1" "the peer's process seen from app"
	assert_clean "$(ids)"
}

# ---- what a container runs -------------------------------------------------------

test_image_config_and_definition_merge_as_docker_and_ecs_do() {
	setup
	printf '# comment\nFROM_FILE=file1\nBOTH=file\nFIRST=one\n' >"$TEST_TMP/a.env"
	printf 'FIRST=two\n' >"$TEST_TMP/b.env"
	cat >"$TEST_TMP/t.json" <<EOF
{ "family": "env", "networkMode": "none", "cpu": "256", "memory": "512",
  "containerDefinitions": [
    { "name": "app", "image": "berth-test/busybox:1", "entryPoint": ["sh", "-c"],
      "command": ["pwd; env | sort"],
      "environment": [ { "name": "BOTH", "value": "definition" } ],
      "environmentFiles": [ { "type": "file", "value": "$TEST_TMP/a.env" },
                            { "type": "file", "value": "$TEST_TMP/b.env" } ] } ] }
EOF
	out=$(b run "$TEST_TMP/t.json" 2>&1) || die "run failed: $out"
	expect_contains "$out" "app | /www" "the image's WorkingDir"
	expect_contains "$out" "app | BERTH_IMAGE=busybox" "the image's Env"
	expect_contains "$out" "app | BOTH=definition" "environment over environmentFiles"
	expect_contains "$out" "app | FROM_FILE=file1" "environmentFiles"
	expect_contains "$out" "app | FIRST=one" "the first environment file to set a name"
	assert_clean "$(ids)"
}

# ---- isolation -------------------------------------------------------------------

test_container_is_isolated() {
	setup
	taskdef "$TEST_TMP/t.json" "echo host=\$(hostname); echo pids=\$(ps -o pid= | wc -l); echo masked=\$(wc -c </proc/timer_list); grep CapEff /proc/self/status; touch /probe 2>/dev/null; echo touch=\$?" \
		'"readonlyRootFilesystem": true,'
	out=$(b run "$TEST_TMP/t.json" 2>&1) || die "run failed: $out"
	id=$(ids)
	expect_contains "$out" "app | host=$id" "hostname (= task id)"
	pids=$(printf '%s\n' "$out" | sed -n 's/^app | pids=//p')
	[ "$pids" -le 5 ] || die "the container sees $pids processes: $out"
	expect_contains "$out" "app | masked=0" "masked /proc/timer_list"
	cap=$(printf '%s\n' "$out" | sed -n 's/^app | CapEff:[[:space:]]*//p')
	[ -n "$cap" ] || die "no CapEff: $out"
	[ $((0x$cap & (1 << 21))) = 0 ] || die "CapEff $cap has CAP_SYS_ADMIN"
	expect_contains "$out" "app | touch=1" "write to a read-only root"
	assert_clean "$id"
}

test_container_hostname_replaces_the_task_id() {
	setup
	taskdef "$TEST_TMP/t.json" "hostname" '"hostname": "db-1",'
	out=$(b run "$TEST_TMP/t.json" 2>&1) || die "run failed: $out"
	expect_contains "$out" "app | db-1" "hostname"
	assert_clean "$(ids)"
}

# ---- failed starts -----------------------------------------------------------------

test_missing_image_fails_the_start_and_leaves_only_the_record() {
	setup
	taskdef "$TEST_TMP/t.json" "true"
	sed -i 's|berth-test/busybox:1|order-service:1.4|' "$TEST_TMP/t.json"
	out=$(b run "$TEST_TMP/t.json" 2>&1)
	rc=$?
	expect_eq 125 "$rc" "exit status"
	expect_contains "$out" "CannotPullContainerError: image order-service:1.4 is not loaded" "error"
	id=$(ids)
	expect_eq TaskFailedToStart "$(member "$(b describe --json "$id")" stopCode)" "stopCode"
	expect_eq "1" "$(ids | wc -l | tr -d ' ')" "records"
	assert_clean "$id"
}

test_missing_executable_fails_the_start_with_127() {
	setup
	taskdef "$TEST_TMP/t.json" "true" '"entryPoint": ["/app/server"],'
	out=$(b run "$TEST_TMP/t.json" 2>&1)
	rc=$?
	expect_eq 127 "$rc" "exit status"
	expect_contains "$out" "CannotStartContainerError" "error"
	expect_contains "$out" "/app/server" "error"
	id=$(ids)
	d=$(b describe --json "$id")
	expect_eq TaskFailedToStart "$(member "$d" stopCode)" "stopCode"
	expect_eq STOPPED "$(member "$d" lastStatus)" "lastStatus"
	assert_clean "$id"
}

# ---- detached tasks ------------------------------------------------------------------

test_detach_ps_describe_stop_rm_round_trip() {
	setup
	taskdef "$TEST_TMP/t.json" "trap 'exit 0' TERM; echo up; while true; do sleep 0.1; done"
	run_detached --name web "$TEST_TMP/t.json"
	wait_for "$(log_of "$id" app)" up
	short=$(echo "$id" | cut -c1-12)
	expect_contains "$(b ps)" "$short  web" "ps"
	expect_contains "$(b ps)" "RUNNING" "ps"
	d=$(b describe --json "$(echo "$id" | cut -c1-8)")
	expect_eq "arn:aws:ecs:local:000000000000:task/default/$id" "$(member "$d" taskArn)" "taskArn"
	expect_eq RUNNING "$(member "$d" lastStatus)" "lastStatus (prefix lookup)"
	expect_contains "$(b describe web)" "RUNNING" "describe by name"
	out=$(b rm web 2>&1) && die "rm of a running task worked: $out"
	expect_contains "$out" "stop it first" "rm of a running task"
	expect_eq "$id" "$(b stop web)" "stop prints the id"
	d=$(b describe --json web)
	expect_eq STOPPED "$(member "$d" lastStatus)" "lastStatus after stop"
	expect_eq UserInitiated "$(member "$d" stopCode)" "stopCode"
	[ -z "$(b ps | sed 1d)" ] || die "ps still lists the task: $(b ps)"
	expect_eq "$id" "$(b rm web)" "rm prints the id"
	[ -z "$(b ps -a | sed 1d)" ] || die "ps -a still lists the task: $(b ps -a)"
	[ ! -e "$root/lib/tasks/$id" ] || die "record left after rm"
	assert_clean "$id"
}

test_ambiguous_prefix_is_refused_naming_the_matches() {
	setup
	taskdef "$TEST_TMP/t.json" "true"
	sed -i 's|berth-test/busybox:1|missing:1|' "$TEST_TMP/t.json"
	# 17 ids: two of them share a first hex digit.
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do
		b run "$TEST_TMP/t.json" >/dev/null 2>&1
	done
	expect_eq 17 "$(ids | wc -l | tr -d ' ')" "STOPPED records"
	p=$(ids | cut -c1 | sort | uniq -d | head -n 1)
	out=$(b describe "$p" 2>&1) && die "describe of an ambiguous prefix worked: $out"
	expect_contains "$out" "$p matches" "error"
	for id in $(ids | grep "^$p"); do
		expect_contains "$out" "$id" "error lists every match"
	done
	one=$(ids | head -n 1)
	expect_contains "$(b describe "$(echo "$one" | cut -c1-20)")" "$one" "a longer prefix"
}

test_stop_cleans_up_after_a_killed_monitor() {
	setup
	taskdef "$TEST_TMP/t.json" "echo up; while true; do sleep 0.1; done"
	run_detached "$TEST_TMP/t.json"
	wait_for "$(log_of "$id" app)" up
	monitor=$(sed -n 's/^[[:space:]]*"pid":[[:space:]]*\([0-9]*\).*/\1/p' "$root/lib/tasks/$id/task.json")
	[ -n "$monitor" ] || die "no monitor pid in the record"
	kill -9 "$monitor"
	sleep 0.2
	expect_contains "$(b ps)" "monitor gone" "ps"
	out=$(b stop "$id" 2>&1) || die "stop failed: $out"
	d=$(b describe --json "$id")
	expect_eq STOPPED "$(member "$d" lastStatus)" "lastStatus"
	expect_eq "Task monitor exited unexpectedly" "$(member "$d" stoppedReason)" "stoppedReason"
	assert_clean "$id"
	b rm "$id" >/dev/null || die "rm failed"
}

test_admission_refuses_a_task_over_the_board_capacity() {
	setup
	mkdir -p "$root/etc"
	echo '{"vcpus":1,"memory_mib":1024,"reserved_cpu_units":0,"reserved_memory_mib":0}' >"$root/etc/board.json"
	cat >"$TEST_TMP/t.json" <<'EOF'
{ "family": "half", "networkMode": "none", "cpu": "512", "memory": "128",
  "containerDefinitions": [ { "name": "app", "image": "berth-test/busybox:1",
    "command": ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"] } ] }
EOF
	run_detached --name one "$TEST_TMP/t.json"
	one=$id
	run_detached --name two "$TEST_TMP/t.json"
	two=$id
	out=$(b run -d --name three "$TEST_TMP/t.json" 2>&1)
	rc=$?
	cleanup
	expect_eq 125 "$rc" "exit status of the third"
	expect_contains "$out" "cannot place task three (512 cpu, 128 MiB): the board has 1024 cpu units, 1024 in use by 2 tasks" "error"
	expect_contains "$out" "$(echo "$one" | cut -c1-12) one 512" "error names the first task"
	expect_contains "$out" "$(echo "$two" | cut -c1-12) two 512" "error names the second task"
	assert_clean "$one"
	assert_clean "$two"
}
