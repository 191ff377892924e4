/* See logfile.h. Rotation is rename + reopen by the one writer; a follower notices it by the
 * inode of quick.log changing, drains the old file and goes on with the new one. */
#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "logfile.h"
#include "util.h"

#define FOLLOW_POLL_NS (100 * 1000 * 1000)

static int open_log(int dirfd, struct tr_err *err)
{
    int fd = openat(dirfd, LOGFILE_NAME, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        tr_fail(err, errno, "open %s", LOGFILE_NAME);
    return fd;
}

/* quick.log -> quick.log.1 and a new empty quick.log, each step an atomic rename, so that a
 * reader always finds both names. The new file's fd, or -1 with err. */
static int rotate(int dirfd, struct tr_err *err)
{
    static const char old_tmp[] = LOGFILE_OLD ".tmp", new_tmp[] = LOGFILE_NAME ".new";
    unlinkat(dirfd, old_tmp, 0);
    if (linkat(dirfd, LOGFILE_NAME, dirfd, old_tmp, 0) < 0 ||
        renameat(dirfd, old_tmp, dirfd, LOGFILE_OLD) < 0)
        return tr_fail(err, errno, "rotate %s", LOGFILE_NAME);
    int fd = openat(dirfd, new_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0 || renameat(dirfd, new_tmp, dirfd, LOGFILE_NAME) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return tr_fail(err, e, "rotate %s: new file", LOGFILE_NAME);
    }
    return fd;
}

int logfile_write_from(int dirfd, int in, long long max_size, struct tr_err *err)
{
    static char buf[65536];
    struct stat st;
    int fd = open_log(dirfd, err);
    if (fd < 0)
        return -1;
    long long size = fstat(fd, &st) == 0 ? st.st_size : 0;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (const char *p = buf; n > 0;) {
            if (size >= max_size) {
                close(fd);
                if ((fd = rotate(dirfd, err)) < 0)
                    return -1;
                size = 0;
            }
            size_t k = (size_t) n < (size_t) (max_size - size) ? (size_t) n : (size_t) (max_size - size);
            if (write_all(fd, p, k) < 0) {
                close(fd);
                return tr_fail(err, errno, "write %s", LOGFILE_NAME);
            }
            size += (long long) k, p += k, n -= (ssize_t) k;
        }
    }
    close(fd);
    return 0;
}

/* Old and current log concatenated (malloc'd), *len its size, *cur_len the current one's. */
static char *read_both(int dirfd, size_t *len, size_t *cur_len, struct tr_err *err)
{
    size_t l1 = 0, l2 = 0;
    struct tr_err e;
    _cleanup_free_ char *a = read_file_at(dirfd, LOGFILE_OLD, &l1, &e);
    char *b = read_file_at(dirfd, LOGFILE_NAME, &l2, err);
    if (!b)
        return NULL;
    char *all = xmalloc(l1 + l2 + 1);
    memcpy(all, a ? a : "", a ? l1 : 0);
    memcpy(all + (a ? l1 : 0), b, l2);
    *len = (a ? l1 : 0) + l2;
    *cur_len = l2;
    free(b);
    return all;
}

/* The offset of the last tail lines of buf (a final line without "\n" counts). */
static size_t tail_start(const char *buf, size_t len, long tail)
{
    size_t i = len;
    if (tail < 0)
        return 0;
    if (i > 0 && buf[i - 1] == '\n')
        i--;
    for (long lines = 0; i > 0; i--)
        if (buf[i - 1] == '\n' && ++lines == tail)
            return i;
    return tail == 0 ? len : 0;
}

static bool writer_gone(int dirfd)
{
    _cleanup_close_ int fd = openat(dirfd, LOGFILE_LOCK, O_RDONLY | O_CLOEXEC);
    return fd < 0 || flock(fd, LOCK_SH | LOCK_NB) == 0;
}

static int copy_rest(int from, int out)
{
    char buf[65536];
    ssize_t n;
    while ((n = read(from, buf, sizeof buf)) > 0)
        if (write_all(out, buf, (size_t) n) < 0)
            return -1;
    return 0;
}

static int follow(int dirfd, int out, size_t printed_of_current, struct tr_err *err)
{
    _cleanup_close_ int fd = openat(dirfd, LOGFILE_NAME, O_RDONLY | O_CLOEXEC);
    struct stat cur, now;
    if (fd < 0 || fstat(fd, &cur) < 0)
        return tr_fail(err, errno, "open %s", LOGFILE_NAME);
    if (lseek(fd, (off_t) printed_of_current, SEEK_SET) < 0)
        return tr_fail(err, errno, "seek %s", LOGFILE_NAME);
    for (;;) {
        bool gone = writer_gone(dirfd);     /* checked before the last read: nothing is lost */
        if (copy_rest(fd, out) < 0)
            return tr_fail(err, errno, "write the log");
        if (fstatat(dirfd, LOGFILE_NAME, &now, 0) == 0 && now.st_ino != cur.st_ino) {
            int nfd = openat(dirfd, LOGFILE_NAME, O_RDONLY | O_CLOEXEC);
            if (nfd >= 0) {
                close(fd);
                fd = nfd;
                fstat(fd, &cur);
                continue;
            }
        }
        if (gone)
            return 0;
        nanosleep(&(struct timespec){ 0, FOLLOW_POLL_NS }, NULL);
    }
}

int logfile_print(int dirfd, int out, long tail, bool follow_it, struct tr_err *err)
{
    size_t len, cur_len = 0;
    _cleanup_free_ char *all = read_both(dirfd, &len, &cur_len, err);
    if (!all)
        return -1;
    size_t from = tail_start(all, len, tail);
    if (write_all(out, all + from, len - from) < 0)
        return tr_fail(err, errno, "write the log");
    /* what read_both saw of quick.log is its last cur_len bytes; follow from there */
    return follow_it ? follow(dirfd, out, cur_len, err) : 0;
}
