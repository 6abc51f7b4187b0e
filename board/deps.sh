#!/bin/sh
# Installs what building and testing berth needs on Debian 12, as root.
# Idempotent and quiet when everything is already present.
# Usage: deps.sh [build|cross|test|qemu|bench|lint|cjson=DIR|busybox=DIR|kernel=DIR|vmtools=DIR]...
set -eu

host_pkgs_build="gcc make pkg-config dpkg-dev kconfig-frontends libarchive-dev libmbedtls-dev \
 liblz4-dev libacl1-dev libzstd-dev liblzma-dev libbz2-dev zlib1g-dev nettle-dev"
arm64_pkgs="libarchive-dev:arm64 libmbedtls-dev:arm64 liblz4-dev:arm64 libacl1-dev:arm64 \
 libzstd-dev:arm64 liblzma-dev:arm64 libbz2-dev:arm64 zlib1g-dev:arm64 nettle-dev:arm64"
cross_pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
test_pkgs="busybox-static zstd gzip xz-utils iproute2 nftables qemu-user-static skopeo umoci"
qemu_pkgs="qemu-system-arm"
bench_pkgs="crun runc umoci hyperfine"
# Debian's arm64 ip, nft and dynamic busybox (its sh looks commands up in PATH;
# busybox-static's sh runs its own applets first) and every library they may
# load, for the qemu board's initramfs (qemu/run.sh copies only those needed).
vmtools_pkgs="busybox iproute2 nftables libnftables1 libnftnl11 libmnl0 libjansson4 libgmp10 \
 libedit2 libbsd0 libmd0 libtinfo6 libxtables12 libc6 libbpf1 libelf1 zlib1g libselinux1 \
 libpcre2-8-0 libcap2 libdb5.3 libtirpc3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 \
 libcom-err2 libkrb5support0 libkeyutils1 libssl3"

updated=no
missing() {
	out=""
	for p in "$@"; do
		s=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		case "$s" in ii*) ;; *) out="$out $p" ;; esac
	done
	echo "$out"
}
apt_update() {
	[ "$updated" = yes ] && return 0
	apt-get update -qq >/dev/null
	updated=yes
}
install() {
	need=$(missing "$@")
	[ -z "$need" ] && return 0
	need_root
	echo "deps: installing$need"
	apt_update
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
}
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	echo "deps: missing packages or settings; run as root to install them" >&2
	exit 1
}
ensure_arm64_arch() {
	dpkg --print-foreign-architectures | grep -qx arm64 && return 0
	need_root
	echo "deps: adding the arm64 architecture"
	dpkg --add-architecture arm64
	updated=no
}
ensure_deb_src() {
	f=/etc/apt/sources.list.d/berth-deb-src.sources
	[ -f "$f" ] && return 0
	need_root
	src=/etc/apt/sources.list.d/debian.sources
	if [ -f "$src" ]; then
		sed 's/^Types:.*/Types: deb-src/' "$src" >"$f"
	else
		grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' >/etc/apt/sources.list.d/berth-deb-src.list
		touch "$f"
	fi
	updated=no
}

# cJSON's source with Debian's patches applied, unpacked into $1/cjson.
fetch_cjson() {
	dest=$1/cjson
	[ -f "$dest/cJSON.c" ] && return 0
	ensure_deb_src
	install dpkg-dev
	apt_update
	tmp=$1/cjson.tmp
	rm -rf "$tmp" && mkdir -p "$tmp"
	(cd "$tmp" && apt-get source -qq cjson >/dev/null 2>&1) || {
		echo "deps: apt-get source cjson failed" >&2
		exit 1
	}
	src=$(find "$tmp" -maxdepth 2 -name cJSON.c | head -n 1)
	[ -n "$src" ] || { echo "deps: cJSON.c not found in the cjson source package" >&2; exit 1; }
	rm -rf "$dest"
	mv "$(dirname "$src")" "$dest"
	rm -rf "$tmp"
}

# A Debian architecture (amd64, arm64) usable by apt: the native one, or a
# foreign one added to dpkg.
ensure_arch() {
	[ "$1" = "$(dpkg --print-architecture)" ] && return 0
	dpkg --print-foreign-architectures | grep -qx "$1" && return 0
	need_root
	echo "deps: adding the $1 architecture"
	dpkg --add-architecture "$1"
	updated=no
}

