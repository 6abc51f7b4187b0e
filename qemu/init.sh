#!/bin/busybox sh
# /init of the emulated ARM64 board's initramfs (built by qemu/run.sh).
# busybox sh only: nothing else exists in the VM.
#
#   /init        stage 1, PID 1 in the initramfs: copies the tree into a
#                tmpfs and switch_roots into it (pivot_root, which berth
#                uses, fails while / is the initramfs), then execs busybox
#                init, which reaps orphans like a real board's PID 1.
#   /init boot   (inittab sysinit) mounts, cgroup2, modules, lo, hostname.
#   /init run    (inittab once) berth.mode=test from the kernel command
#                line: runs the suite, prints the markers, powers off;
#                berth.mode=shell: a shell on the console, then powers off.
#
# Test mode prints, on the console (the host's serial.log):
#   BERTH-VM-BEGIN uptime=<s>     before the suite's output
#   BERTH-VM-SUMMARY: <the suite's "N passed, N failed[, N skipped]" line>
#   BERTH-VM-EXIT: <the suite's exit code>
#   BERTH-VM-END uptime=<s>
# The suite and the shell run under /bin/sh, Debian's dynamic busybox sh:
# it finds commands in PATH (/usr/local/sbin/ip is iproute2's, nft is there
# too); /bin/busybox (static, running this script) prefers its own applets.
# /etc/berth-vm/cmd, when present (qemu/run.sh writes $BERTH_VM_CMD there),
# is run with sh instead of the suite and counts as one test.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root

# Kernel modules, in a working load order (docs PLATFORM.md).
MODULES="crc32c_generic libcrc32c nfnetlink nf_tables nf_defrag_ipv4 nf_defrag_ipv6
nf_conntrack nf_nat nft_ct nft_nat nft_chain_nat nft_masq nf_reject_ipv4 nf_reject_ipv6
nft_reject nft_reject_inet nft_fib nft_fib_ipv4 nft_fib_ipv6 nft_fib_inet nft_limit
nft_log nft_redir x_tables nft_compat veth llc stp bridge br_netfilter overlay tun"

