/* The floor of a container start, for bench/run.sh: what any runtime must do at the least.
 *   floor ROOTFS CGROUP_PARENT PROG [ARG...]
 * clone with 5 namespaces (mount, pid, uts, ipc, net), a cgroup made under CGROUP_PARENT and
 * joined, the rootfs bind-mounted, /proc and a tmpfs /dev, pivot_root, execve; then wait and
 * remove the cgroup. No spec, no state, no checks: a number to compare the runtimes with. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	_exit(127);
}

static void child(int ready, const char *rootfs, char **argv)
{
	char c;
	if (read(ready, &c, 1) != 1)   /* in the cgroup before anything runs, as a runtime does */
		die("wait for the cgroup");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0)
		die("bind the rootfs");
	if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		die("mount /proc");
	if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=755") < 0)
		die("mount /dev");
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die("pivot_root");
	execv(argv[0], argv);
	die("execv");
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: floor ROOTFS CGROUP_PARENT PROG [ARG...]\n");
		return 2;
	}
	char cg[4096], pid_s[32];
	snprintf(cg, sizeof cg, "%s/floor-%d", argv[2], (int) getpid());
	if (mkdirat(AT_FDCWD, cg, 0755) < 0)
		die("mkdir the cgroup");
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	pid_t pid = (pid_t) syscall(SYS_clone, CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC |
	                            CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		die("clone");
	if (pid == 0)
		child(p[0], argv[1], argv + 3);
	int n = snprintf(pid_s, sizeof pid_s, "%d", (int) pid), st = 0;
	int fd = openat(AT_FDCWD, cg, O_RDONLY | O_DIRECTORY);
	int procs = fd < 0 ? -1 : openat(fd, "cgroup.procs", O_WRONLY);
	if (procs < 0 || write(procs, pid_s, (size_t) n) != n)
		perror("join the cgroup");
	if (write(p[1], "", 1) != 1)
		die("release the child");
	waitpid(pid, &st, 0);
	rmdir(cg);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
