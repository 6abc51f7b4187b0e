#!/bin/sh
# Runs every test_* function of tests/integration/*.sh (or of the files
# given), each in its own subshell with its own temp dir, and ends with
# "N passed, N failed, N skipped". POSIX sh: runs under busybox in the VM.
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${TESTS_DIR:=$(dirname "$here")}"
export TESTS_DIR
: "${BERTH:?set BERTH to the berth binary}"
export BERTH
: "${BERTH_IMAGES:=}"
export BERTH_IMAGES

[ $# -gt 0 ] || set -- "$here"/*.sh
passed=0
failed=0
skipped=0
base=$(mktemp -d "${TMPDIR:-/tmp}/berth-it.XXXXXX") || exit 1

for file in "$@"; do
	case "$(basename "$file")" in run.sh | lib.sh) continue ;; esac
	area=$(basename "$file" .sh)
	for t in $(sed -n 's/^\(test_[A-Za-z0-9_]*\)[[:space:]]*().*/\1/p' "$file"); do
		TEST_TMP="$base/$area.$t"
		mkdir -p "$TEST_TMP"
		export TEST_TMP
		(
			. "$here/lib.sh"
			. "$file"
			"$t"
		) >"$TEST_TMP/.log" 2>&1
		rc=$?
		why=$(cat "$TEST_TMP/.result" 2>/dev/null)
		if [ "$rc" = 0 ]; then
			passed=$((passed + 1))
			echo "ok   $area: $t"
		elif [ "$rc" = 77 ]; then
			skipped=$((skipped + 1))
			echo "skip $area: $t: $why"
		else
			failed=$((failed + 1))
			echo "FAIL $area: $t: ${why:-exit $rc}"
			tail -n 15 "$TEST_TMP/.log" | sed 's/^/     | /'
		fi
		rm -rf "$TEST_TMP"
	done
done
rm -rf "$base"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
