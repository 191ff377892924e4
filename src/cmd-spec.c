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
    "OPTIONS:\n"
    "   --bundle value, -b value  path to the root of the bundle directory\n"
    "   --rootless                generate a configuration for a rootless container\n";

enum { OPT_BUNDLE = 1, OPT_ROOTLESS };
static const struct cli_opt opts[] = {
    { "bundle", 'b', CLI_VALUE, OPT_BUNDLE },
    { "rootless", 0, CLI_BOOL, OPT_ROOTLESS },
    CLI_OPT_HELP,
    CLI_OPT_END,
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

int cmd_spec(int argc, char **argv, const struct tr_ctx *ctx, struct tr_err *err)
{
    const char *bundle = NULL;
    bool rootless = false;
    struct cli_parser p;
    const char *val;
    int id, rc = CMD_USAGE;

    cli_init(&p, argc, argv, opts, CLI_PERMUTE);
    while ((id = cli_next(&p, &val, err)) >= 0) {
        if (id == CLI_HELP) {
            rc = cli_help(usage);
            goto out;
        }
        if (id == OPT_BUNDLE)
            bundle = val;
        else if (id == OPT_ROOTLESS)
            rootless = p.bool_val;
    }
    if (id == CLI_ERROR ||
        cli_check_args(&p, 0, 0, "", "tinyrun spec [--bundle DIR] [--rootless]", err) < 0)
        goto out;
    rc = write_spec(bundle, rootless, err);
out:
    cli_parser_free(&p);
    return rc;
}
