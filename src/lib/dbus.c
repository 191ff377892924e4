/* The D-Bus client (dbus.h). Wire format: the D-Bus specification, "Message Protocol":
 * a message is a 16-byte fixed header (endianness, type, flags, version, body length, serial,
 * length of the header field array), the header fields as a(yv), padding to 8, then the body;
 * every value is aligned to its own size from the start of the message. */
#include "config.h"
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "dbus.h"
#include "util.h"

#define MAX_MESSAGE (64u << 20)   /* the specification's limit is 128 MiB; systemd sends KiBs */
#define MAX_KEPT 64               /* signals kept while a call waits for its reply */
#define AUTH_TIMEOUT_USEC (10ULL * 1000000)
#define HELLO_TIMEOUT_USEC (10ULL * 1000000)

enum { F_PATH = 1, F_INTERFACE = 2, F_MEMBER = 3, F_ERROR_NAME = 4, F_REPLY_SERIAL = 5,
       F_DESTINATION = 6, F_SIGNATURE = 8 };

#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define NATIVE_ENDIAN 'B'
#else
#define NATIVE_ENDIAN 'l'
#endif

/* ---- writing ---------------------------------------------------------------------------- */

static void wr_reserve(struct tr_bus_wr *w, size_t n)
{
    if (w->len + n <= w->cap)
        return;
    size_t cap = w->cap ? w->cap * 2 : 256;
    while (cap < w->len + n)
        cap *= 2;
    w->buf = xrealloc(w->buf, cap);
    w->cap = cap;
}

static void wr_align(struct tr_bus_wr *w, size_t a)
{
    size_t pad = (a - w->len % a) % a;
    if (!pad)
        return;   /* and no memset on the NULL buffer of an empty writer */
    wr_reserve(w, pad);
    memset(w->buf + w->len, 0, pad);
    w->len += pad;
}

static void wr_bytes(struct tr_bus_wr *w, const void *p, size_t n)
{
    if (!n)
        return;   /* an empty body's buffer is NULL */
    wr_reserve(w, n);
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

void tr_bus_put_byte(struct tr_bus_wr *w, uint8_t v) { wr_bytes(w, &v, 1); }
void tr_bus_put_u32(struct tr_bus_wr *w, uint32_t v) { wr_align(w, 4); wr_bytes(w, &v, 4); }
void tr_bus_put_u64(struct tr_bus_wr *w, uint64_t v) { wr_align(w, 8); wr_bytes(w, &v, 8); }
void tr_bus_put_bool(struct tr_bus_wr *w, bool v) { tr_bus_put_u32(w, v ? 1 : 0); }
void tr_bus_put_struct(struct tr_bus_wr *w) { wr_align(w, 8); }

void tr_bus_put_str(struct tr_bus_wr *w, const char *s)
{
    size_t n = strlen(s);
    tr_bus_put_u32(w, (uint32_t) n);
    wr_bytes(w, s, n + 1);
}

void tr_bus_put_sig(struct tr_bus_wr *w, const char *s)
{
    size_t n = strlen(s);
    if (n > 255)
        abort();   /* our own signatures are all short */
    tr_bus_put_byte(w, (uint8_t) n);
    wr_bytes(w, s, n + 1);
}

struct tr_bus_arr tr_bus_array_open(struct tr_bus_wr *w, size_t elem_align)
{
    tr_bus_put_u32(w, 0);
    struct tr_bus_arr a = { .len_at = w->len - 4 };
    wr_align(w, elem_align);   /* present even when the array stays empty */
    a.start = w->len;
    return a;
}

void tr_bus_array_close(struct tr_bus_wr *w, struct tr_bus_arr a)
{
    uint32_t n = (uint32_t) (w->len - a.start);
    memcpy(w->buf + a.len_at, &n, 4);
}

void tr_bus_wr_free(struct tr_bus_wr *w)
{
    free(w->buf);
    *w = (struct tr_bus_wr) { 0 };
}

/* ---- reading ---------------------------------------------------------------------------- */

void tr_bus_rd_init(struct tr_bus_rd *r, const struct tr_bus_msg *m)
{
    *r = (struct tr_bus_rd) { .m = m, .pos = m->body, .end = m->len };
}

static int rd_align(struct tr_bus_rd *r, size_t a)
{
    size_t p = r->pos + (a - r->pos % a) % a;
    if (p > r->end)
        return -1;
    for (size_t i = r->pos; i < p; i++)
        if (r->m->buf[i])
            return -1;   /* padding is zero, or the message is not what we think */
    r->pos = p;
    return 0;
}

static int rd_need(const struct tr_bus_rd *r, size_t n) { return n <= r->end - r->pos ? 0 : -1; }

static int rd_u8(struct tr_bus_rd *r, uint8_t *v)
{
    if (rd_need(r, 1) < 0)
        return -1;
    *v = r->m->buf[r->pos++];
    return 0;
}

int tr_bus_get_u32(struct tr_bus_rd *r, uint32_t *v)
{
    if (rd_align(r, 4) < 0 || rd_need(r, 4) < 0)
        return -1;
    memcpy(v, r->m->buf + r->pos, 4);
    if (r->m->swap)
        *v = __builtin_bswap32(*v);
    r->pos += 4;
    return 0;
}

/* n bytes of text and a NUL, with no NUL inside */
static int rd_text(struct tr_bus_rd *r, size_t n, const char **s)
{
    if (rd_need(r, n) < 0 || rd_need(r, n + 1) < 0)
        return -1;
    const char *p = (const char *) r->m->buf + r->pos;
    if (p[n] != '\0' || memchr(p, '\0', n))
        return -1;
    *s = p;
    r->pos += n + 1;
    return 0;
}

int tr_bus_get_str(struct tr_bus_rd *r, const char **s)
{
    uint32_t n;
    return tr_bus_get_u32(r, &n) < 0 ? -1 : rd_text(r, n, s);
}

int tr_bus_get_sig(struct tr_bus_rd *r, const char **s)
{
    uint8_t n;
    return rd_u8(r, &n) < 0 ? -1 : rd_text(r, n, s);
}

/* Skips a value of a one-character basic type (header fields of codes we do not use). */
static int rd_skip_basic(struct tr_bus_rd *r, char t)
{
    const char *s;
    uint8_t b;
    size_t size;
    switch (t) {
    case 's': case 'o': return tr_bus_get_str(r, &s);
    case 'g': return tr_bus_get_sig(r, &s);
    case 'y': return rd_u8(r, &b);
    case 'n': case 'q': size = 2; break;
    case 'b': case 'i': case 'u': case 'h': size = 4; break;
    case 'x': case 't': case 'd': size = 8; break;
    default: return -1;
    }
    if (rd_align(r, size) < 0 || rd_need(r, size) < 0)
        return -1;
    r->pos += size;
    return 0;
}

void tr_bus_msg_free(struct tr_bus_msg *m)
{
    free(m->buf);
    *m = (struct tr_bus_msg) { 0 };
}

static uint32_t raw_u32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swap ? __builtin_bswap32(v) : v;
}

