#!/bin/sh
# Builds berth's test images, offline, from Debian's busybox-static, as OCI
# image layouts packed into tars (what `skopeo copy ... oci-archive:` makes).
# Usage: sh rootfs/build.sh OUTDIR      (the Makefile: build/images)
#
# Output, for ARCH in x86_64 and arm64 (the repo's names; amd64/arm64 in OCI):
#   OUTDIR/ARCH/busybox-gzip.oci.tar   berth-test/busybox:1, layers 1+2, tar+gzip
#   OUTDIR/ARCH/busybox-zstd.oci.tar   berth-test/busybox:1, layers 1+2, tar+zstd
#   OUTDIR/ARCH/whiteout.oci.tar       berth-test/whiteout:1, layers 1 (gzip),
#                                      2 (zstd), 3 (plain tar, whiteouts)
#   OUTDIR/ARCH/busybox-rootfs.tar     layers 1+2 as one plain rootfs tar
#   OUTDIR/busybox-multi.oci.tar       berth-test/busybox:1 for linux/amd64 and
#                                      linux/arm64/v8 (index.json -> image index)
# What the layers hold is in rootfs/README.md.
#
# Deterministic: fixed mtimes (SOURCE_DATE_EPOCH, default 0), sorted names,
# owner 0:0, gzip -n, single-threaded zstd; the same inputs give the same
# digests. Incremental: skipped while this script, the busybox .debs and
# SOURCE_DATE_EPOCH are unchanged (OUTDIR/.stamp).
set -eu
export LC_ALL=C TZ=UTC
umask 022

here=$(cd "$(dirname "$0")" && pwd)
root=${here%/*}
out=${1:?usage: sh rootfs/build.sh OUTDIR}
mkdir -p "$out" && out=$(cd "$out" && pwd)
epoch=${SOURCE_DATE_EPOCH:-0}
created=$(date -u -d "@$epoch" +%Y-%m-%dT%H:%M:%SZ)
arches="x86_64 arm64"
tarc() { tar --format=ustar --sort=name --mtime="@$epoch" --owner=0 --group=0 --numeric-owner "$@"; }

MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_INDEX=application/vnd.oci.image.index.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json
MT_LAYER=application/vnd.oci.image.layer.v1.tar

size() { echo $(($(wc -c <"$1"))); }
sha() { sha256sum "$1" | cut -d' ' -f1; }
oci_arch() { case $1 in x86_64) echo amd64 ;; *) echo "$1" ;; esac; }
# The JSON "platform" members of an image of repo arch $1.
platform() { case $1 in x86_64) echo '"architecture":"amd64","os":"linux"' ;;
	arm64) echo '"architecture":"arm64","os":"linux","variant":"v8"' ;; esac; }

# ---- inputs ---------------------------------------------------------------

# busybox-static for both arches, unpacked by the deps script (network: apt only).
sh "$root/board/deps.sh" busybox="$root/build"
bbdir=$root/build

inputs_hash() {
	{ echo "$epoch"; cat "$here/build.sh"; cat "$bbdir"/debs/busybox-static_*.deb; } | sha256sum | cut -d' ' -f1
}

up_to_date() {
	[ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$(inputs_hash)" ] || return 1
	[ -f "$out/busybox-multi.oci.tar" ] || return 1
	for a in $arches; do
		for f in busybox-gzip.oci.tar busybox-zstd.oci.tar whiteout.oci.tar busybox-rootfs.tar; do
			[ -f "$out/$a/$f" ] || return 1
		done
	done
}

# The applet names come from whichever busybox runs here (both arches come
# from the same source package, so they have the same applets).
applets() {
	for b in "$bbdir"/busybox-*/bin/busybox; do
		"$b" --list-full 2>/dev/null && return 0
	done
	echo "rootfs: no busybox runs on this host" >&2
	return 1
}

# ---- layer contents ---------------------------------------------------------

