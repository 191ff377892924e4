/* tinyrun's D-Bus client (src/lib/dbus.c): the bytes it writes (checked against the layout the
 * D-Bus specification gives), what it accepts and refuses when reading (hostile input must fail,
 * not crash), bus addresses, and calls and signals against a real dbus-daemon when one is there. */
#include "config.h"
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "dbus.h"
#include "private-bus.h"
#include "tap.h"
#include "util.h"

static bool bytes_are(const struct tr_bus_wr *w, const char *want, size_t n)
{
    bool same = w->len == n && memcmp(w->buf, want, n) == 0;
    if (!same) {
        printf("#   got %zu bytes:", w->len);
        for (size_t i = 0; i < w->len; i++)
            printf(" %02x", w->buf[i]);
        printf("\n");
    }
    return same;
}

static void test_writer(void)
{
    /* "sa(sv)": "ab", then [("k", <uint64 7>)]. The array's length (24) counts from its first
     * element, after the padding to 8 that follows the length. */
    struct tr_bus_wr w = { 0 };
    tr_bus_put_str(&w, "ab");
    struct tr_bus_arr a = tr_bus_array_open(&w, 8);
    tr_bus_put_struct(&w);
    tr_bus_put_str(&w, "k");
    tr_bus_put_sig(&w, "t");
    tr_bus_put_u64(&w, 7);
    tr_bus_array_close(&w, a);
    static const char want[] =
        "\2\0\0\0" "ab\0" "\0"            /* s, padded to 4 for the array length */
        "\30\0\0\0" "\0\0\0\0"            /* length 24, padding to 8 */
        "\1\0\0\0" "k\0" "\1t\0"          /* the struct: s "k", g "t" */
        "\0\0\0\0\0\0\0"                  /* padding to 8 for the t */
        "\7\0\0\0\0\0\0\0";
    ok(bytes_are(&w, want, sizeof want - 1), "sa(sv) laid out as the specification says");
    tr_bus_wr_free(&w);

    /* an empty array keeps its padding: a(sa(sv)) after "s" of 1 char */
    tr_bus_put_str(&w, "x");
    tr_bus_array_close(&w, tr_bus_array_open(&w, 8));
    static const char want2[] = "\1\0\0\0" "x\0" "\0\0" "\0\0\0\0" "\0\0\0\0";
    ok(bytes_are(&w, want2, sizeof want2 - 1), "an empty array of structs: length 0, padding still there");
    tr_bus_wr_free(&w);

    /* ay and b */
    tr_bus_put_bool(&w, true);
    a = tr_bus_array_open(&w, 1);
    tr_bus_put_byte(&w, 0xaa);
    tr_bus_put_byte(&w, 0x55);
    tr_bus_array_close(&w, a);
    static const char want3[] = "\1\0\0\0" "\2\0\0\0" "\xaa\x55";
    ok(bytes_are(&w, want3, sizeof want3 - 1), "b and ay");
    tr_bus_wr_free(&w);
}

/* A message: fixed header, fields, padding, body; little or big endian. */
static uint8_t *make_msg(bool big, uint8_t type, const uint8_t *fields, uint32_t flen, const uint8_t *body,
                         uint32_t blen, size_t *len)
{
    size_t head = (16 + flen + 7) & ~(size_t) 7;
    uint8_t *m = xzalloc(head + blen);
    m[0] = big ? 'B' : 'l';
    m[1] = type;
    m[3] = 1;
    uint32_t v[3] = { blen, 9, flen };
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            m[4 + 4 * i + k] = (uint8_t) (big ? v[i] >> (24 - 8 * k) : v[i] >> (8 * k));
    if (flen)
        memcpy(m + 16, fields, flen);
    if (blen)   /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(m + head, body, blen);
    *len = head + blen;
    return m;
}

