/* See gen.h. */
#include <config.h>
#include <string.h>
#include "gen.h"
#include "util.h"

int oci_gen_open(struct oci_gen *j, const char *indent, struct tr_err *err)
{
    j->st = yajl_gen_status_ok;
    j->g = yajl_gen_alloc(NULL);
    if (!j->g)
        return tr_failx(err, "cannot allocate JSON generator");
    if (indent) {
        yajl_gen_config(j->g, yajl_gen_beautify, 1);
        yajl_gen_config(j->g, yajl_gen_indent_string, indent);
    }
    return 0;
}

static void note(struct oci_gen *j, yajl_gen_status st)
{
    if (j->st == yajl_gen_status_ok)
        j->st = st;
}

void oci_gen_str(struct oci_gen *j, const char *s)
{
    note(j, yajl_gen_string(j->g, (const unsigned char *) s, strlen(s)));
}
void oci_gen_key(struct oci_gen *j, const char *key) { oci_gen_str(j, key); }
void oci_gen_map_open(struct oci_gen *j) { note(j, yajl_gen_map_open(j->g)); }
void oci_gen_map_close(struct oci_gen *j) { note(j, yajl_gen_map_close(j->g)); }
void oci_gen_array_open(struct oci_gen *j) { note(j, yajl_gen_array_open(j->g)); }
void oci_gen_array_close(struct oci_gen *j) { note(j, yajl_gen_array_close(j->g)); }

void oci_gen_key_str(struct oci_gen *j, const char *key, const char *s)
{
    oci_gen_str(j, key);
    oci_gen_str(j, s);
}

void oci_gen_key_int(struct oci_gen *j, const char *key, long long v)
{
    oci_gen_str(j, key);
    note(j, yajl_gen_integer(j->g, v));
}

void oci_gen_key_bool(struct oci_gen *j, const char *key, bool v)
{
    oci_gen_str(j, key);
    note(j, yajl_gen_bool(j->g, v));
}

void oci_gen_key_strv(struct oci_gen *j, const char *key, const char *const *v)
{
    oci_gen_str(j, key);
    oci_gen_array_open(j);
    for (; *v; v++)
        oci_gen_str(j, *v);
    oci_gen_array_close(j);
}

char *oci_gen_finish(struct oci_gen *j, bool add_newline, const char *what, struct tr_err *err)
{
    const unsigned char *buf;
    size_t len;
    char *out = NULL;
    if (j->st == yajl_gen_status_ok)
        j->st = yajl_gen_get_buf(j->g, &buf, &len);
    if (j->st != yajl_gen_status_ok) {
        tr_failx(err, "cannot generate %s JSON (yajl_gen status %d)", what, (int) j->st);
    } else {
        while (len && buf[len - 1] == '\n')
            len--;
        out = xmalloc(len + 2);
        memcpy(out, buf, len);
        if (add_newline)
            out[len++] = '\n';
        out[len] = '\0';
    }
    yajl_gen_free(j->g);
    j->g = NULL;
    return out;
}
