/* libFuzzer target: the private state file reader (src/lib/runstate.c). What it accepts
 * must survive a write + read round trip unchanged; what it refuses gets one line. */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same(const struct oci_runstate *a, const struct oci_runstate *b)
{
    return same_str(a->id, b->id) && a->pid == b->pid && a->start_time == b->start_time &&
           same_str(a->bundle, b->bundle) && same_str(a->rootfs, b->rootfs) && same_str(a->created, b->created) &&
           same_str(a->cgroup, b->cgroup) && a->systemd == b->systemd && a->rootless == b->rootless &&
           a->no_new_keyring == b->no_new_keyring;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the reader takes a C string (read_file NUL-terminates) */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct tr_err err = { 0 };
    struct oci_runstate *s = oci_runstate_parse(text, "state.json", &err);
    free(text);
    if (!s) {
        if (strncmp(err.msg, "state.json: ", 12) != 0 || strchr(err.msg, '\n')) {
            fprintf(stderr, "bad message: %s\n", err.msg);
            abort();
        }
        return 0;
    }
    char *json = oci_runstate_to_json(s);
    struct oci_runstate *back = json ? oci_runstate_parse(json, "state.json", &err) : NULL;
    if (!back || !same(s, back)) {
        fprintf(stderr, "round trip changed the state: %s\n", json ? json : "(no json)");
        abort();
    }
    oci_runstate_free(back);
    oci_runstate_free(s);
    free(json);
    return 0;
}