static void test_reader(void)
{
    struct tr_err err;
    struct tr_bus_msg m;
    struct tr_bus_rd r;
    const char *s;
    uint32_t u;
    /* a method return: REPLY_SERIAL 5, SIGNATURE "s"; body "hi" */
    static const uint8_t fields_le[] = { 5, 1, 'u', 0, 5, 0, 0, 0, 8, 1, 'g', 0, 1, 's', 0 };
    static const uint8_t body_le[] = { 2, 0, 0, 0, 'h', 'i', 0 };
    size_t len;
    uint8_t *buf = make_msg(false, TR_BUS_RETURN, fields_le, sizeof fields_le, body_le, sizeof body_le, &len);
    ok(tr_bus_msg_parse(buf, len, &m, &err) == 0 && m.type == TR_BUS_RETURN && m.reply_serial == 5 &&
       m.serial == 9 && streq(m.signature, "s"), "a little-endian method return parses");
    tr_bus_rd_init(&r, &m);
    ok(tr_bus_get_str(&r, &s) == 0 && streq(s, "hi") && tr_bus_get_u32(&r, &u) < 0, "its body reads, and no further");
    tr_bus_msg_free(&m);

    static const uint8_t fields_be[] = { 5, 1, 'u', 0, 0, 0, 0, 5, 8, 1, 'g', 0, 1, 's', 0 };
    static const uint8_t body_be[] = { 0, 0, 0, 2, 'h', 'i', 0 };
    buf = make_msg(true, TR_BUS_RETURN, fields_be, sizeof fields_be, body_be, sizeof body_be, &len);
    ok(tr_bus_msg_parse(buf, len, &m, &err) == 0 && m.reply_serial == 5 && m.swap, "a big-endian one too");
    tr_bus_rd_init(&r, &m);
    ok(tr_bus_get_str(&r, &s) == 0 && streq(s, "hi"), "its string reads with the byte order swapped");
    tr_bus_msg_free(&m);

    /* hostile: every truncation of a good message, a string without its NUL, a long length */
    buf = make_msg(false, TR_BUS_RETURN, fields_le, sizeof fields_le, body_le, sizeof body_le, &len);
    int refused = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *c = xmalloc(len);
        memcpy(c, buf, cut);
        refused += tr_bus_msg_parse(c, cut, &m, &err) < 0;
    }
    ok(refused == (int) len, "every truncated message refused (%d of %zu)", refused, len);
    free(buf);
    static const uint8_t body_nonul[] = { 2, 0, 0, 0, 'h', 'i', 'x' };
    buf = make_msg(false, TR_BUS_RETURN, fields_le, sizeof fields_le, body_nonul, sizeof body_nonul, &len);
    ok(tr_bus_msg_parse(buf, len, &m, &err) == 0, "a body is only read when asked");
    tr_bus_rd_init(&r, &m);
    ok(tr_bus_get_str(&r, &s) < 0, "a string without its NUL refused");
    tr_bus_msg_free(&m);
    static const uint8_t body_long[] = { 0xff, 0xff, 0xff, 0xff, 'h', 'i', 0 };
    buf = make_msg(false, TR_BUS_RETURN, fields_le, sizeof fields_le, body_long, sizeof body_long, &len);
    ok(tr_bus_msg_parse(buf, len, &m, &err) == 0, "parsed");
    tr_bus_rd_init(&r, &m);
    ok(tr_bus_get_str(&r, &s) < 0, "a string longer than the message refused");
    tr_bus_msg_free(&m);
    static const uint8_t fields_bad[] = { 5, 2, 'u', 'u', 0, 0, 0, 0, 5, 0, 0, 0 };
    buf = make_msg(false, TR_BUS_RETURN, fields_bad, sizeof fields_bad, NULL, 0, &len);
    ok(tr_bus_msg_parse(buf, len, &m, &err) < 0 && strstr(err.msg, "malformed"),
       "a header field of two types refused: %s", err.msg);
    static const uint8_t fields_pad[] = { 5, 1, 'u', 0, 5, 0, 0, 0, 8, 1, 'g', 0, 0, 0 };
    buf = make_msg(false, TR_BUS_RETURN, fields_pad, sizeof fields_pad - 1, NULL, 0, &len);
    buf[16 + sizeof fields_pad - 1] = 1;   /* the padding after the fields is not zero */
    ok(tr_bus_msg_parse(buf, len, &m, &err) < 0, "non-zero padding refused");
    uint8_t junk[16] = { 'x', 1, 0, 1 };
    uint8_t *j = xmalloc(16);
    memcpy(j, junk, 16);
    ok(tr_bus_msg_parse(j, 16, &m, &err) < 0, "an unknown byte order refused");
}

static void test_address(void)
{
    char p[108];
    size_t n;
    struct tr_err err;
    ok(tr_bus_parse_address("unix:path=/run/dbus/system_bus_socket", p, sizeof p, &n, &err) == 0 &&
       streq(p, "/run/dbus/system_bus_socket") && n == 27, "unix:path=");
    ok(tr_bus_parse_address("tcp:host=x,port=1;unix:guid=00,path=/a%20b%2c", p, sizeof p, &n, &err) == 0 &&
       streq(p, "/a b,"), "the first unix alternative, %%-escapes undone, keys in any order");
    ok(tr_bus_parse_address("unix:abstract=/tmp/dbus-x,guid=1", p, sizeof p, &n, &err) == 0 && p[0] == '\0' &&
       !memcmp(p + 1, "/tmp/dbus-x", 11) && n == 12, "unix:abstract= (a leading NUL)");
    ok(tr_bus_parse_address("tcp:host=x", p, sizeof p, &n, &err) < 0 && strstr(err.msg, "no unix:path="),
       "no unix transport: %s", err.msg);
    ok(tr_bus_parse_address("unix:path=/x%zz", p, sizeof p, &n, &err) < 0, "a bad escape refused: %s", err.msg);
    char lng[300] = "unix:path=/";
    memset(lng + 11, 'a', 200);
    ok(tr_bus_parse_address(lng, p, sizeof p, &n, &err) < 0 && strstr(err.msg, "too long"),
       "a path longer than sun_path refused");
    ok(tr_bus_parse_address("unix:path=", p, sizeof p, &n, &err) < 0, "an empty path refused");
}

