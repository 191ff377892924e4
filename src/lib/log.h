/* Logging for the library: warnings and debug lines go to the sink main.c configured
 * (stderr and/or --log file, text or JSON). Errors are NOT logged here: they travel in
 * struct tr_err up to main.c, which prints them once. */
#ifndef TINYRUN_LOG_H
#define TINYRUN_LOG_H
#include <stdbool.h>

enum tr_log_level { TR_LOG_ERROR, TR_LOG_WARN, TR_LOG_INFO, TR_LOG_DEBUG };
enum tr_log_format { TR_LOG_TEXT, TR_LOG_JSON };

/* path NULL = no log file. debug enables TR_LOG_DEBUG. Returns -1 if the file cannot be opened. */
int tr_log_init(const char *path, enum tr_log_format fmt, bool debug);
void tr_log(enum tr_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define tr_warn(...) tr_log(TR_LOG_WARN, __VA_ARGS__)
#define tr_debug(...) tr_log(TR_LOG_DEBUG, __VA_ARGS__)
/* For debug lines that cost syscalls to gather: skip the work when they are not shown. */
bool tr_log_debug_enabled(void);
/* Write an error: one line on stderr ("tinyrun: msg") and, if a log file is set, the same
 * as {"level":"error","msg":...,"time":...}: containerd's shim reports the last such line. */
void tr_log_error_line(const char *msg);
/* The log file fd (or -1), kept open across fork so the container init can log before exec. */
int tr_log_fd(void);
/* In the init child: stop writing to stderr (it is the container's stdio). */
void tr_log_quiet_stderr(void);

#endif
