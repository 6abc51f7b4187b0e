/* lib: errors, logging, cleanup helpers, strings, files, JSON helpers.
 * The bottom of the dependency graph: includes nothing of berth's. */
#ifndef BERTH_LIB_H
#define BERTH_LIB_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <cJSON.h>
#include <mbedtls/sha256.h>

/* ---- errors ----------------------------------------------------------- */

/* The one error type: filled once where a failure happens, prefixed with
 * context on the way up, printed once by the CLI. */
struct berr {
	int code;       /* errno, or 0 for a user/input error */
	char msg[1024];
};

/* Fill err (overwriting). Always returns -1 so callers can `return berr_set(...)`. */
int berr_set(struct berr *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fill err from errno: "<message>: <strerror(errno)>". Returns -1. */
int berr_sys(struct berr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefix the existing message with "<context>: ". Returns -1. */
int berr_prefix(struct berr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void berr_clear(struct berr *err);

/* ---- logging ---------------------------------------------------------- */

enum log_level { LOG_QUIET = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Warnings go to stderr as "berth: warning: ..." at LOG_WARN and above. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- cleanup helpers -------------------------------------------------- */

void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_cjsonp(cJSON **j);
#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_cjson_ __attribute__((cleanup(cleanup_cjsonp)))

/* Hand ownership out of a cleanup variable. */
#ifdef __CPPCHECK__
/* cppcheck does not follow statement expressions. */
#define steal_ptr(p) (p)
#define steal_fd(fd) (fd)
#else
#define steal_ptr(p) ({ __typeof__(p) tmp_ = (p); (p) = NULL; tmp_; })
#define steal_fd(fd) ({ int tmp_ = (fd); (fd) = -1; tmp_; })
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- strings ---------------------------------------------------------- */

/* asprintf that returns NULL (and fills err) on failure. */
char *str_printf(struct berr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *str_dup(const char *s, struct berr *err);
bool str_starts_with(const char *s, const char *prefix);
bool str_ends_with(const char *s, const char *suffix);
/* Parse a whole string as a base-10 long within [min, max]. */
int str_to_long(const char *s, long min, long max, long *out);

/* ---- files ------------------------------------------------------------ */

/* Read a whole file (at most max_bytes) into a NUL-terminated heap buffer. */
char *fs_read_file(const char *path, size_t max_bytes, size_t *len, struct berr *err);
/* Write temp, fsync, rename, fsync dir. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct berr *err);
int fs_mkdir_p(const char *path, mode_t mode, struct berr *err);
bool fs_exists(const char *path);
/* A directory stream of name under dir_fd, on an fd of its own that
 * closedir closes; NULL with errno set. */
DIR *fs_opendir_at(int dir_fd, const char *name);

/* ---- JSON ------------------------------------------------------------- */

/* Parse a file into a cJSON tree; errors name the file and the byte offset. */
cJSON *json_parse_file(const char *path, size_t max_bytes, struct berr *err);
/* Object member lookup that is case-sensitive (cJSON's default is not). */
cJSON *json_get(const cJSON *obj, const char *name);
/* A short printable rendering of a value for error messages ("\"abc\"", "12", "true", "an object"). */
const char *json_describe(const cJSON *v, char *buf, size_t size);

/* ---- sha256 (mbedTLS) -------------------------------------------------- */

struct sha256 {
	mbedtls_sha256_context ctx;
};
void sha256_begin(struct sha256 *h);
void sha256_add(struct sha256 *h, const void *data, size_t len);
/* Finish into 64 lowercase hex digits plus NUL; frees the context. */
void sha256_end_hex(struct sha256 *h, char hex[65]);
/* True when s is exactly 64 lowercase hex digits: the only form that may
 * become part of a path. */
bool sha256_hex_valid(const char *s);
/* Split "sha256:<hex>" into hex (validated); err names the digest. */
int digest_parse(const char *digest, char hex[65], struct berr *err);

/* ---- state paths ------------------------------------------------------ */

/* Where berth keeps things. Without --root: /var/lib/berth, /run/berth,
 * /etc/berth, /var/log/berth. With --root DIR: DIR/lib, DIR/run, DIR/etc,
 * DIR/log, so tests run side by side. */
struct paths {
	char *root; /* NULL when the system defaults apply */
	char *state;
	char *run;
	char *etc;
	char *log;
};
int paths_init(struct paths *p, const char *root, struct berr *err);
void paths_free(struct paths *p);

#endif
