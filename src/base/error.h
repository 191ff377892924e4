/* The one error type of libtinyrun and libocispec (see docs/errors.md).
 * A function that fails returns -1 (or NULL) and fills the caller's struct tr_err, once,
 * at the failure site; callers may add context with tr_prefix(). Only main.c prints. */
#ifndef TINYRUN_ERROR_H
#define TINYRUN_ERROR_H
#include <stdarg.h>

struct tr_err {
    int code;           /* errno of the failing call, or 0 for a logic/config error */
    char msg[512];
};

/* Fill err with the formatted message, plus ": strerror(code)" when code > 0. Returns -1. */
int tr_fail(struct tr_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Same as tr_fail with code 0 (no strerror). Returns -1. */
int tr_failx(struct tr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepend "context: " to the message already in err. Returns -1. */
int tr_prefix(struct tr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append " (hint)" style advice: "...; <hint>". Returns -1. */
int tr_hint(struct tr_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tr_err_clear(struct tr_err *err) { err->code = 0; err->msg[0] = '\0'; }

#endif