stage1() {
	/bin/busybox mkdir -p /sbin /usr/bin /usr/sbin /proc /sys /dev /newroot
	/bin/busybox --install -s # keeps /bin/sh, Debian's dynamic busybox
	mount -t devtmpfs devtmpfs /dev
	mount -t tmpfs -o mode=0755 tmpfs /newroot
	for e in /* /.[!.]*; do
		case $e in /proc | /sys | /dev | /newroot | '/.[!.]*') continue ;; esac
		cp -a "$e" /newroot/
	done
	mkdir -p /newroot/proc /newroot/sys /newroot/dev
	mount --move /dev /newroot/dev
	# shellcheck disable=SC2093 # returns only when switch_root failed
	exec switch_root /newroot /sbin/init
	echo "init: switch_root failed" >&2
	poweroff -f
}

boot() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mkdir -p /dev/pts /dev/shm /run /tmp
	mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t tmpfs -o mode=1777 tmpfs /tmp
	mount -t tmpfs -o mode=0755 tmpfs /run
	# As systemd does on a board: cgroup v2 only, and shared propagation.
	mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 /sys/fs/cgroup
	mount --make-rshared /
	for m in $MODULES; do
		modprobe "$m" || echo "init: modprobe $m failed" >&2
	done
	ip link set lo up
	hostname -F /etc/hostname
	mkdir -p /var/lib /var/log /var/tmp /etc/berth
}

uptime_s() { cut -d' ' -f1 /proc/uptime; }

# What the suite runs on, for the log: kernel, cgroup v2, modules.
info() {
	echo "BERTH-VM-INFO: kernel $(uname -r) $(uname -m), $(nproc) cpus, $(free -m | awk '/^Mem:/ {print $2}') MiB"
	fs=$(stat -f -c %t /sys/fs/cgroup)
	[ "$fs" = 63677270 ] && fs=cgroup2
	echo "BERTH-VM-INFO: /sys/fs/cgroup is $fs, controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
	echo "BERTH-VM-INFO: /proc/self/cgroup: $(cat /proc/self/cgroup)"
	echo "BERTH-VM-INFO: modules: $(lsmod | awk 'NR > 1 {print $1}' | sort | tr '\n' ' ')"
	echo "BERTH-VM-INFO: berth: $(/usr/bin/berth --version 2>&1 | head -n 1)"
	echo "BERTH-VM-INFO: tools: $(/usr/local/sbin/ip -V 2>&1), $(/usr/local/sbin/nft --version 2>&1), /bin/sh -> $(readlink /bin/sh)"
}

# Runs "$@" with output to $log, copying the log to the console as it grows.
# (Not a pipe into tee: a process the suite leaks would hold the pipe open
# and hang the VM; here only the suite's own exit is waited for.)
stream() { # LOG CMD...
	log=$1
	shift
	: >"$log"
	rm -f /tmp/suite.rc
	("$@" >"$log" 2>&1 </dev/null; echo $? >/tmp/suite.rc) &
	off=0
	while :; do
		done=no
		[ -f /tmp/suite.rc ] && done=yes
		size=$(wc -c <"$log")
		if [ "$size" -gt "$off" ]; then
			tail -c +$((off + 1)) "$log" | head -c $((size - off))
			off=$size
		fi
		[ $done = yes ] && break
		sleep 1
	done
	return "$(cat /tmp/suite.rc)"
}

# The arm64 unit tests, then the integration suite; one summary line.
suite() {
	if [ -f /etc/berth-vm/cmd ]; then
		echo "init: running /etc/berth-vm/cmd (BERTH_VM_CMD) instead of the suite"
		if /bin/sh -x /etc/berth-vm/cmd; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; return 1; fi
		return 0
	fi
	if [ ! -f /tests/integration/run.sh ]; then
		echo "init: /tests/integration/run.sh is missing from the initramfs"
		echo "0 passed, 1 failed"
		return 1
	fi
	cd / || return 1
	/bin/sh /tests/run-unit.sh /tests/unit-bin/*_test >/tmp/unit.log 2>&1
	sed 's/^\([0-9]* passed, [0-9]* failed\)/unit: \1/' /tmp/unit.log
	BERTH=/usr/bin/berth BERTH_IMAGES=/images TESTS_DIR=/tests /bin/sh /tests/integration/run.sh \
		>/tmp/integration.log 2>&1
	rc=$?
	sed 's/^\([0-9]* passed, [0-9]* failed\)/integration: \1/' /tmp/integration.log
	up=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/unit.log | tail -n 1)
	it=$(grep -E '^[0-9]+ passed, [0-9]+ failed' /tmp/integration.log | tail -n 1)
	[ -n "$up" ] || up="0 passed, 1 failed"
	[ -n "$it" ] || it="0 passed, 1 failed, 0 skipped"
	p=$((${up%% passed*} + ${it%% passed*}))
	uf=${up#*passed, } itf=${it#*passed, }
	f=$((${uf%% failed*} + ${itf%% failed*}))
	s=0
	case $it in *skipped*) s=${it#*failed, } && s=${s%% skipped*} ;; esac
	echo "$p passed, $f failed, $s skipped"
	[ "$f" = 0 ]
}

run_tests() {
	dmesg -n 1 # keep kernel messages (OOM kills) out of the suite's output
	info
	echo "BERTH-VM-BEGIN uptime=$(uptime_s)"
	rc=0
	stream /tmp/suite.log suite || rc=$?
	summary=$(grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed' /tmp/suite.log | tail -n 1)
	case $summary in [0-9]*) ;; *) summary=${summary#*: } ;; esac
	[ -n "$summary" ] || summary="0 passed, 1 failed (the suite printed no summary line)"
	echo "BERTH-VM-SUMMARY: $summary"
	echo "BERTH-VM-EXIT: $rc"
	echo "BERTH-VM-END uptime=$(uptime_s)"
	echo "BERTH-VM-INFO: last kernel messages:"
	dmesg | tail -n 15
}

run_shell() {
	echo "berth VM: berth is /usr/bin/berth, images in /images, tests in /tests."
	echo "Run the suite: BERTH=/usr/bin/berth BERTH_IMAGES=/images TESTS_DIR=/tests sh /tests/integration/run.sh"
	echo "Exit the shell to power off."
	cd /root && setsid cttyhack /bin/sh -l
}

case ${1:-} in
boot) boot ;;
run)
	case " $(cat /proc/cmdline) " in
	*" berth.mode=shell "*) run_shell ;;
	*) run_tests ;;
	esac
	sync
	poweroff -f
	;;
*) stage1 ;;
esac
