#!/bin/sh
# make lint: cppcheck and clang-tidy over runtime/, each one check; ends with
# "N passed, N failed". Both must stay quiet.
set -u
cd "$(dirname "$0")/.."
passed=0
failed=0
features="-DCONFIG_NET -DCONFIG_FIREWALL -DCONFIG_SECRETS -DCONFIG_HEALTHCHECK -DCONFIG_LAYER_ZSTD -DCONFIG_LAYER_XZ"

# Leaks are left to the cleanup attributes and to ASan/LSan (make sanitize):
# cppcheck does not follow __attribute__((cleanup)).
# shellcheck disable=SC2086
if out=$(cppcheck --quiet --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,performance,portability -D__GNUC__ -D__CPPCHECK__ -D__x86_64__ -D_GNU_SOURCE \
	-DCONFIG_VERSION_STRING='"0"' -DCONFIG_BOARD='""' $features \
	--suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak \
	-Iruntime runtime 2>&1); then
	passed=$((passed + 1))
	echo "ok   cppcheck"
else
	failed=$((failed + 1))
	echo "FAIL cppcheck"
	echo "$out" | head -n 60
fi

# valist.Uninitialized: clang 14's analyzer misreads glibc's va_start.
# unix.Malloc: the analyzer does not follow __attribute__((cleanup)), so every
# early return past a _cleanup_free_ buffer reads as a leak; leaks, double
# frees and use after free are ASan/LSan's (make sanitize).
checks='-*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier,-bugprone-narrowing-conversions,-clang-analyzer-valist.Uninitialized,-clang-analyzer-unix.Malloc,-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling'
# shellcheck disable=SC2046
if out=$(clang-tidy --quiet -checks="$checks" --warnings-as-errors='*' $(ls runtime/*/*.c) -- \
	-Iruntime -Ibuild/cjson -include build/config/autoconf.h -D_GNU_SOURCE -std=gnu11 2>&1); then
	passed=$((passed + 1))
	echo "ok   clang-tidy"
else
	failed=$((failed + 1))
	echo "FAIL clang-tidy"
	echo "$out" | grep -E 'warning|error' | head -n 60
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
