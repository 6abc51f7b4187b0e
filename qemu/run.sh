#!/bin/sh
# The emulated ARM64 board: Debian's arm64 kernel in qemu-system-aarch64 with
# an initramfs holding busybox, berth, the tests and the arm64 test images.
#
#   sh qemu/run.sh test     boot, run tests/integration/run.sh inside, report
#   sh qemu/run.sh shell    boot to a shell on this terminal (Ctrl-A X quits qemu)
#   sh qemu/run.sh initrd   only build build/qemu/initrd.gz
#
# Needs build/arm64/berth (make ARCH=arm64) and build/images (make images).
# Environment:
#   QEMU_TIMEOUT=900     seconds for the whole test boot
#   QEMU_MEM=1024 QEMU_SMP=2
#   BERTH_BIN=FILE       the arm64 berth to put in (default build/arm64/berth)
#   BERTH_VM_CMD='...'   test mode runs this sh command instead of the suite,
#                        e.g. BERTH_VM_CMD='berth --version' make qemu-test
#   BERTH_VM_DIR=DIR     copied into the VM as /vm, for BERTH_VM_CMD's scripts
#                        and tools (make qemu-bench: bench/qemu.sh)
#
# Test mode prints the suite's per-test lines, then its summary line
# "N passed, N failed[, N skipped]" last; it exits non-zero when the VM did
# not report (timeout, kernel panic, no marker) or the suite failed. qemu's
# own exit code means nothing (a panic exits 0): only the markers count.
set -eu
export LC_ALL=C

here=$(cd "$(dirname "$0")" && pwd)
root=${here%/*}
q=$root/build/qemu
images=$root/build/images
berth=${BERTH_BIN:-$root/build/arm64/berth}
mode=${1:-test}

die() { echo "qemu: $*" >&2; exit 1; }

# ---- initramfs ------------------------------------------------------------

kernel_version() { ls "$q/kernel/lib/modules"; }

# The .ko files of modules $MODULES (from init.sh) and their dependencies,
# as paths relative to lib/modules/VERSION, from the full kernel's modules.dep.
module_files() { # MODULES_DEP NAME...
	dep=$1
	shift
	for m in "$@"; do
		line=$(grep -E "(^|/)$m\\.ko(\\.[a-z]+)?:" "$dep") || die "kernel module $m not found"
		echo "$line" | tr -d ':' | tr ' ' '\n'
	done
}

copy_modules() { # DEST
	v=$(kernel_version)
	src=$q/kernel/lib/modules/$v
	# busybox depmod reads the arm64 .ko files fine; done once per kernel.
	[ -f "$src/modules.dep" ] || busybox depmod -b "$q/kernel" "$v"
	names=$(sed -n '/^MODULES="/,/"$/p' "$here/init.sh" | tr -d '"' | sed 's/^MODULES=//')
	# shellcheck disable=SC2086
	files=$(module_files "$src/modules.dep" $names) || exit 1
	for f in $(echo "$files" | sort -u); do
		mkdir -p "$1/lib/modules/$v/${f%/*}"
		cp "$src/$f" "$1/lib/modules/$v/$f"
	done
	cp "$src/modules.builtin" "$src/modules.order" "$1/lib/modules/$v/"
	busybox depmod -b "$1" "$v"
}

# Debian's arm64 ip (iproute2) and nft, which the tests use to inspect, into
# /usr/local/sbin (ahead of busybox's ip in PATH), and Debian's dynamic
# busybox as /bin/sh: busybox-static's sh runs its own applets before
# looking in PATH (so `ip` would always be busybox's), this one does not.
# With the shared libraries they need (NEEDED, recursively) and the loader.
copy_tools() { # DEST
	t=$q/vmtools dst=$1
	mkdir -p "$dst/usr/local/sbin" "$dst/lib/aarch64-linux-gnu" "$dst/etc"
	cp "$t/bin/ip" "$t/usr/sbin/nft" "$dst/usr/local/sbin/"
	cp "$t/bin/busybox" "$dst/bin/busybox-sh"
	ln -s busybox-sh "$dst/bin/sh"
	cp -a "$t/etc/iproute2" "$dst/etc/"
	cp -L "$t/lib/ld-linux-aarch64.so.1" "$dst/lib/"
	todo="$t/bin/ip $t/usr/sbin/nft $t/bin/busybox" seen=""
	while [ -n "$todo" ]; do
		# shellcheck disable=SC2086 # a list of paths without spaces
		set -- $todo
		f=$1
		shift
		todo="$*"
		for so in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case " $seen " in *" $so "*) continue ;; esac
			seen="$seen $so"
			lib=$(ls "$t/lib/aarch64-linux-gnu/$so" "$t/usr/lib/aarch64-linux-gnu/$so" 2>/dev/null | head -n 1)
			[ -n "$lib" ] || die "$so (for ${f##*/}) not found in $t"
			cp -L "$lib" "$dst/lib/aarch64-linux-gnu/$so"
			todo="$todo $lib"
		done
	done
}

