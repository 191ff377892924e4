#include "config.h"
#include <stdio.h>
#include <string.h>
#include "error.h"

static void vset(struct tr_err *err, int code, const char *fmt, va_list ap)
{
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    err->code = code;
    if (code > 0 && n >= 0 && (size_t) n < sizeof err->msg)
        snprintf(err->msg + n, sizeof err->msg - n, ": %s", strerror(code));
}

int tr_fail(struct tr_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int tr_failx(struct tr_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, 0, fmt, ap);
    va_end(ap);
    return -1;
}

int tr_prefix(struct tr_err *err, const char *fmt, ...)
{
    char ctx[256], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof ctx, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", ctx, old);
    return -1;
}

int tr_hint(struct tr_err *err, const char *fmt, ...)
{
    size_t n = strlen(err->msg);
    va_list ap;
    if (n + 3 >= sizeof err->msg)
        return -1;
    memcpy(err->msg + n, "; ", 3);
    va_start(ap, fmt);
    vsnprintf(err->msg + n + 2, sizeof err->msg - n - 2, fmt, ap);
    va_end(ap);
    return -1;
}
