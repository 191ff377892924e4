/* A small D-Bus client: what the systemd cgroup driver needs and nothing more. It connects to a
 * unix socket bus address, authenticates with EXTERNAL without naming a uid (the bus takes our
 * identity from SO_PEERCRED, which the kernel reports as the host uid even from inside a user
 * namespace, where a uid we sent would be wrong), says Hello, makes method calls and reads
 * signals. Marshalling is by hand with the writer and reader below, in the wire format of the
 * D-Bus specification ("Message Protocol"). Ours rather than libsystemd's sd-bus or libdbus:
 * Debian ships no libsystemd.a, so sd-bus kept the default static binary from having the driver,
 * and libdbus sends the euid as the EXTERNAL identity, which a user namespace makes wrong. */
#ifndef TINYRUN_DBUS_H
#define TINYRUN_DBUS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

enum { TR_BUS_CALL = 1, TR_BUS_RETURN = 2, TR_BUS_ERROR = 3, TR_BUS_SIGNAL = 4 };

/* A message body being built. Every put aligns for its type, as the wire format wants. */
struct tr_bus_wr {
    uint8_t *buf;
    size_t len, cap;
};
void tr_bus_put_byte(struct tr_bus_wr *w, uint8_t v);
void tr_bus_put_bool(struct tr_bus_wr *w, bool v);
void tr_bus_put_u32(struct tr_bus_wr *w, uint32_t v);
void tr_bus_put_u64(struct tr_bus_wr *w, uint64_t v);
void tr_bus_put_str(struct tr_bus_wr *w, const char *s);   /* 's' and 'o' */
void tr_bus_put_sig(struct tr_bus_wr *w, const char *s);   /* 'g', and a variant's type */
void tr_bus_put_struct(struct tr_bus_wr *w);                /* '(' and a dict entry: align to 8 */
/* An array: open returns what close needs to fill in the length. elem_align is the alignment
 * of the element type (1 for 'y', 4 for 'u' 's', 8 for '(' 't'). */
struct tr_bus_arr { size_t len_at, start; };
struct tr_bus_arr tr_bus_array_open(struct tr_bus_wr *w, size_t elem_align);
void tr_bus_array_close(struct tr_bus_wr *w, struct tr_bus_arr a);
void tr_bus_wr_free(struct tr_bus_wr *w);

/* A message read from the bus; the strings point into buf. */
struct tr_bus_msg {
    uint8_t *buf;
    size_t len, body;            /* body: the offset of the body in buf */
    uint8_t type;
    bool swap;                   /* the sender's byte order is not ours */
    uint32_t serial, reply_serial;
    const char *path, *interface, *member, *error_name, *signature;
};
void tr_bus_msg_free(struct tr_bus_msg *m);
/* Parses one whole message (exactly len bytes, taken over by m); -1 if it is malformed. */
int tr_bus_msg_parse(uint8_t *buf, size_t len, struct tr_bus_msg *m, struct tr_err *err);

/* Reads a body in order; each get checks bounds and alignment and returns -1 past the end. */
struct tr_bus_rd {
    const struct tr_bus_msg *m;
    size_t pos, end;
};
void tr_bus_rd_init(struct tr_bus_rd *r, const struct tr_bus_msg *m);
int tr_bus_get_u32(struct tr_bus_rd *r, uint32_t *v);
int tr_bus_get_str(struct tr_bus_rd *r, const char **s);   /* 's' and 'o' */
int tr_bus_get_sig(struct tr_bus_rd *r, const char **s);   /* 'g', and a variant's type */
/* The text of an error reply (its first 's' argument), or "" */
const char *tr_bus_error_text(const struct tr_bus_msg *m);

struct tr_bus;
/* Connects to a bus address ("unix:path=..." or "unix:abstract=...", ';'-separated
 * alternatives, %-escapes as the specification has them), authenticates and says Hello.
 * name ("the system bus") starts the error messages: "connect to the system bus ADDR: ...". */
int tr_bus_open(const char *address, const char *name, struct tr_bus **out, struct tr_err *err);
void tr_bus_close(struct tr_bus *b);

/* Calls dest's path iface.member with a body of the signature sig (NULL: no body), waiting at
 * most timeout_usec for the answer. 0: a method return in *reply; 1: an error reply in *reply
 * (reply->error_name, tr_bus_error_text); -1: the call could not be made or answered (err).
 * Signals that arrive meanwhile are kept for tr_bus_next_signal. */
int tr_bus_call(struct tr_bus *b, const char *dest, const char *path, const char *iface, const char *member,
                const char *sig, const struct tr_bus_wr *body, uint64_t timeout_usec, struct tr_bus_msg *reply,
                struct tr_err *err);
/* The next signal (kept ones first): 0 with *sig, 1 if none came within timeout_usec, -1 (err). */
int tr_bus_next_signal(struct tr_bus *b, uint64_t timeout_usec, struct tr_bus_msg *sig, struct tr_err *err);

/* Parses the first usable address of a D-Bus address list into a unix socket address
 * (abstract: a leading '\0' in path, plen counts it); -1 if none is a unix path or abstract. */
int tr_bus_parse_address(const char *address, char *path, size_t size, size_t *plen, struct tr_err *err);
#endif