# Layer 1: busybox and its applet links, users, the usual empty directories,
# and files that layer 3 deletes (whiteout) or hides (opaque directory).
stage_layer1() { # ARCH DIR
	d=$2
	mkdir -p "$d/bin" "$d/etc" "$d/home/web" "$d/opt/lower" "$d/opt/opaque" \
		"$d/dev" "$d/proc" "$d/sys" "$d/run" "$d/var/log" "$d/root" "$d/tmp"
	chmod 1777 "$d/tmp"
	chmod 0700 "$d/root"
	cp "$bbdir/busybox-$1/bin/busybox" "$d/bin/busybox"
	chmod 0755 "$d/bin/busybox"
	applets | while read -r p; do
		case $p in bin/busybox | linuxrc) continue ;; esac
		mkdir -p "$d/${p%/*}"
		ln -s /bin/busybox "$d/$p"
	done
	cat >"$d/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/sh
		web:x:1000:1000:web:/home/web:/bin/sh
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat >"$d/etc/group" <<-EOF
		root:x:0:
		web:x:1000:
		nogroup:x:65534:
	EOF
	echo layer1 >"$d/opt/lower/deleted"
	echo layer1 >"$d/opt/lower/kept"
	echo layer1 >"$d/opt/opaque/from-layer1"
}

# Layer 2: a small web root for httpd and health checks.
stage_layer2() { # DIR
	mkdir -p "$1/www" "$1/opt/opaque"
	echo '<html><body>hello from berth-test/busybox:1</body></html>' >"$1/www/index.html"
	echo ok >"$1/www/healthz"
	echo layer2 >"$1/opt/opaque/from-layer2"
}

# Layer 3: OCI whiteouts: deletes /opt/lower/deleted, makes /opt/opaque opaque.
stage_layer3() { # DIR
	mkdir -p "$1/opt/lower" "$1/opt/opaque"
	: >"$1/opt/lower/.wh.deleted"
	: >"$1/opt/opaque/.wh..wh..opq"
	echo layer3 >"$1/opt/opaque/from-layer3"
}

# Packs a staged directory as a layer tar; /home/web is appended owned by
# web (1000:1000) so ownership in layers gets exercised too.
pack_layer() { # DIR TAR
	# shellcheck disable=SC2046 # top-level names, no spaces
	(cd "$1" && tarc --exclude=home/web -cf "$2" $(ls -A))
	if [ -d "$1/home/web" ]; then
		(cd "$1" && tar --format=ustar --mtime="@$epoch" --owner=1000 --group=1000 \
			--numeric-owner --no-recursion -rf "$2" home/web)
	fi
}

# ---- OCI layout -----------------------------------------------------------

# Stores file $2 as a blob of layout $1; prints "DIGEST SIZE".
put_blob() {
	dg=$(sha "$2")
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$dg"
	echo "sha256:$dg $(size "$2")"
}

# A layer's compressed file for a compression (gzip, zstd, none); cached.
layer_file() { # ARCH N COMP
	t=$work/$1/layer$2.tar
	case $3 in
	gzip) [ -f "$t.gz" ] || gzip -n -9 -c "$t" >"$t.gz"; echo "$t.gz" ;;
	zstd) [ -f "$t.zst" ] || zstd -q -19 -T1 -c "$t" >"$t.zst"; echo "$t.zst" ;;
	none) echo "$t" ;;
	esac
}
layer_mt() { case $1 in gzip) echo "$MT_LAYER+gzip" ;; zstd) echo "$MT_LAYER+zstd" ;; none) echo "$MT_LAYER" ;; esac; }

