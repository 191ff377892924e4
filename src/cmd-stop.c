/* tinyrun stop [-t SECONDS] <container-id>: SIGTERM, SIGKILL after the grace period, stop
 * the container's slirp4netns (rootless --net isolated), then delete when the container was
 * started with --rm. */
#include "config.h"
#include <signal.h>
#include <string.h>
#include <time.h>
#include "cli.h"
#include "quick/quick.h"
#include "util.h"

#define STOP_POLL_NS (50 * 1000 * 1000)
#define KILL_WAIT_SEC 10

static const char usage[] =
    "NAME:\n   tinyrun stop - stop a container: SIGTERM, then SIGKILL after a grace period\n\n"
    "USAGE:\n   tinyrun stop [command options] <container-id>\n\n"
    "DESCRIPTION:\n   stop sends SIGTERM to the container's init and waits for it to exit; after\n"
    "--time seconds it sends SIGKILL (to every process of the container). A quick-mode\n"
    "container started with --rm is then deleted; others stay (stopped) until `delete`.\n"
    "The slirp4netns of a rootless --net isolated container is stopped with it.\n\n"
    "OPTIONS:\n";

struct stop_opts { int time; };
static const struct cli_flag flags[] = {
    CLI_INT_F("time", 't', struct stop_opts, time, "seconds to wait for the container to exit before SIGKILL (default: 10)"),
    CLI_FLAGS_END,
};

/* Wait up to sec seconds for the container to stop: 1 stopped, 0 not yet, -1 error. */
static int wait_stopped(const struct tr_ctx *ctx, const char *id, int sec, struct tr_err *err)
{
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct tr_container_info info;
        if (tr_container_info(ctx, id, NULL, &info, err) < 0)
            return strstr(err->msg, "does not exist") ? 1 : -1;   /* deleted: --rm's logger */
        bool stopped = info.stopped;
        tr_container_info_free(&info);
        if (stopped)
            return 1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000000000L + (now.tv_nsec - t0.tv_nsec) >= sec * 1000000000L)
            return 0;
        nanosleep(&(struct timespec){ 0, STOP_POLL_NS }, NULL);
    }
}

static int run_stop(const struct tr_ctx *ctx, void *opts, char **args, size_t nargs,
                    struct tr_err *err)
{
    const struct stop_opts *o = opts;
    const char *id = args[0];
    struct tr_container_info info;
    if (tr_container_info(ctx, id, QUICK_ANN_RM, &info, err) < 0)
        return -1;
    bool rm = info.annotation && streq(info.annotation, "true"), stopped = info.stopped;
    tr_container_info_free(&info);
    int r = stopped ? 1 : 0;
    if (!stopped && tr_kill(ctx, id, SIGTERM, false, err) == 0)
        r = wait_stopped(ctx, id, o->time, err);
    else if (!stopped)
        r = -1;
    if (r == 0 && tr_kill(ctx, id, SIGKILL, true, err) == 0) {
        r = wait_stopped(ctx, id, KILL_WAIT_SEC, err);
        if (r == 0)
            return tr_failx(err, "container %s: still running %d s after SIGKILL; is it frozen "
                            "(tinyrun resume)?", id, KILL_WAIT_SEC);
    }
    if (r < 0)
        return -1;
    /* rootless --net isolated: a stopped container's slirp4netns (and its host ports) goes
     * now, not at delete; its poststop then finds nothing left to stop */
    _cleanup_free_ char *dir = xasprintf("%s/%s", tr_state_root(ctx), id);
    if (quick_slirp_del(dir, err) < 0)
        return -1;
    /* a detached --rm container's logger may have deleted it first */
    if (rm && tr_delete(ctx, id, false, err) < 0 && !strstr(err->msg, "does not exist"))
        return -1;
    return 0;
}

static const struct stop_opts defaults = { .time = 10 };

const struct cli_verb cli_verb_stop = {
    .name = "stop", .summary = "stop a container (SIGTERM, then SIGKILL after a grace period)",
    .help_head = usage, .flags = flags, .mode = CLI_PERMUTE,
    .min_args = 1, .max_args = 1, .what_missing = "container ID",
    .usage_line = "tinyrun stop [-t SECONDS] <container-id>",
    .opts_size = sizeof(struct stop_opts), .defaults = &defaults, .run = run_stop,
};
