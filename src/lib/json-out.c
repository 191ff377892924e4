/* One core (json_escape_each) and its two sinks: a FILE* and a bounded buffer. */
#include "config.h"
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "json-out.h"

/* The escape of one byte into esc (at most 6 chars + NUL); 0 when it passes through. */
static size_t escape_byte(unsigned char c, char esc[8])
{
    static const char short_form[] = { ['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n',
                                       ['\r'] = 'r', ['\t'] = 't' };
    if (c == '"' || c == '\\') {
        esc[0] = '\\', esc[1] = (char) c, esc[2] = '\0';
        return 2;
    }
    if (c >= 0x20)
        return 0;
    if (c < sizeof short_form && short_form[c]) {
        esc[0] = '\\', esc[1] = short_form[c], esc[2] = '\0';
        return 2;
    }
    return (size_t) snprintf(esc, 8, "\\u%04x", c);
}

void json_escape_each(const char *s, json_put_fn put, void *ctx)
{
    const char *run = s ? s : "";
    const char *p = run;
    char esc[8];
    for (; *p; p++) {
        size_t n = escape_byte((unsigned char) *p, esc);
        if (n == 0)
            continue;
        /* pass the plain run before this byte through in one piece */
        if (p > run)
            put(ctx, run, (size_t) (p - run));
        put(ctx, esc, n);
        run = p + 1;
    }
    if (p > run)
        put(ctx, run, (size_t) (p - run));
}

static void put_file(void *ctx, const char *piece, size_t len)
{
    fwrite(piece, 1, len, (FILE *) ctx);
}

void json_write_string(FILE *f, const char *s)
{
    fputc('"', f);
    json_escape_each(s, put_file, f);
    fputc('"', f);
}

/* written: bytes in out; total: the whole escaped length; full once something was left out. */
struct bounded_buf { char *out; size_t cap, written, total; bool full; };

static void put_bounded(void *ctx, const char *piece, size_t len)
{
    struct bounded_buf *b = ctx;
    b->total += len;
    if (b->full)
        return;
    size_t room = b->cap - 1 - b->written;
    /* a plain run may be cut anywhere; an escape (plain runs hold no backslash) is whole or left out */
    size_t take = len <= room ? len : piece[0] == '\\' ? 0 : room;
    /* nor is a UTF-8 sequence cut: back off to its lead byte */
    while (take < len && take > 0 && ((unsigned char) piece[take] & 0xC0) == 0x80)
        take--;
    memcpy(b->out + b->written, piece, take);
    b->written += take;
    b->out[b->written] = '\0';
    b->full = take < len;
}

size_t json_escape_into(char *out, size_t cap, const char *s)
{
    struct bounded_buf b = { out, cap, 0, 0, cap == 0 };
    if (cap > 0)
        out[0] = '\0';
    json_escape_each(s, put_bounded, &b);
    return b.total;
}