/* The whole length of the message whose first 16 bytes are at p, or 0 if they are not a
 * message header we accept. */
static size_t msg_total(const uint8_t *p)
{
    if ((p[0] != 'l' && p[0] != 'B') || p[3] != 1)
        return 0;
    bool swap = p[0] != NATIVE_ENDIAN;
    uint64_t fields = raw_u32(p + 12, swap), body = raw_u32(p + 4, swap);
    uint64_t head = (16 + fields + 7) & ~(uint64_t) 7;
    return head + body > MAX_MESSAGE ? 0 : (size_t) (head + body);
}

int tr_bus_msg_parse(uint8_t *buf, size_t len, struct tr_bus_msg *m, struct tr_err *err)
{
    *m = (struct tr_bus_msg) { .buf = buf, .len = len };
    if (len < 16 || msg_total(buf) != len) {
        tr_failx(err, "D-Bus: a malformed message (%zu bytes, bad header or length)", len);
        goto bad;
    }
    m->swap = buf[0] != NATIVE_ENDIAN;
    m->type = buf[1];
    m->serial = raw_u32(buf + 8, m->swap);
    size_t fields_end = 16 + raw_u32(buf + 12, m->swap);
    m->body = (fields_end + 7) & ~(size_t) 7;
    struct tr_bus_rd r = { .m = m, .pos = 16, .end = fields_end };
    while (r.pos < fields_end) {
        uint8_t code;
        const char *sig, *s = NULL;
        if (rd_align(&r, 8) < 0 || rd_u8(&r, &code) < 0 || tr_bus_get_sig(&r, &sig) < 0 || strlen(sig) != 1)
            goto malformed;
        if (code == F_REPLY_SERIAL && sig[0] == 'u') {
            if (tr_bus_get_u32(&r, &m->reply_serial) < 0)
                goto malformed;
            continue;
        }
        bool text = sig[0] == 's' || sig[0] == 'o' || sig[0] == 'g';
        if (text ? (sig[0] == 'g' ? tr_bus_get_sig(&r, &s) : tr_bus_get_str(&r, &s)) < 0 : rd_skip_basic(&r, sig[0]) < 0)
            goto malformed;
        switch (code) {
        case F_PATH: m->path = s; break;
        case F_INTERFACE: m->interface = s; break;
        case F_MEMBER: m->member = s; break;
        case F_ERROR_NAME: m->error_name = s; break;
        case F_SIGNATURE: m->signature = s; break;
        default: break;   /* sender, destination, unix fds, and codes to come */
        }
    }
    for (size_t i = fields_end; i < m->body; i++)
        if (buf[i])
            goto malformed;
    if (!m->signature)
        m->signature = "";
    return 0;
malformed:
    tr_failx(err, "D-Bus: a malformed message (header fields)");
bad:
    free(buf);
    *m = (struct tr_bus_msg) { 0 };
    return -1;
}

