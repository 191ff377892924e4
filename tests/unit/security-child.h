/* Shared by the security unit tests: run a function in a forked child and collect what it
 * wrote to a pipe plus its wait status (filters and capability changes must not touch the test
 * process itself). */
#ifndef TINYRUN_SECURITY_CHILD_H
#define TINYRUN_SECURITY_CHILD_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* tap.h's is_str declares its result as _c and hands it to ok(), which declares its own _c
 * from it: the comparison is lost. A correct version until tap.h is fixed. */
#undef is_str
#define is_str(got, want, ...) do { const char *_g = (got), *_w = (want); \
    int _same = (_g && _w) ? strcmp(_g, _w) == 0 : _g == _w; ok(_same, __VA_ARGS__); \
    if (!_same) printf("#   got:  '%s'\n#   want: '%s'\n", _g ? _g : "(null)", _w ? _w : "(null)"); } while (0)

typedef void (*child_fn)(const void *arg, int out);

/* Fills buf (NUL-terminated) with the child's output; returns the wait status. */
__attribute__((unused)) static int run_child(child_fn fn, const void *arg, char *buf, size_t len)
{
    int p[2];
    buf[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(p[0]);
        fn(arg, p[1]);
        _exit(0);
    }
    close(p[1]);
    size_t got = 0;
    for (;;) {
        ssize_t n = read(p[0], buf + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t) n;
        if (got == len - 1)
            break;
    }
    buf[got] = '\0';
    close(p[0]);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return st;
}

/* printf to the pipe with only write(2) underneath (no stdio buffers to flush at _exit). */
__attribute__((format(printf, 2, 3), unused)) static void out_printf(int fd, const char *fmt, ...)
{
    char b[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    if (n > 0)
        (void) !write(fd, b, (size_t) n < sizeof b ? (size_t) n : sizeof b - 1);
}

#endif