build_initrd() {
	d=$work/initrd.d
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/sbin" "$d/etc/berth-vm" "$d/usr/bin" "$d/root" "$d/tmp" \
		"$d/images/arm64" "$d/tests"
	cp "$root/build/busybox-arm64/bin/busybox" "$d/bin/busybox"
	cp "$here/init.sh" "$d/init"
	chmod 0755 "$d/init" "$d/bin/busybox"
	ln -s /bin/busybox "$d/sbin/init"
	cp "$berth" "$d/usr/bin/berth"
	ln -s berth "$d/usr/bin/berthd"
	cat >"$d/etc/inittab" <<-EOF
		::sysinit:/init boot
		::once:/init run
		::ctrlaltdel:/bin/busybox poweroff -f
	EOF
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$d/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
	echo berth-vm >"$d/etc/hostname"
	printf '127.0.0.1\tlocalhost berth-vm\n::1\tlocalhost\n' >"$d/etc/hosts"
	[ -z "${BERTH_VM_CMD:-}" ] || printf '%s\n' "$BERTH_VM_CMD" >"$d/etc/berth-vm/cmd"
	[ -z "${BERTH_VM_DIR:-}" ] || cp -a "$BERTH_VM_DIR" "$d/vm"
	# The tests (sh, task definitions, data), the static arm64 unit test
	# binaries (make ARCH=arm64 unit-bins), examples.
	(cd "$root/tests" && tar --exclude=./unit -cf - .) | tar -xf - -C "$d/tests"
	mkdir -p "$d/tests/unit-bin"
	for t in "$root"/build/test-arm64/*_test; do
		[ -f "$t" ] && cp "$t" "$d/tests/unit-bin/"
	done
	[ ! -d "$root/examples" ] || cp -a "$root/examples" "$d/examples"
	# The arm64 images, laid out as on the host (BERTH_IMAGES=/images).
	cp "$images"/arm64/*.tar "$d/images/arm64/"
	cp "$images/busybox-multi.oci.tar" "$d/images/"
	copy_modules "$d"
	copy_tools "$d"
	(cd "$d" && find . | sort | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/initrd.gz"
	rm -rf "$d"
}

# ---- boot -----------------------------------------------------------------

qemu_args() { # MODE
	echo "-M virt -cpu cortex-a72 -smp ${QEMU_SMP:-2} -m ${QEMU_MEM:-1024} -nographic -no-reboot -nic none"
	echo "-kernel $(ls "$q"/kernel/boot/vmlinuz-*) -initrd $work/initrd.gz"
}

# Prints the suite's lines from the serial log, then its summary: the only
# "N passed, N failed" line on stdout (the suite's own such lines are left
# out, so a results counter sees one); returns non-zero unless the VM
# reported a clean run.
report() { # LOG QEMU_RC SECONDS
	log=$1
	tr -d '\r' <"$log" >"$log.txt"
	summary=$(sed -n 's/^BERTH-VM-SUMMARY: //p' "$log.txt" | tail -n 1)
	code=$(sed -n 's/^BERTH-VM-EXIT: //p' "$log.txt" | tail -n 1)
	sed -n 's/^BERTH-VM-INFO: /vm: /p' "$log.txt" | grep -v 'last kernel messages' || true
	awk '/^BERTH-VM-BEGIN/ {on = 1; next} /^BERTH-VM-SUMMARY: / {on = 0}
		/^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed/ {next} on' "$log.txt"
	up=$(sed -n 's/^BERTH-VM-BEGIN uptime=//p' "$log.txt")
	end=$(sed -n 's/^BERTH-VM-END uptime=//p' "$log.txt")
	why=""
	if grep -q 'Kernel panic' "$log.txt"; then why="kernel panic"
	elif [ "$2" = 124 ] || [ "$2" = 137 ]; then why="timed out after ${QEMU_TIMEOUT:-900} s"
	elif [ -z "$summary" ]; then why="the VM reported no BERTH-VM-SUMMARY line"
	elif [ "$code" != 0 ]; then why="the suite exited with $code"
	else
		case $summary in *" 0 failed"*) ;; *) why="the suite reported failures" ;; esac
	fi
	echo "vm: booted to the suite in ${up:-?} s, suite ended at ${end:-?} s, qemu ran $3 s"
	if [ -n "$why" ]; then
		echo "qemu: $why; the serial log's last 60 lines ($log):" >&2
		tail -n 60 "$log.txt" >&2
		case $summary in *passed*failed*) echo "$summary" ;; *) echo "0 passed, 1 failed" ;; esac
		return 1
	fi
	echo "$summary"
}

main() {
	case $mode in test | shell | initrd) ;; *) die "usage: sh qemu/run.sh test|shell|initrd" ;; esac
	sh "$root/board/deps.sh" qemu busybox="$root/build" kernel="$q" vmtools="$q"
	[ -f "$berth" ] || die "$berth is missing: run make ARCH=arm64 first"
	[ -f "$images/busybox-multi.oci.tar" ] || die "$images is missing: run make ARCH=arm64 images first"
	# Each run works in its own folder, so runs side by side do not mix their
	# initramfs or serial log; build/qemu/serial.log is the last run's.
	work=$(mktemp -d "$q/run.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	build_initrd
	if [ "$mode" = initrd ]; then
		cp "$work/initrd.gz" "$q/initrd.gz"
		return 0
	fi
	# shellcheck disable=SC2046
	if [ "$mode" = shell ]; then
		qemu-system-aarch64 $(qemu_args) -append "console=ttyAMA0 quiet panic=-1 berth.mode=shell"
		return
	fi
	start=$(date +%s)
	rc=0
	# shellcheck disable=SC2046
	timeout -k 10 "${QEMU_TIMEOUT:-900}" qemu-system-aarch64 $(qemu_args) \
		-append "console=ttyAMA0 quiet panic=-1 berth.mode=test" \
		</dev/null >"$work/serial.log" 2>&1 || rc=$?
	cp "$work/serial.log" "$q/serial.log"
	report "$q/serial.log" "$rc" $(($(date +%s) - start))
}

main
