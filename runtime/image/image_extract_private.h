/* Private to the layer extractor (image_extract*.c): one extraction's state
 * and the steps that share it. */
#ifndef BERTH_IMAGE_EXTRACT_PRIVATE_H
#define BERTH_IMAGE_EXTRACT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>

#include "lib/lib.h"

/* A directory's mode and times, applied after all of its content exists
 * (creating entries inside would change its mtime; a read-only mode would
 * stop a non-root extraction). */
struct dir_meta {
	char *path;
	mode_t perm;
	struct timespec times[2];
};

struct extract {
	int root;               /* dest_dir: every path is resolved beneath it */
	bool restore_owner;     /* chown only as root, as tar does */
	struct archive *outer;  /* the blob: raw format + decompression filter */
	struct archive *inner;  /* the uncompressed stream: tar */
	struct sha256 hash;     /* of every uncompressed byte: the diff_id */
	bool hashing;           /* hash begun and not yet ended */
	uint64_t bytes;
	uint64_t max_bytes;
	unsigned char head[6];  /* first uncompressed bytes, to name a disabled compression */
	char stream_err[256];   /* why the read callback failed; wins over libarchive's text */
	char *parent_path;      /* the last parent directory looked up ... */
	int parent_fd;          /* ... and its O_PATH fd (the common case: same directory) */
	struct dir_meta *dirs;
	size_t ndirs, dirs_cap;
};

/* ---- paths (image_extract_path.c) --------------------------------------- */

/* The printable, bounded form of an entry name for messages. */
const char *xpath_quote(const char *raw, char *buf, size_t size);
/* "./a//b/./c/" -> "a/b/c" ("" is the layer root). Absolute names, ".."
 * components and over-long names are refused. */
int xpath_clean(const char *raw, char **out, struct berr *err);
/* An O_PATH fd of directory rel beneath x->root, never following a
 * symlink; missing components are created (0755) when create is set. A
 * whiteout in the way of a directory gives way to an opaque directory. */
int xpath_open_dir(struct extract *x, const char *rel, bool create, struct berr *err);
/* The parent directory of rel (created as needed), cached: the fd is
 * borrowed. *name points at rel's last component. */
int xpath_parent(struct extract *x, const char *rel, const char **name, struct berr *err);
/* Drop the cached parent. */
void xpath_forget(struct extract *x);
/* Make room for a new entry called name in dir_fd: remove what is there
 * unless it is a directory and keep_dir is set. *was_whiteout tells
 * whether an overlay whiteout was removed. */
int xpath_make_room(int dir_fd, const char *name, bool keep_dir, bool *was_whiteout,
		    struct berr *err);

/* ---- whiteouts (image_whiteout.c) --------------------------------------- */

/* ".wh.<something>": a whiteout or the opaque marker. */
bool whiteout_name(const char *name);
/* A 0/0 character device: what overlayfs reads as a whiteout. */
bool whiteout_stat_is(const struct stat *st);
int whiteout_set_opaque(int dir_fd, const char *name, struct berr *err);
/* A whiteout of this layer where a directory is now needed: this layer's
 * directory replaces the lower one wholesale, as an opaque one does. */
int whiteout_to_opaque_dir(int dir_fd, const char *name, struct berr *err);
/* The entry ".wh.NAME" (or the opaque marker) found in dir_fd. */
int whiteout_extract(int dir_fd, const char *name, struct berr *err);

/* ---- entries (image_extract_entry.c) ------------------------------------ */

/* Create one tar entry (reading its data from x->inner). */
int entry_extract(struct extract *x, struct archive_entry *e, struct berr *err);
/* Apply the deferred directory modes and times. */
int entry_finish_dirs(struct extract *x, struct berr *err);

/* ---- the stream (image_extract.c) --------------------------------------- */

/* The message of a failed read of x->inner. */
int extract_read_error(struct extract *x, struct berr *err);

#endif
