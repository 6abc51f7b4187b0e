# Helpers for integration tests (POSIX sh; also busybox sh in the arm64 VM).
# Each test_* function runs in its own subshell: fail and skip end it.

: "${BERTH:?BERTH must name the berth binary}"
: "${TESTS_DIR:=$(cd "$(dirname "$0")/.." && pwd)}"

# A fresh state root for this test; the runner removes it afterwards.
new_root() {
	d=$(mktemp -d "$TEST_TMP/root.XXXXXX") || fail "mktemp failed"
	echo "$d"
}

fail() {
	echo "$*" >"$TEST_TMP/.result"
	exit 1
}

skip() {
	echo "$*" >"$TEST_TMP/.result"
	exit 77
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$1', got '$2'"
}

# Fails unless the text ($1) contains the fixed string ($2).
assert_contains() {
	case "$1" in
	*"$2"*) ;;
	*) fail "${3:-output}: expected to contain '$2', got: $1" ;;
	esac
}

# Skips unless berth was built with the Kconfig feature (as --version names it).
require_feature() {
	"$BERTH" --version | grep -q -- "+$1" || skip "berth built without $1 (CONFIG_$(echo "$1" | tr a-z A-Z))"
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

host_arch() {
	case "$(uname -m)" in
	aarch64 | arm64) echo arm64 ;;
	*) uname -m ;;
	esac
}
