#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "json-out.h"
#include "log.h"
#include "util.h"

static int log_fd = -1;
static enum tr_log_format log_format = TR_LOG_TEXT;
static bool log_debug;
static bool stderr_quiet;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

int tr_log_init(const char *path, enum tr_log_format fmt, bool debug)
{
    log_format = fmt;
    log_debug = debug;
    if (path && *path) {
        /* CLOEXEC: the init child inherits it by fork and loses it at its execve.
         * NONBLOCK: a FIFO nobody reads fails the open (ENXIO) instead of blocking it, and a
         * full one drops log lines instead of hanging the runtime in write. */
        log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0644);
        if (log_fd < 0)
            return -1;
    }
    return 0;
}

int tr_log_fd(void) { return log_fd; }
void tr_log_quiet_stderr(void) { stderr_quiet = true; }

static void emit(enum tr_log_level lvl, const char *msg)
{
    char line[2048], esc[1600], ts[64];
    int n;
    if (!stderr_quiet && (lvl <= TR_LOG_WARN || log_debug)) {
        n = snprintf(line, sizeof line, "tinyrun: %s%s\n", lvl == TR_LOG_WARN ? "warning: " :
                     lvl == TR_LOG_DEBUG ? "debug: " : lvl == TR_LOG_INFO ? "info: " : "", msg);
        if (n > 0)
            (void) !write(STDERR_FILENO, line, strnlen(line, sizeof line));
    }
    if (log_fd < 0)
        return;
    rfc3339_now(ts, sizeof ts);
    if (log_format == TR_LOG_JSON) {
        json_escape_into(esc, sizeof esc, msg);
        n = snprintf(line, sizeof line, "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
                     level_names[lvl], esc, ts);
    } else {
        n = snprintf(line, sizeof line, "%s %s: %s\n", ts, level_names[lvl], msg);
    }
    if (n > 0)
        (void) !write(log_fd, line, strnlen(line, sizeof line));
}

void tr_log(enum tr_log_level lvl, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (lvl == TR_LOG_DEBUG && !log_debug)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    emit(lvl, msg);
}

bool tr_log_debug_enabled(void)
{
    return log_debug;
}

void tr_log_error_line(const char *msg)
{
    emit(TR_LOG_ERROR, msg);
}
