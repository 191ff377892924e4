/* The base layer's helpers (src/base: includes nothing of libocispec or src/lib): cleanup
 * attributes, ownership moves, allocation that aborts, file I/O that reports errors. */
#ifndef TINYRUN_UTIL_H
#define TINYRUN_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>
#include "error.h"

static inline void freep(void *p) { free(*(void **) p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }
static inline void fclosep(FILE **f) { if (*f) fclose(*f); }
void strvfreep(char ***v);

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))
#define _cleanup_fclose_ __attribute__((cleanup(fclosep)))
#define _cleanup_strv_ __attribute__((cleanup(strvfreep)))

static inline int steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }
#define steal_ptr(pp) ({ __typeof__(*(pp)) _p = *(pp); *(pp) = NULL; _p; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define streq(a, b) (strcmp((a), (b)) == 0)

/* Allocation failure is not recoverable in a runtime: these abort with a message. */
void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Read a whole file (NUL-terminated; *len without the NUL). NULL + err on failure. */
char *read_file(const char *path, size_t *len, struct tr_err *err);
char *read_file_at(int dirfd, const char *path, size_t *len, struct tr_err *err);
/* The rest of fd, NUL-terminated (READ_FILE_MAX at most); name is for the error. */
char *read_fd_all(int fd, const char *name, size_t *len, struct tr_err *err);
/* Write data to an existing or new file (O_WRONLY|O_CREAT|O_TRUNC, mode). */
int write_file(const char *path, const void *data, size_t len, mode_t mode, struct tr_err *err);
int write_file_at(int dirfd, const char *path, const void *data, size_t len, struct tr_err *err);
/* Write tmp + fsync-less rename: readers see the old or the new content, never a mix. */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct tr_err *err);
int mkdir_p(const char *path, mode_t mode, struct tr_err *err);
/* Loops over EINTR and short writes. */
ssize_t write_all(int fd, const void *buf, size_t len);
ssize_t read_all(int fd, void *buf, size_t len);
/* Parse a whole decimal string; -1 on junk/overflow. */
int parse_u64(const char *s, uint64_t *out);
int parse_int(const char *s, int *out);
/* Mark every fd >= from close-on-exec (close_range when available). */
int cloexec_fds_from(int from, struct tr_err *err);
/* Current time as RFC 3339 with nanoseconds, UTC ("2026-11-22T07:31:00.123456789Z"). */
void rfc3339_now(char *buf, size_t len);
struct timespec;
/* ts (UTC) as "2026-12-04T21:00:00.123456789Z", without the time zone files. */
void rfc3339_format(const struct timespec *ts, char *buf, size_t len);

#endif
