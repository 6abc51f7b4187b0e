#!/bin/sh
# Checks the test images of rootfs/build.sh with other tools: skopeo (reads
# each archive, copies it, so every blob's digest is verified) and umoci
# (unpacks each image and its layers, whiteouts applied), then looks at the
# unpacked rootfs. Not needed to build; needs `sh board/deps.sh test`.
# Usage: sh rootfs/check.sh OUTDIR      Ends with "N passed, N failed".
set -eu
export LC_ALL=C
out=${1:?usage: sh rootfs/check.sh OUTDIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
check() { # NAME COMMAND...
	n=$1
	shift
	if "$@" >"$tmp/log" 2>&1; then ok "$n"; else fail "$n"; sed 's/^/     /' "$tmp/log" | tail -n 20; fi
}

# skopeo: the config's arch and a full copy (digest-checked) to a directory.
skopeo_ok() { # ARCHIVE OCI_ARCH [override-arch]
	arch=$(skopeo ${3:+--override-arch "$3"} inspect --config "oci-archive:$1" | sed -n 's/.*"architecture": *"\([^"]*\)".*/\1/p')
	[ "$arch" = "$2" ] || { echo "architecture $arch, want $2"; return 1; }
	rm -rf "$tmp/copy"
	skopeo ${3:+--override-arch "$3"} copy -q "oci-archive:$1" "dir:$tmp/copy"
}

# umoci: unpacks image REF of ARCHIVE into $tmp/bundle. umoci 0.4 has no
# zstd: an archive with zstd layers is first rewritten by skopeo (which
# decompresses and checks them) with gzip layers.
umoci_unpack() { # ARCHIVE REF
	rm -rf "$tmp/layout" "$tmp/bundle" && mkdir "$tmp/layout"
	tar -xf "$1" -C "$tmp/layout"
	if grep -q 'tar+zstd' "$tmp"/layout/blobs/sha256/*; then
		rm -rf "$tmp/layout"
		skopeo copy -q --dest-compress-format gzip "oci-archive:$1" "oci:$tmp/layout:$2"
	fi
	umoci unpack --image "$tmp/layout:$2" "$tmp/bundle"
}

# The unpacked rootfs: busybox, the web root, users, modes, ownership.
rootfs_ok() { # WHITEOUTS(yes|no)
	r=$tmp/bundle/rootfs
	{ [ -x "$r/bin/busybox" ] && [ -L "$r/bin/sh" ] && [ -L "$r/usr/bin/wget" ]; } || { echo "no busybox"; return 1; }
	[ "$(cat "$r/www/healthz")" = ok ] || { echo "no /www/healthz"; return 1; }
	grep -q '^web:x:1000:1000:' "$r/etc/passwd" || { echo "no web user"; return 1; }
	[ "$(stat -c %a "$r/tmp")" = 1777 ] || { echo "/tmp is not 1777"; return 1; }
	[ "$(stat -c %u:%g "$r/home/web")" = 1000:1000 ] || { echo "/home/web not owned by web"; return 1; }
	if [ "$1" = yes ]; then
		[ "$(ls -A "$r/opt/lower")" = kept ] || { echo "whiteout not applied: $(ls -A "$r/opt/lower")"; return 1; }
		[ "$(ls -A "$r/opt/opaque")" = from-layer3 ] || { echo "opaque dir not applied: $(ls -A "$r/opt/opaque")"; return 1; }
	else
		[ "$(ls -A "$r/opt/opaque" | tr '\n' ' ')" = "from-layer1 from-layer2 " ] || { echo "bad /opt/opaque"; return 1; }
	fi
}

small() { # FILE: an archive stays a few MB
	[ "$(wc -c <"$1")" -lt 4000000 ] || { echo "$1 is $(wc -c <"$1") bytes"; return 1; }
}

for a in x86_64 arm64; do
	oa=$a
	[ "$a" = x86_64 ] && oa=amd64
	for img in busybox-gzip busybox-zstd whiteout; do
		f=$out/$a/$img.oci.tar ref=berth-test/busybox:1 wh=no
		[ "$img" = whiteout ] && ref=berth-test/whiteout:1 wh=yes
		check "$a/$img: small" small "$f"
		check "$a/$img: skopeo reads and copies it" skopeo_ok "$f" "$oa"
		check "$a/$img: umoci unpacks $ref" umoci_unpack "$f" "$ref"
		check "$a/$img: rootfs content" rootfs_ok "$wh"
	done
	check "$a/busybox-rootfs.tar: has bin/busybox" sh -c "tar -tf '$out/$a/busybox-rootfs.tar' | grep -qx bin/busybox"
	check "busybox-multi: skopeo picks linux/$oa" skopeo_ok "$out/busybox-multi.oci.tar" "$oa" "$oa"
done
check "busybox-multi: small" small "$out/busybox-multi.oci.tar"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