static struct private_bus bus;

static void test_daemon(const char *addr)
{
    struct tr_err err = { 0 };
    struct tr_bus *b = NULL, *b2 = NULL;
    struct tr_bus_msg reply = { 0 }, sig = { 0 };
    struct tr_bus_rd r;
    const char *s;
    uint32_t u;
    ok(tr_bus_open(addr, "the test bus", &b, &err) == 0, "connect, AUTH EXTERNAL with no identity, Hello: %s",
       err.msg);
    if (!b)
        return;
    ok(tr_bus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetId", NULL, NULL,
                   5000000, &reply, &err) == 0 && streq(reply.signature, "s"), "GetId returns: %s", err.msg);
    tr_bus_rd_init(&r, &reply);
    ok(tr_bus_get_str(&r, &s) == 0 && strlen(s) == 32, "a 32-hex-digit bus id");
    tr_bus_msg_free(&reply);

    struct tr_bus_wr w = { 0 };
    tr_bus_put_str(&w, "org.freedesktop.DBus");
    ok(tr_bus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", &w,
                   5000000, &reply, &err) == 0 && streq(reply.signature, "b"), "a call with a body");
    tr_bus_rd_init(&r, &reply);
    ok(tr_bus_get_u32(&r, &u) == 0 && u == 1, "NameHasOwner(org.freedesktop.DBus) is true");
    tr_bus_msg_free(&reply);
    tr_bus_wr_free(&w);

    ok(tr_bus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NoSuchMethod", NULL,
                   NULL, 5000000, &reply, &err) == 1 && reply.error_name &&
       streq(reply.error_name, "org.freedesktop.DBus.Error.UnknownMethod") && *tr_bus_error_text(&reply),
       "an error reply: %s: %s", reply.error_name ? reply.error_name : "?", tr_bus_error_text(&reply));
    tr_bus_msg_free(&reply);

    tr_bus_put_str(&w, "type='signal',interface='org.freedesktop.DBus',member='NameOwnerChanged'");
    ok(tr_bus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s", &w,
                   5000000, &reply, &err) == 0, "AddMatch");
    tr_bus_msg_free(&reply);
    tr_bus_wr_free(&w);
    ok(tr_bus_open(addr, "the test bus", &b2, &err) == 0, "a second connection");
    /* NameAcquired (ours, unicast at Hello) came first and was kept while the calls waited */
    int got, seen = 0;
    bool acquired = false, changed = false;
    while (!changed && seen++ < 10 && (got = tr_bus_next_signal(b, 5000000, &sig, &err)) == 0) {
        acquired |= sig.member && streq(sig.member, "NameAcquired");
        changed = sig.member && streq(sig.member, "NameOwnerChanged") && streq(sig.signature, "sss");
        tr_bus_msg_free(&sig);
    }
    ok(acquired, "the NameAcquired signal that came during Hello was kept for next_signal");
    ok(changed, "the second connection's NameOwnerChanged signal arrives");
    while (tr_bus_next_signal(b, 100000, &sig, &err) == 0)   /* any more of them */
        tr_bus_msg_free(&sig);
    ok(tr_bus_next_signal(b, 50000, &sig, &err) == 1, "no signal: a timeout, not a hang");
    tr_bus_close(b2);
    tr_bus_close(b);

    ok(tr_bus_open("unix:path=/nonexistent/bus", "the user bus", &b, &err) < 0 &&
       strstr(err.msg, "connect to the user bus unix:path=/nonexistent/bus: No such file"), "no bus: %s", err.msg);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_writer();
    test_reader();
    test_address();
    if (access("/usr/bin/dbus-daemon", X_OK) != 0) {
        skip("dbus-daemon not installed: no calls against a real bus");
    } else if (!private_bus_start(&bus, "dbustest")) {
        ok(0, "a private dbus-daemon started");
    } else {
        test_daemon(bus.addr);
    }
    private_bus_stop(&bus);
    return done_testing();
}
