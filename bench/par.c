/* par: COUNT runs of a command, JOBS at a time, with no shell around each one (a shell per run
 * adds its own start-up, the same to every runtime, and shrinks the difference between them).
 * Each run gets PREFIX<n> appended as its last argument (the container id), stdin, stdout
 * and stderr on /dev/null. Prints "<elapsed ns> <failures>": wall time from the first fork to
 * the last exit, and how many runs exited non-zero or by a signal.
 *   par COUNT JOBS PREFIX CMD [ARG...]
 * Built and run by bench/run.sh. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t start(char **argv, int argc, const char *prefix, long n, int null_fd)
{
    char id[256];
    snprintf(id, sizeof id, "%s%ld", prefix, n);
    pid_t pid = fork();
    if (pid == 0) {
        char **args = calloc((size_t) argc + 2, sizeof *args);
        if (!args)
            _exit(127);
        memcpy(args, argv, (size_t) argc * sizeof *args);
        args[argc] = id;
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(null_fd, 2);
        execv(args[0], args);
        _exit(127);
    }
    return pid;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: par COUNT JOBS PREFIX CMD [ARG...]\n");
        return 2;
    }
    long count = atol(argv[1]), jobs = atol(argv[2]), started = 0, running = 0, failures = 0;
    const char *prefix = argv[3];
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    struct timespec t0, t1;
    if (count < 1 || jobs < 1 || null_fd < 0) {
        fprintf(stderr, "par: COUNT and JOBS must be positive, /dev/null must open\n");
        return 2;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (started < count || running > 0) {
        while (started < count && running < jobs) {
            if (start(argv + 4, argc - 4, prefix, ++started, null_fd) < 0) {
                perror("par: fork");
                return 1;
            }
            running++;
        }
        int status;
        if (wait(&status) < 0) {
            perror("par: wait");
            return 1;
        }
        running--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failures++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("%lld %ld\n", (long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec), failures);
    return 0;
}
