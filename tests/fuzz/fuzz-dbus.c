/* libFuzzer target: the D-Bus message reader (src/lib/dbus.c), which takes what a bus sends.
 * Any bytes: a message parses or is refused with one line; a parsed one's header strings lie
 * inside it, and reading its body as any of the types the client reads stays in bounds. */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dbus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct tr_bus_msg *m, const char *s)
{
    if (s && (s < (const char *) m->buf || s + strlen(s) >= (const char *) m->buf + m->len)) {
        fprintf(stderr, "a header string outside the message\n");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    struct tr_err err = { 0 };
    struct tr_bus_msg m;
    if (tr_bus_msg_parse(buf, size, &m, &err) < 0) {   /* buf is freed */
        if (strncmp(err.msg, "D-Bus: ", 7) != 0 || strchr(err.msg, '\n')) {
            fprintf(stderr, "bad message: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    inside(&m, m.path);
    inside(&m, m.interface);
    inside(&m, m.member);
    inside(&m, m.error_name);
    (void) tr_bus_error_text(&m);
    /* the body read the ways systemd.c reads them: uoss, v of s, o */
    struct tr_bus_rd r;
    const char *s;
    uint32_t u;
    for (int pass = 0; pass < 3; pass++) {
        tr_bus_rd_init(&r, &m);
        for (int k = 0; k < 8; k++) {
            int rc = pass == 0 ? tr_bus_get_u32(&r, &u) : pass == 1 ? tr_bus_get_sig(&r, &s) : tr_bus_get_str(&r, &s);
            if (rc < 0)
                break;
            if (pass)
                inside(&m, s);
            if (r.pos > m.len)
                abort();
        }
    }
    tr_bus_msg_free(&m);
    return 0;
}
