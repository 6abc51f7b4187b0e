#!/bin/sh
# make test: cppcheck and clang-tidy, unit tests (plain and ASan+UBSan), host integration tests, the
# same integration tests inside the emulated arm64 board; then one line
# summing them all. Each stage's own output is shown as it runs.
set -u
cd "$(dirname "$0")/.."
log=build/test-logs
mkdir -p "$log"
total_p=0
total_f=0
total_s=0
bad=""

stage() {
	name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$log/$name.log"
	line=$(grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' "$log/$name.log" | tail -n 1)
	line=${line#*: }
	case "$line" in
	*passed*) ;;
	*)
		echo "== $name: no summary line"
		total_f=$((total_f + 1))
		bad="$bad $name"
		return
		;;
	esac
	p=${line%% passed*}
	f=${line#*passed, }
	f=${f%% failed*}
	s=0
	case "$line" in *skipped*) s=${line#*failed, } && s=${s%% skipped*} ;; esac
	total_p=$((total_p + p))
	total_f=$((total_f + f))
	total_s=$((total_s + s))
	[ "$f" = 0 ] || bad="$bad $name"
}

stage lint make --no-print-directory lint
stage unit make --no-print-directory unit
stage sanitize make --no-print-directory sanitize
stage images sh -c 'make --no-print-directory images && sh rootfs/check.sh build/images'
stage integration make --no-print-directory integration
stage qemu-arm64 make --no-print-directory qemu-test

echo "== failing stages:${bad:- none}"
echo "$total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" = 0 ]
