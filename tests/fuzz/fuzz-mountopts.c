/* libFuzzer target: the mount option parser (src/lib/mount-opts.c). The input is split at ','
 * and newline into the options list. Whatever it accepts: a flag is never both set and cleared
 * by one plan's last word, and the fs data keeps each unknown option, in order. */
#include <config.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "rootfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the unknown options, joined as mount_plan_from_options joins them */
static int data_matches(const struct mount_plan *p, char **opts, size_t n)
{
    const char *d = p->data ? p->data : "";
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(opts[i]);
        if (strncmp(d, opts[i], l) == 0 && (d[l] == ',' || d[l] == '\0'))
            d += l + (d[l] == ',');
    }
    return *d == '\0';   /* nothing in data that is not one of the options */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), **opts = calloc(size + 1, sizeof *opts);
    size_t n = 0;
    struct mount_plan p;
    struct tr_err err;
    if (!text || !opts)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    for (char *save = NULL, *t = strtok_r(text, ",\n", &save); t; t = strtok_r(NULL, ",\n", &save))
        opts[n++] = t;
    if (mount_plan_from_options(opts, n, &p, &err) == 0) {
        if (p.flags & p.clear_flags & ~(unsigned long) MS_REC)
            abort();   /* a flag both set and cleared: the later word must win */
        if (!data_matches(&p, opts, n))
            abort();
        mount_plan_free(&p);
    } else if (!err.msg[0] || strchr(err.msg, '\n')) {
        abort();   /* one line, always */
    }
    free(opts);
    free(text);
    return 0;
}
