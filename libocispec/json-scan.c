/* The hostile-input gate in front of yajl_tree: one callback pass over the JSON text that
 * refuses what the tree would hide or what would hurt later, each with the JSON path:
 *  - nesting deeper than OCI_JSON_MAX_DEPTH: yajl_tree_free (and any recursive walk) recurses
 *    once per level, so a million nested arrays overflow the stack (SIGSEGV). Real configs
 *    nest 7 levels at most (linux.seccomp.syscalls[].args[]), so 64 is ample.
 *  - a string or key holding a NUL byte ("\u0000"): the tree stores C strings, so "a\u0000b"
 *    would silently become "a" (an argv, a mount destination, a hostname cut short).
 *  - a duplicated key: Go's encoding/json (runc) keeps the last, other readers the first; a
 *    config that means two things to two parsers is refused rather than guessed.
 *  - invalid UTF-8, overlong forms and surrogates included (yajl lets those through): runc
 *    would replace it with U+FFFD; a "/" spelled in two bytes is refused instead.
 * The text was already bounded by OCI_JSON_MAX_BYTES, so the key lists stay small. */
#include <config.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl_parse.h>
#include "parse-internal.h"
#include "util.h"

struct scan_frame {
    bool is_map;
    bool have_key;   /* map: a key was read, its value not yet */
    size_t index;    /* array: index of the next element */
    char **keys;     /* map: every key so far (for the duplicate check), last = current */
    size_t nkeys, cap;
};

struct scan {
    const char *origin;
    struct tr_err *err;
    bool failed;     /* a callback set err: yajl's own message must not replace it */
    size_t depth;
    struct scan_frame st[OCI_JSON_MAX_DEPTH + 1];
};

void oci_path_key(char *dst, size_t len, const char *key)
{
    size_t i = 0, n = 0;
    for (const char *p = key; *p && n < 60 && i + 3 < len; p++, n++) {
        if (*p == '"' || *p == '\\')
            dst[i++] = '\\';
        dst[i++] = (unsigned char) *p < 0x20 || *p == 0x7f ? '?' : *p;
    }
    dst[i] = '\0';
}

/* A key that is not a plain identifier is shown as ["key"], as the parser does for maps. */
static size_t append_key(char *buf, size_t n, size_t len, const char *key)
{
    bool plain = key[0] != '\0' && key[strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")] == '\0';
    char shown[200];
    oci_path_key(shown, sizeof shown, key);
    int r = plain ? snprintf(buf + n, len - n, "%s%s", n ? "." : "", shown)
                  : snprintf(buf + n, len - n, "[\"%s\"]", shown);
    return r < 0 ? n : n + (size_t) r >= len ? len - 1 : n + (size_t) r;
}

/* The path of the value being read; at most `levels` levels, then "...". */
static void scan_path(const struct scan *s, size_t upto, size_t levels, char *buf, size_t len)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 1; i <= upto && n < len - 1; i++) {
        const struct scan_frame *f = &s->st[i];
        if (i > levels) {
            snprintf(buf + n, len - n, "...");
            return;
        }
        if (f->is_map && f->have_key)
            n = append_key(buf, n, len, f->keys[f->nkeys - 1]);
        else if (!f->is_map) {
            int r = snprintf(buf + n, len - n, "[%zu]", f->index);
            n = r < 0 ? n : n + (size_t) r >= len ? len - 1 : n + (size_t) r;
        }
    }
}

static int scan_fail(struct scan *s, size_t upto, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int scan_fail(struct scan *s, size_t upto, const char *fmt, ...)
{
    char path[400], msg[200];
    va_list ap;
    scan_path(s, upto, 8, path, sizeof path);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (path[0])
        tr_failx(s->err, "%s: %s: %s", s->origin, path, msg);
    else
        tr_failx(s->err, "%s: %s", s->origin, msg);
    s->failed = true;
    return 0; /* cancels the parse */
}

static void value_done(struct scan *s)
{
    struct scan_frame *f = &s->st[s->depth];
    if (s->depth == 0)
        return;
    if (f->is_map)
        f->have_key = false;
    else
        f->index++;
}

static int on_scalar(void *ctx)
{
    value_done(ctx);
    return 1;
}
static int on_bool(void *ctx, int b)
{
    (void) b;
    return on_scalar(ctx);
}
static int on_number(void *ctx, const char *n, size_t len)
{
    (void) n, (void) len;
    return on_scalar(ctx);
}

/* yajl checks the byte structure of UTF-8 only: overlong forms ("\xc0\xaf" for '/'), UTF-16
 * surrogates and code points above U+10FFFF pass it. This is RFC 3629's well-formed table. */
static bool utf8_valid(const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        size_t n = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
                 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
        if (n == 0 || i + n > len)
            return false;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f;
        else if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f;
        for (size_t k = 1; k < n; k++) {
            unsigned char b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
                return false;
        }
        i += n;
    }
    return true;
}

