#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include "util.h"

void strvfreep(char ***v)
{
    if (*v) {
        for (char **p = *v; *p; p++)
            free(*p);
        free(*v);
    }
}

static void oom(void)
{
    static const char m[] = "tinyrun: out of memory\n";
    (void) !write(2, m, sizeof m - 1);
    abort();
}

void *xmalloc(size_t n) { void *p = malloc(n ? n : 1); if (!p) oom(); return p; }
void *xzalloc(size_t n) { void *p = calloc(1, n ? n : 1); if (!p) oom(); return p; }
void *xrealloc(void *p, size_t n) { p = realloc(p, n ? n : 1); if (!p) oom(); return p; }
char *xstrdup(const char *s) { char *p = strdup(s); if (!p) oom(); return p; }

char *xasprintf(const char *fmt, ...)
{
    char *s;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    va_end(ap);
    return s;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t) n;
    }
    return (ssize_t) done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = read(fd, p + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (n == 0)
            break;
        done += (size_t) n;
    }
    return (ssize_t) done;
}

#define READ_FILE_MAX (64 << 20)

/* Every caller reads a small regular file (config, state, /proc, cgroup files). A FIFO would
 * block open and read forever, a device never end: refuse them before the first read. */
static int check_regular(int fd, const char *path, struct tr_err *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return tr_fail(err, errno, "fstat %s", path);
    if (S_ISREG(st.st_mode))
        return 0;
    const char *what = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a directory"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket" : "special";
    return tr_failx(err, "%s: is %s, not a regular file; give a regular file", path, what);
}

/* /proc and /sys files are the kernel's (never a FIFO or a device): no fstat for the many
 * cgroup and proc reads of a start; what a user names (config.json, --process...) is checked. */
static bool kernel_file(int dirfd, const char *path)
{
    return dirfd == AT_FDCWD && (!strncmp(path, "/proc/", 6) || !strncmp(path, "/sys/", 5));
}

char *read_fd_all(int fd, const char *name, size_t *len, struct tr_err *err)
{
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        ssize_t r;
        if (n + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            tr_fail(err, errno, "read %s", name);
            free(buf);
            return NULL;
        }
        if (r == 0)
            break;
        n += (size_t) r;
        if (n > READ_FILE_MAX) { /* a sparse 100 GB file must not eat the memory */
            free(buf);
            tr_failx(err, "%s: larger than %d MiB, more than any file tinyrun reads", name, READ_FILE_MAX >> 20);
            return NULL;
        }
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

char *read_file_at(int dirfd, const char *path, size_t *len, struct tr_err *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        tr_fail(err, errno, "open %s", path);
        return NULL;
    }
    if (!kernel_file(dirfd, path) && check_regular(fd, path, err) < 0)
        return NULL;
    return read_fd_all(fd, path, len, err);
}

char *read_file(const char *path, size_t *len, struct tr_err *err)
{
    return read_file_at(AT_FDCWD, path, len, err);
}

static int write_file_mode_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                              struct tr_err *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return tr_fail(err, errno, "open %s", path);
    if (write_all(fd, data, len) < 0)
        return tr_fail(err, errno, "write %s", path);
    return 0;
}

int write_file_at(int dirfd, const char *path, const void *data, size_t len, struct tr_err *err)
{
    return write_file_mode_at(dirfd, path, data, len, 0644, err);
}

int write_file(const char *path, const void *data, size_t len, mode_t mode, struct tr_err *err)
{
    return write_file_mode_at(AT_FDCWD, path, data, len, mode, err);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, struct tr_err *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.tmp.%d", path, (int) getpid());
    if (write_file(tmp, data, len, mode, err) < 0)
        return -1;
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return tr_fail(err, e, "rename %s to %s", tmp, path);
    }
    return 0;
}

int mkdir_p(const char *path, mode_t mode, struct tr_err *err)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST)
                return tr_fail(err, errno, "mkdir %s", p);
            *s = c;
            if (c == '\0')
                break;
        }
    }
    return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;
    if (!s || !*s || *s == '-')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int parse_int(const char *s, int *out)
{
    char *end;
    long v;
    if (!s || !*s)
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int) v;
    return 0;
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int cloexec_fds_from(int from, struct tr_err *err)
{
    if (syscall(SYS_close_range, (unsigned) from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return 0;
    /* Kernels before 5.11 (no CLOSE_RANGE_CLOEXEC): every fd number up to 65536. */
    for (int fd = from; fd < 65536; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && !(fl & FD_CLOEXEC) && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
            return tr_fail(err, errno, "fcntl(%d, F_SETFD, FD_CLOEXEC)", fd);
    }
    return 0;
}

/* The proleptic Gregorian date of a day count since 1970-01-01 (the eras-of-400-years method):
 * glibc's gmtime_r reads /etc/localtime (tzset) even for UTC, 7 syscalls per create. */
static void civil_from_days(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned) (z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int) (doy - (153 * mp + 2) / 5 + 1);
    *m = (int) (mp < 10 ? mp + 3 : mp - 9);
    *y = (int) (yoe + era * 400 + (*m <= 2));
}

void rfc3339_format(const struct timespec *ts, char *buf, size_t len)
{
    long long days = ts->tv_sec / 86400, secs = ts->tv_sec % 86400;
    int y, m, d;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", y, m, d, (int) (secs / 3600),
             (int) (secs / 60 % 60), (int) (secs % 60), ts->tv_nsec);
}

void rfc3339_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rfc3339_format(&ts, buf, len);
}
