/* The log file of a detached quick-mode container: <state dir>/quick.log, rotated to
 * quick.log.1 when it reaches its size limit (so both together never exceed twice the limit).
 * One writer (the logger process, holding an flock on quick.log.lock while it runs), any
 * number of readers (`tinyrun logs`). */
#ifndef TINYRUN_LOGFILE_H
#define TINYRUN_LOGFILE_H
#include <stdbool.h>
#include "error.h"

#define LOGFILE_NAME "quick.log"
#define LOGFILE_OLD "quick.log.1"
#define LOGFILE_LOCK "quick.log.lock"

/* Copy everything read from in into the log of dirfd until end of file. 0, or -1 with err. */
int logfile_write_from(int dirfd, int in, long long max_size, struct tr_err *err);
/* Write the log of dirfd to out: the last tail lines (tail < 0: all); with follow, keep
 * writing what is appended (across rotations) until the writer is gone. */
int logfile_print(int dirfd, int out, long tail, bool follow, struct tr_err *err);

#endif