const char *tr_bus_error_text(const struct tr_bus_msg *m)
{
    struct tr_bus_rd r;
    const char *s;
    if (m->signature[0] != 's')
        return "";
    tr_bus_rd_init(&r, m);
    return tr_bus_get_str(&r, &s) < 0 ? "" : s;
}

/* ---- addresses -------------------------------------------------------------------------- */

static int unhex(char c) { return c >= '0' && c <= '9' ? c - '0' : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 'a' + 10 : -1; }

/* value (up to ',' ';' or the end) %-unescaped into out; -1 if bad or too long */
static int addr_value(const char *v, char *out, size_t size, size_t *n)
{
    size_t k = 0;
    for (; *v && *v != ',' && *v != ';'; v++) {
        int c = (unsigned char) *v;
        if (c == '%') {
            int h = unhex(v[1]), l = h < 0 ? -1 : unhex(v[2]);
            if (l < 0)
                return -1;
            c = h * 16 + l;
            v += 2;
        }
        if (c == 0 || k + 1 >= size)
            return -1;
        out[k++] = (char) c;
    }
    out[k] = '\0';
    *n = k;
    return 0;
}

int tr_bus_parse_address(const char *address, char *path, size_t size, size_t *plen, struct tr_err *err)
{
    for (const char *a = address; a && *a; a = strchr(a, ';') ? strchr(a, ';') + 1 : NULL) {
        if (strncmp(a, "unix:", 5))
            continue;
        for (const char *kv = a + 5; kv && *kv && *kv != ';'; kv = strchr(kv, ',') ? strchr(kv, ',') + 1 : NULL) {
            bool abstract = !strncmp(kv, "abstract=", 9);
            if (!abstract && strncmp(kv, "path=", 5))
                continue;
            size_t n;
            if (size < 2 || addr_value(kv + (abstract ? 9 : 5), path + abstract, size - 1, &n) < 0 || n == 0)
                return tr_failx(err, "D-Bus address '%s': a bad or too long unix %s", address,
                                abstract ? "abstract name" : "path");
            if (abstract)
                path[0] = '\0';
            *plen = n + abstract;
            return 0;
        }
    }
    return tr_failx(err, "D-Bus address '%s': no unix:path= or unix:abstract= in it (the only transports tinyrun speaks)",
                    address ? address : "");
}

/* ---- the connection --------------------------------------------------------------------- */

struct tr_bus {
    int fd;
    uint32_t serial;
    uint8_t *in;
    size_t in_len, in_cap;
    struct tr_bus_msg kept[MAX_KEPT];
    size_t nkept;
};

static uint64_t now_usec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000 + (uint64_t) t.tv_nsec / 1000;
}

