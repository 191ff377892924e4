/* libFuzzer target: config.json parser + validator, and the two other documents that share the
 * parser (exec --process FILE, update --resources FILE). Any crash, sanitizer report or leak is
 * a bug; a refusal must be one "config.json: ..." line. Built by `make fuzz` (tests/fuzz/local.am). */
#include <config.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct tr_err *err, const char *origin)
{
    /* every refusal names its document first and stays on one line */
    if (strncmp(err->msg, origin, strlen(origin)) != 0 || strchr(err->msg, '\n')) {
        fprintf(stderr, "bad message: %s\n", err->msg);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *) data;
    struct tr_err err = { 0 };
    struct oci_spec *s = oci_parse(text, size, "config.json", &err);
    if (s) {
        if (oci_validate(s, "config.json", &err) < 0)
            check_message(&err, "config.json");
        oci_free(s);
    } else {
        check_message(&err, "config.json");
    }
    struct oci_process *p = oci_parse_process(text, size, "process.json", &err);
    if (p) {
        oci_validate_process(p, "process.json", &err);
        oci_process_free(p);
    } else {
        check_message(&err, "process.json");
    }
    struct oci_resources *r = oci_parse_resources(text, size, "resources.json", &err);
    if (r)
        oci_resources_free(r);
    else
        check_message(&err, "resources.json");
    return 0;
}