# Downloads package $1 (name:arch) into directory $2 and unpacks it into $3,
# without installing it: the VM and the test images need other
# architectures' packages that cannot be co-installed with the host's.
fetch_deb() {
	ensure_arch "${1#*:}"
	mkdir -p "$2"
	apt-cache show "$1" >/dev/null 2>&1 || { updated=no; apt_update; }
	rm -f "$2/${1%%:*}"_*_"${1#*:}".deb
	(cd "$2" && apt-get download -qq "$1" >/dev/null 2>&1) || {
		echo "deps: apt-get download $1 failed" >&2
		exit 1
	}
	rm -rf "$3" && mkdir -p "$3"
	dpkg-deb -x "$2/${1%%:*}"_*_"${1#*:}".deb "$3"
}

# busybox-static for both architectures the images are built for, unpacked
# into $1/busybox-x86_64 and $1/busybox-arm64 (.debs kept in $1/debs).
fetch_busybox() {
	for a in x86_64:amd64 arm64:arm64; do
		[ -x "$1/busybox-${a%%:*}/bin/busybox" ] && continue
		echo "deps: fetching busybox-static:${a#*:}"
		fetch_deb "busybox-static:${a#*:}" "$1/debs" "$1/busybox-${a%%:*}"
	done
}

# Debian's current arm64 kernel (the one linux-image-arm64 depends on) for
# the qemu board, unpacked into $1/kernel (boot/vmlinuz-*, lib/modules/*).
fetch_kernel() {
	ls "$1"/kernel/boot/vmlinuz-* >/dev/null 2>&1 && return 0
	ensure_arch arm64
	apt-cache show linux-image-arm64:arm64 >/dev/null 2>&1 || { updated=no; apt_update; }
	pkg=$(apt-cache depends linux-image-arm64:arm64 | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || { echo "deps: cannot find the current arm64 kernel package" >&2; exit 1; }
	echo "deps: fetching ${pkg%:arm64}:arm64"
	rm -f "$1"/linux-image-*.deb
	fetch_deb "${pkg%:arm64}:arm64" "$1" "$1/kernel.tmp"
	rm -f "$1"/linux-image-*.deb
	rm -rf "$1/kernel" && mv "$1/kernel.tmp" "$1/kernel"
}

# $vmtools_pkgs for arm64, all unpacked into one tree $1/vmtools.
fetch_vmtools() {
	[ -x "$1/vmtools/usr/sbin/nft" ] && [ -x "$1/vmtools/bin/busybox" ] && return 0
	ensure_arch arm64
	echo "deps: fetching arm64 ip, nft and sh for the VM"
	apt-cache show nftables:arm64 >/dev/null 2>&1 || { updated=no; apt_update; }
	rm -rf "$1/vmtools.debs" "$1/vmtools.tmp" && mkdir -p "$1/vmtools.debs" "$1/vmtools.tmp"
	pkgs=""
	for p in $vmtools_pkgs; do pkgs="$pkgs $p:arm64"; done
	# shellcheck disable=SC2086
	(cd "$1/vmtools.debs" && apt-get download -qq $pkgs >/dev/null 2>&1) || {
		echo "deps: apt-get download of the VM tools failed" >&2
		exit 1
	}
	for f in "$1"/vmtools.debs/*.deb; do dpkg-deb -x "$f" "$1/vmtools.tmp"; done
	rm -rf "$1/vmtools" "$1/vmtools.debs" && mv "$1/vmtools.tmp" "$1/vmtools"
}

[ $# -gt 0 ] || set -- build
for what in "$@"; do
	case "$what" in
	build) ensure_deb_src; install $host_pkgs_build ;;
	cross) ensure_arm64_arch; ensure_deb_src; install $host_pkgs_build $cross_pkgs $arm64_pkgs ;;
	test) install $test_pkgs ;;
	qemu) ensure_arm64_arch; install $qemu_pkgs ;;
	bench) install $bench_pkgs ;;
	lint) install cppcheck clang-tidy ;;
	cjson=*) fetch_cjson "${what#cjson=}" ;;
	busybox=*) fetch_busybox "${what#busybox=}" ;;
	kernel=*) fetch_kernel "${what#kernel=}" ;;
	vmtools=*) fetch_vmtools "${what#vmtools=}" ;;
	*) echo "deps: unknown group $what" >&2; exit 2 ;;
	esac
done