# Writes config + manifest of an image into layout $1; prints the manifest's
# "DIGEST SIZE". Layers are given as N:COMP (e.g. 1:gzip 2:zstd).
put_image() { # LAYOUT ARCH LAYER...
	lay=$1 arch=$2
	shift 2
	diff_ids="" history="" layers=""
	for l in "$@"; do
		n=${l%%:*} comp=${l#*:}
		diff_ids="$diff_ids${diff_ids:+,}\"sha256:$(sha "$work/$arch/layer$n.tar")\""
		history="$history${history:+,}{\"created\":\"$created\",\"created_by\":\"rootfs/build.sh: layer $n\"}"
		# shellcheck disable=SC2046 # "DIGEST SIZE" into $1 $2
		set -- $(put_blob "$lay" "$(layer_file "$arch" "$n" "$comp")")
		layers="$layers${layers:+,}{\"mediaType\":\"$(layer_mt "$comp")\",\"digest\":\"$1\",\"size\":$2}"
	done
	printf '{"created":"%s",%s,"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","BERTH_IMAGE=busybox"],"Cmd":["sh"],"WorkingDir":"/www","ExposedPorts":{"8080/tcp":{}}},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
		"$created" "$(platform "$arch")" "$diff_ids" "$history" >"$work/config.json"
	# shellcheck disable=SC2046
	set -- $(put_blob "$lay" "$work/config.json")
	printf '{"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%s},"layers":[%s]}' \
		"$MT_MANIFEST" "$MT_CONFIG" "$1" "$2" "$layers" >"$work/manifest.json"
	put_blob "$lay" "$work/manifest.json"
}

# The annotations naming an image in index.json (full ref, and containerd's).
ref_annotations() {
	printf '"annotations":{"io.containerd.image.name":"docker.io/%s","org.opencontainers.image.ref.name":"%s"}' "$1" "$1"
}

# Writes oci-layout and index.json (one descriptor: $2 mediaType, $3 "DIGEST
# SIZE", $4 ref) and packs layout $1 into the archive $5.
finish_layout() { # LAYOUT MEDIATYPE "DIGEST SIZE" REF ARCHIVE
	# shellcheck disable=SC2086 # "DIGEST SIZE" into $3 $4
	set -- "$1" "$2" $3 "$4" "$5"
	printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[{"mediaType":"%s","digest":"%s","size":%s,%s}]}' \
		"$MT_INDEX" "$2" "$3" "$4" "$(ref_annotations "$5")" >"$1/index.json"
	mkdir -p "$(dirname "$6")"
	(cd "$1" && tarc -cf "$6.tmp" blobs index.json oci-layout)
	mv "$6.tmp" "$6"
}

# One single-arch archive: image REF of ARCH with LAYERS, into ARCHIVE.
single_archive() { # ARCH REF ARCHIVE LAYER...
	a=$1 ref=$2 dst=$3
	shift 3
	lay=$work/layout.$$
	rm -rf "$lay" && mkdir -p "$lay"
	finish_layout "$lay" "$MT_MANIFEST" "$(put_image "$lay" "$a" "$@")" "$ref" "$dst"
	rm -rf "$lay"
}

# The multi-platform archive: index.json -> an image index blob (named by
# the ref) -> one manifest per arch with its platform, as `skopeo copy --all`
# and buildx write them.
multi_archive() { # ARCHIVE
	dst=$1 lay=$work/layout.multi
	rm -rf "$lay" && mkdir -p "$lay"
	list=""
	for a in $arches; do
		# shellcheck disable=SC2046
		set -- $(put_image "$lay" "$a" 1:gzip 2:gzip)
		list="$list${list:+,}{\"mediaType\":\"$MT_MANIFEST\",\"digest\":\"$1\",\"size\":$2,\"platform\":{$(platform "$a")}}"
	done
	printf '{"schemaVersion":2,"mediaType":"%s","manifests":[%s]}' "$MT_INDEX" "$list" >"$work/index.json"
	finish_layout "$lay" "$MT_INDEX" "$(put_blob "$lay" "$work/index.json")" berth-test/busybox:1 "$dst"
	rm -rf "$lay"
}

build_arch() { # ARCH
	a=$1 s=$work/$1
	mkdir -p "$s" "$out/$a"
	stage_layer1 "$a" "$s/l1"
	stage_layer2 "$s/l2"
	stage_layer3 "$s/l3"
	for n in 1 2 3; do pack_layer "$s/l$n" "$s/layer$n.tar"; done
	# The plain rootfs: layers 1 and 2 merged (for crun/runc comparisons).
	mkdir "$s/merged"
	cp -a "$s/l1/." "$s/l2/." "$s/merged/"
	pack_layer "$s/merged" "$out/$a/busybox-rootfs.tar"
	single_archive "$a" berth-test/busybox:1 "$out/$a/busybox-gzip.oci.tar" 1:gzip 2:gzip
	single_archive "$a" berth-test/busybox:1 "$out/$a/busybox-zstd.oci.tar" 1:zstd 2:zstd
	single_archive "$a" berth-test/whiteout:1 "$out/$a/whiteout.oci.tar" 1:gzip 2:zstd 3:none
}

main() {
	if up_to_date; then
		return 0
	fi
	work=$out/.work
	rm -rf "$work" && mkdir -p "$work"
	for a in $arches; do build_arch "$a"; done
	multi_archive "$out/busybox-multi.oci.tar"
	rm -rf "$work"
	inputs_hash >"$out/.stamp"
	echo "rootfs: built test images in $out"
}

main
