/* tinyrun spec [--bundle DIR] [--rootless]: write a starter config.json. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "util.h"

static const char usage[] =
    "NAME:\n   tinyrun spec - create a new specification file\n\n"
    "USAGE:\n   tinyrun spec [command options]\n\n"
    "DESCRIPTION:\n   The spec command creates the new specification file named \"config.json\" for\n"
    "the bundle (the same starter file as \"runc spec\"). It runs \"sh\" in a rootfs\n"
    "directory named \"rootfs\"; edit process.args to run something else:\n\n"
    "    mkdir -p bundle/rootfs && cd bundle\n"
    "    tar -C rootfs -xf image.tar\n"
    "    tinyrun spec\n"
    "    sed -i 's;\"sh\";\"/hello\";' config.json\n"
    "    tinyrun run container1\n\n"
    "With --rootless the spec maps your uid and gid to root in a new user namespace,\n"
    "so that an unprivileged user can run it. It is not needed when tinyrun runs as\n"
    "root in a user namespace created by an unprivileged user.\n\n"
    "OPTIONS:\n";

struct spec_opts { const char *bundle; bool rootless; };
static const struct cli_flag flags[] = {
    CLI_STRING_F("bundle", 'b', struct spec_opts, bundle, "path to the root of the bundle directory"),
    CLI_BOOL_F("rootless", 0, struct spec_opts, rootless,
               "generate a configuration for a rootless container"),
    CLI_FLAGS_END,
};

static int write_spec(const char *bundle, bool rootless, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/config.json", bundle ? bundle : ".");
    const char *shown = bundle ? path : "config.json";
    _cleanup_free_ char *json = oci_default_config_json(rootless, geteuid(), getegid());
    if (!json)
        return tr_failx(err, "could not generate the default config.json");
    /* O_EXCL: an existing config.json is never overwritten, even in a race. */
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno == EEXIST)
        return tr_failx(err, "File %s exists. Remove it first", shown);
    if (fd < 0)
        return tr_fail(err, errno, "create %s", shown);
    if (write_all(fd, json, strlen(json)) < 0) {
        int e = errno;
        unlink(path);
        return tr_fail(err, e, "write %s", shown);
    }
    return 0;
}

static int run_spec(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    const struct spec_opts *o = opts;
    return write_spec(o->bundle, o->rootless, err);
}

const struct cli_verb cli_verb_spec = {
    .name = "spec", .summary = "create a new specification file",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 0, .max_args = 0, .what_missing = "",
    .usage_line = "tinyrun spec [--bundle DIR] [--rootless]",
    .opts_size = sizeof(struct spec_opts), .run = run_spec,
};