static int on_string(void *ctx, const unsigned char *str, size_t len)
{
    struct scan *s = ctx;
    if (memchr(str, '\0', len))
        return scan_fail(s, s->depth, "%s", "string contains a NUL byte (\\u0000); NUL cannot be passed on, remove it");
    if (!utf8_valid(str, len))
        return scan_fail(s, s->depth, "%s", "invalid UTF-8 in a string (overlong or surrogate); the file must be UTF-8");
    value_done(s);
    return 1;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
    struct scan *s = ctx;
    struct scan_frame *f = &s->st[s->depth];
    if (memchr(key, '\0', len))
        return scan_fail(s, s->depth, "%s", "object key contains a NUL byte (\\u0000); remove it");
    if (!utf8_valid(key, len))
        return scan_fail(s, s->depth, "%s", "invalid UTF-8 in an object key (overlong or surrogate); the file must be UTF-8");
    if (f->nkeys == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 8;
        f->keys = xrealloc(f->keys, f->cap * sizeof *f->keys);
    }
    char *k = xmalloc(len + 1);
    memcpy(k, key, len);
    k[len] = '\0';
    f->keys[f->nkeys++] = k;
    f->have_key = true;
    return 1;
}

static int open_frame(struct scan *s, bool is_map)
{
    if (s->depth == OCI_JSON_MAX_DEPTH) {
        return scan_fail(s, s->depth, "nested deeper than %d levels of arrays and objects (the limit)",
                         OCI_JSON_MAX_DEPTH);
    }
    s->st[++s->depth] = (struct scan_frame) { .is_map = is_map };
    return 1;
}
static int on_start_map(void *ctx)
{
    return open_frame(ctx, true);
}
static int on_start_array(void *ctx)
{
    return open_frame(ctx, false);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void free_frame(struct scan_frame *f)
{
    for (size_t i = 0; i < f->nkeys; i++)
        free(f->keys[i]);
    free(f->keys);
    f->keys = NULL;
    f->nkeys = f->cap = 0;
}

static int on_end_map(void *ctx)
{
    struct scan *s = ctx;
    struct scan_frame *f = &s->st[s->depth];
    if (f->nkeys > 1) /* qsort(NULL, 0) is undefined */
        qsort(f->keys, f->nkeys, sizeof *f->keys, cmp_str);
    for (size_t i = 1; i < f->nkeys; i++)
        if (streq(f->keys[i - 1], f->keys[i])) {
            f->have_key = false;
            char shown[200];
            oci_path_key(shown, sizeof shown, f->keys[i]);
            return scan_fail(s, s->depth, "duplicate key \"%s\" (refused: JSON readers disagree on which one wins)",
                             shown);
        }
    free_frame(f);
    s->depth--;
    value_done(s);
    return 1;
}
static int on_end_array(void *ctx)
{
    struct scan *s = ctx;
    s->depth--;
    value_done(s);
    return 1;
}

static const yajl_callbacks scan_callbacks = {
    .yajl_null = on_scalar, .yajl_boolean = on_bool, .yajl_number = on_number,
    .yajl_string = on_string, .yajl_start_map = on_start_map, .yajl_map_key = on_key,
    .yajl_end_map = on_end_map, .yajl_start_array = on_start_array, .yajl_end_array = on_end_array,
};

/* yajl's own error ("parse error: premature EOF\n ...") -> "premature EOF", with the line. */
static void syntax_error(struct scan *s, yajl_handle h, const char *text, size_t len)
{
    char detail[200] = "malformed JSON";
    size_t off = yajl_get_bytes_consumed(h);
    unsigned char *m = yajl_get_error(h, 0, (const unsigned char *) text, len);
    if (m) {
        snprintf(detail, sizeof detail, "%s", (const char *) m);
        yajl_free_error(h, m);
    }
    char *d = detail, *colon = strstr(d, "error: ");
    if (colon && colon - d < 10)
        d = colon + 7;
    d[strcspn(d, "\n")] = '\0';
    unsigned line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        line += text[i] == '\n';
    if (strstr(d, "UTF8")) {
        char path[400];
        scan_path(s, s->depth, 8, path, sizeof path);
        tr_failx(s->err, "%s: %s%sinvalid UTF-8 in a string at line %u; the file must be UTF-8", s->origin, path,
                 path[0] ? ": " : "", line);
        return;
    }
    tr_failx(s->err, "%s: invalid JSON at line %u: %s", s->origin, line, d);
}

int oci_json_scan(const char *text, size_t len, const char *origin, struct tr_err *err)
{
    if (len > OCI_JSON_MAX_BYTES)
        return tr_failx(err, "%s: %zu bytes, more than the %u MiB limit for a JSON document; is it the right file?",
                        origin, len, OCI_JSON_MAX_BYTES >> 20);
    struct scan *s = xzalloc(sizeof *s);
    s->origin = origin;
    s->err = err;
    yajl_handle h = yajl_alloc(&scan_callbacks, NULL, s);
    if (!h)
        abort();
    yajl_config(h, yajl_allow_comments, 1);
    yajl_status st = yajl_parse(h, (const unsigned char *) text, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(h);
    if (st != yajl_status_ok && !s->failed)
        syntax_error(s, h, text, len);
    for (size_t i = 0; i <= s->depth; i++)
        free_frame(&s->st[i]);
    yajl_free(h);
    int r = st == yajl_status_ok ? 0 : -1;
    free(s);
    return r;
}