/* Waits for events on the bus fd until deadline; 0 ready, 1 timed out, -1 errno. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_usec();
        if (now >= deadline)
            return 1;
        struct pollfd p = { .fd = fd, .events = events };
        uint64_t ms = (deadline - now + 999) / 1000;
        int r = poll(&p, 1, ms > 60000 ? 60000 : (int) ms);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r > 0)
            return 0;
    }
}

static int send_all(struct tr_bus *b, const void *data, size_t len, uint64_t deadline, struct tr_err *err)
{
    const uint8_t *p = data;
    while (len) {
        /* sendmsg, as sd-bus: systemd.bats kills a create at its Nth sendmsg to hit each call */
        struct iovec iov = { .iov_base = (void *) p, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n = sendmsg(b->fd, &mh, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
            int r = wait_fd(b->fd, POLLOUT, deadline);
            if (r != 0)
                return r < 0 ? tr_fail(err, errno, "D-Bus: send") : tr_failx(err, "D-Bus: the bus took nothing for %llu s",
                                                                            (unsigned long long) AUTH_TIMEOUT_USEC / 1000000);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return tr_fail(err, errno, "D-Bus: send");
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

/* More input into b->in; 0 read some, 1 timed out, -1 error or the bus hung up. */
static int fill(struct tr_bus *b, uint64_t deadline, struct tr_err *err)
{
    if (b->in_cap - b->in_len < 4096) {
        b->in_cap = b->in_cap ? b->in_cap * 2 : 8192;
        b->in = xrealloc(b->in, b->in_cap);
    }
    for (;;) {
        ssize_t n = recv(b->fd, b->in + b->in_len, b->in_cap - b->in_len, 0);
        if (n > 0) {
            b->in_len += (size_t) n;
            return 0;
        }
        if (n == 0)
            return tr_failx(err, "D-Bus: the bus closed the connection");
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN)
            return tr_fail(err, errno, "D-Bus: recv");
        int r = wait_fd(b->fd, POLLIN, deadline);
        if (r != 0)
            return r < 0 ? tr_fail(err, errno, "D-Bus: poll") : 1;
    }
}

static void consume(struct tr_bus *b, size_t n)
{
    memmove(b->in, b->in + n, b->in_len - n);
    b->in_len -= n;
}

/* The next whole message; 0, 1 on timeout, -1 (err). */
static int read_msg(struct tr_bus *b, uint64_t deadline, struct tr_bus_msg *m, struct tr_err *err)
{
    for (;;) {
        if (b->in_len >= 16) {
            size_t total = msg_total(b->in);
            if (!total)
                return tr_failx(err, "D-Bus: the bus sent something that is not a message header");
            if (b->in_len >= total) {
                uint8_t *buf = xmalloc(total);
                memcpy(buf, b->in, total);
                consume(b, total);
                return tr_bus_msg_parse(buf, total, m, err);
            }
            if (b->in_cap < total) {
                b->in_cap = total;
                b->in = xrealloc(b->in, b->in_cap);
            }
        }
        int r = fill(b, deadline, err);
        if (r != 0)
            return r;
    }
}

static void keep_signal(struct tr_bus *b, struct tr_bus_msg *m)
{
    if (b->nkept == MAX_KEPT) {   /* nobody is reading them: the oldest goes */
        tr_bus_msg_free(&b->kept[0]);
        memmove(b->kept, b->kept + 1, (MAX_KEPT - 1) * sizeof *b->kept);
        b->nkept--;
    }
    b->kept[b->nkept++] = *m;
    *m = (struct tr_bus_msg) { 0 };
}

static void put_field(struct tr_bus_wr *w, uint8_t code, const char *type, const char *v)
{
    tr_bus_put_struct(w);
    tr_bus_put_byte(w, code);
    tr_bus_put_sig(w, type);
    if (type[0] == 'g')
        tr_bus_put_sig(w, v);
    else
        tr_bus_put_str(w, v);
}

int tr_bus_call(struct tr_bus *b, const char *dest, const char *path, const char *iface, const char *member,
                const char *sig, const struct tr_bus_wr *body, uint64_t timeout_usec, struct tr_bus_msg *reply,
                struct tr_err *err)
{
    uint64_t deadline = now_usec() + timeout_usec;
    uint32_t serial = ++b->serial;
    struct tr_bus_wr w = { 0 };
    tr_bus_put_byte(&w, NATIVE_ENDIAN);
    tr_bus_put_byte(&w, TR_BUS_CALL);
    tr_bus_put_byte(&w, 0);
    tr_bus_put_byte(&w, 1);
    tr_bus_put_u32(&w, body ? (uint32_t) body->len : 0);
    tr_bus_put_u32(&w, serial);
    struct tr_bus_arr fields = tr_bus_array_open(&w, 8);
    put_field(&w, F_PATH, "o", path);
    if (iface)
        put_field(&w, F_INTERFACE, "s", iface);
    put_field(&w, F_MEMBER, "s", member);
    if (dest)
        put_field(&w, F_DESTINATION, "s", dest);
    if (sig && *sig)
        put_field(&w, F_SIGNATURE, "g", sig);
    tr_bus_array_close(&w, fields);
    wr_align(&w, 8);
    if (body)
        wr_bytes(&w, body->buf, body->len);
    int r = send_all(b, w.buf, w.len, deadline, err);
    tr_bus_wr_free(&w);
    if (r < 0)
        return tr_prefix(err, "%s", member);
    for (;;) {
        struct tr_bus_msg m;
        r = read_msg(b, deadline, &m, err);
        if (r < 0)
            return tr_prefix(err, "%s", member);
        if (r > 0)
            return tr_failx(err, "%s: no answer from %s within %llu s", member, dest ? dest : "the bus",
                            (unsigned long long) (timeout_usec / 1000000));
        if ((m.type == TR_BUS_RETURN || m.type == TR_BUS_ERROR) && m.reply_serial == serial) {
            *reply = m;
            return m.type == TR_BUS_RETURN ? 0 : 1;
        }
        if (m.type == TR_BUS_SIGNAL)
            keep_signal(b, &m);
        else
            tr_bus_msg_free(&m);   /* a call to us (we serve nothing) or a late reply */
    }
}

int tr_bus_next_signal(struct tr_bus *b, uint64_t timeout_usec, struct tr_bus_msg *sig, struct tr_err *err)
{
    if (b->nkept) {
        *sig = b->kept[0];
        memmove(b->kept, b->kept + 1, (--b->nkept) * sizeof *b->kept);
        return 0;
    }
    uint64_t deadline = now_usec() + timeout_usec;
    for (;;) {
        int r = read_msg(b, deadline, sig, err);
        if (r != 0 || sig->type == TR_BUS_SIGNAL)
            return r;
        tr_bus_msg_free(sig);
    }
}

/* AUTH EXTERNAL with no identity, then DATA with none: "take mine from the socket". */
static int authenticate(struct tr_bus *b, const char *bus, struct tr_err *err)
{
    static const char hello[] = "\0AUTH EXTERNAL\r\nDATA\r\n";
    uint64_t deadline = now_usec() + AUTH_TIMEOUT_USEC;
    if (send_all(b, hello, sizeof hello - 1, deadline, err) < 0)
        return tr_prefix(err, "%s: authenticate", bus);
    for (;;) {
        uint8_t *eol = b->in_len ? memmem(b->in, b->in_len, "\r\n", 2) : NULL;
        if (!eol) {
            if (b->in_len > 4096)
                return tr_failx(err, "%s: authenticate: an over-long line from the bus", bus);
            int r = fill(b, deadline, err);
            if (r > 0)
                return tr_failx(err, "%s: authenticate: no answer within %llu s", bus,
                                (unsigned long long) AUTH_TIMEOUT_USEC / 1000000);
            if (r < 0)
                return tr_prefix(err, "%s: authenticate", bus);
            continue;
        }
        size_t n = (size_t) (eol - b->in);
        char line[128];
        snprintf(line, sizeof line, "%.*s", (int) (n < sizeof line ? n : sizeof line - 1), (const char *) b->in);
        consume(b, n + 2);
        if (!strncmp(line, "OK ", 3) || streq(line, "OK"))
            break;
        if (!streq(line, "DATA"))   /* the server's empty challenge, already answered */
            return tr_failx(err, "%s: it refused AUTH EXTERNAL with the socket's credentials: %s", bus, line);
    }
    return send_all(b, "BEGIN\r\n", 7, deadline, err) < 0 ? tr_prefix(err, "%s: authenticate", bus) : 0;
}

int tr_bus_open(const char *address, const char *name, struct tr_bus **out, struct tr_err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t plen;
    if (tr_bus_parse_address(address, sa.sun_path, sizeof sa.sun_path, &plen, err) < 0)
        return tr_prefix(err, "%s", name);
    _cleanup_free_ char *bus = xasprintf("%s %s", name, address);
    struct tr_bus *b = xzalloc(sizeof *b);
    b->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (b->fd < 0) {
        tr_fail(err, errno, "%s: socket", bus);
        goto fail;
    }
    if (connect(b->fd, (struct sockaddr *) &sa, (socklen_t) (offsetof(struct sockaddr_un, sun_path) + plen +
                                                               (sa.sun_path[0] ? 1 : 0))) < 0) {
        tr_fail(err, errno, "connect to %s", bus);
        goto fail;
    }
    if (authenticate(b, bus, err) < 0)
        goto fail;
    struct tr_bus_msg reply;
    int r = tr_bus_call(b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", NULL,
                        NULL, HELLO_TIMEOUT_USEC, &reply, err);
    if (r == 1)
        tr_failx(err, "%s: Hello: %s: %s", bus, reply.error_name ? reply.error_name : "error", tr_bus_error_text(&reply));
    else if (r < 0)
        tr_prefix(err, "%s", bus);
    if (r >= 0)
        tr_bus_msg_free(&reply);
    if (r != 0)
        goto fail;
    *out = b;
    return 0;
fail:
    tr_bus_close(b);
    return -1;
}

void tr_bus_close(struct tr_bus *b)
{
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    for (size_t i = 0; i < b->nkept; i++)
        tr_bus_msg_free(&b->kept[i]);
    free(b->in);
    free(b);
}
