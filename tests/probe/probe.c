/* probe: a tiny static program copied into every integration-test rootfs as /probe.
 * Each subcommand prints facts about the process as `key=value` lines so that the bats suites
 * can assert on exactly what the container sees. Errors are printed as errno names (EROFS...)
 * because that is what a test wants to compare against.
 *
 *   probe ids | caps | rlimits | ns | hostname | mounts | seccomp | fds | cwd | oom-score-adj
 *   probe write PATH | open PATH | mkdir PATH | stat PATH | sysctl KEY | sleep N | exit N | signal-wait
 *   probe clocks | mempolicy | affinity | sched | keyring
 *   probe pidfd-recv SOCKET SIGNAL   (on the host: a --pidfd-socket receiver)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case EEXIST: return "EEXIST";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case EBUSY: return "EBUSY";
	case ENODEV: return "ENODEV";
	case ENXIO: return "ENXIO";
	case EIO: return "EIO";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	case EBADF: return "EBADF";
	case EMFILE: return "EMFILE";
	case EFBIG: return "EFBIG";
	case EDQUOT: return "EDQUOT";
	default: return "EUNKNOWN";
	}
}

/* Print the lines of FILE that start with one of the PREFIXES, as `Key=value`. */
static int print_status_lines(const char *file, const char *const *prefixes)
{
	FILE *f = fopen(file, "re");
	char line[4096];

	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while (fgets(line, sizeof line, f)) {
		for (const char *const *p = prefixes; *p; p++) {
			size_t n = strlen(*p);
			if (strncmp(line, *p, n) == 0 && line[n] == ':') {
				char *v = line + n + 1;
				v += strspn(v, " \t");
				v[strcspn(v, "\n")] = '\0';
				printf("%s=%s\n", *p, v);
			}
		}
	}
	fclose(f);
	return 0;
}

static int cat_file(const char *file)
{
	FILE *f = fopen(file, "re");
	char buf[4096];
	size_t n;

	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int cmd_ids(void)
{
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	mode_t um = umask(0);

	umask(um);
	printf("uid=%u\ngid=%u\neuid=%u\negid=%u\ngroups=", getuid(), getgid(), geteuid(), getegid());
	for (int i = 0; i < n; i++)
		printf("%s%u", i ? "," : "", groups[i]);
	printf("\numask=%04o\n", um);
	return 0;
}

static int cmd_caps(void)
{
	static const char *const keys[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", NULL };
	return print_status_lines("/proc/self/status", keys);
}

static int cmd_seccomp(void)
{
	static const char *const keys[] = { "Seccomp", "Seccomp_filters", "NoNewPrivs", NULL };
	return print_status_lines("/proc/self/status", keys);
}

static void print_limit(rlim_t v)
{
	if (v == RLIM_INFINITY)
		printf("unlimited");
	else
		printf("%llu", (unsigned long long)v);
}

static int cmd_rlimits(void)
{
	static const struct { const char *name; int res; } lim[] = {
		{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
		{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
		{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
		{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
		{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
		{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
		{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
		{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
	};
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
		struct rlimit r;
		if (getrlimit(lim[i].res, &r) < 0)
			continue;
		/* e.g. RLIMIT_NOFILE=1024:4096 (soft:hard) */
		printf("%s=", lim[i].name);
		print_limit(r.rlim_cur);
		putchar(':');
		print_limit(r.rlim_max);
		putchar('\n');
	}
	return 0;
}

static int cmd_ns(void)
{
	static const char *const names[] = { "cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts", NULL };
	for (const char *const *n = names; *n; n++) {
		char path[64];
		struct stat st;
		snprintf(path, sizeof path, "/proc/self/ns/%s", *n);
		if (stat(path, &st) == 0)
			printf("%s=%lu\n", *n, (unsigned long)st.st_ino);
	}
	return 0;
}

static int cmd_hostname(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return 1;
	printf("hostname=%s\ndomainname=%s\n", u.nodename, u.domainname);
	return 0;
}

static int cmd_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		char path[PATH_MAX], target[PATH_MAX];
		ssize_t n;
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d))
			continue;
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		n = readlink(path, target, sizeof target - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		printf("fd%s=%s\n", e->d_name, target);
	}
	closedir(d);
	return 0;
}

static int cmd_cwd(void)
{
	char buf[PATH_MAX];

	if (!getcwd(buf, sizeof buf)) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("cwd=%s\n", buf);
	return 0;
}

/* Create (or truncate) PATH and write a byte: prints `ok` or the errno name. */
static int cmd_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "x", 1) != 1) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

/* Open PATH read-only (a device the cgroup may deny): prints `ok` or the errno name. */
static int cmd_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	close(fd);
	printf("ok\n");
	return 0;
}

static int cmd_mkdir(const char *path)
{
	if (mkdir(path, 0755) < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	printf("ok\n");
	return 0;
}

static const char *file_type(mode_t m)
{
	if (S_ISREG(m)) return "file";
	if (S_ISDIR(m)) return "dir";
	if (S_ISLNK(m)) return "symlink";
	if (S_ISCHR(m)) return "char";
	if (S_ISBLK(m)) return "block";
	if (S_ISFIFO(m)) return "fifo";
	if (S_ISSOCK(m)) return "socket";
	return "unknown";
}

/* lstat, so that symlinks such as /dev/ptmx are reported as such (with their target). */
static int cmd_stat(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("type=%s\nmode=%04o\nmajor=%u\nminor=%u\nuid=%u\ngid=%u\nsize=%lld\n",
	       file_type(st.st_mode), st.st_mode & 07777, major(st.st_rdev), minor(st.st_rdev),
	       st.st_uid, st.st_gid, (long long)st.st_size);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n >= 0) {
			target[n] = '\0';
			printf("target=%s\n", target);
		}
	}
	return 0;
}

/* KEY in dotted form (net.ipv4.ip_forward) or as a path under /proc/sys. */
static int cmd_sysctl(const char *key)
{
	char path[PATH_MAX], buf[4096];
	FILE *f;
	size_t n;

	snprintf(path, sizeof path, "/proc/sys/%s", key);
	for (char *p = path + strlen("/proc/sys/"); *p; p++)
		if (*p == '.')
			*p = '/';
	f = fopen(path, "re");
	if (!f) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("%s=%s\n", key, buf);
	return 0;
}

/* Block every catchable signal, then wait for one and print its number and name. */
static int cmd_signal_wait(void)
{
	sigset_t set;
	int sig;

	sigfillset(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("ready\n");
	fflush(stdout);
	if (sigwait(&set, &sig) != 0)
		return 1;
	printf("signal=%d\nname=SIG%s\n", sig, sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	return 0;
}

/* Seconds of CLOCK_MONOTONIC and CLOCK_BOOTTIME, and the first field of /proc/uptime: all
 * three move with linux.timeOffsets. */
static int cmd_clocks(void)
{
	struct timespec m, b;
	double up = -1;
	FILE *f = fopen("/proc/uptime", "re");

	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = -1;
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_BOOTTIME, &b);
	printf("monotonic=%lld\nboottime=%lld\nuptime=%lld\n", (long long)m.tv_sec, (long long)b.tv_sec,
	       (long long)up);
	return 0;
}

/* get_mempolicy(2): mode (MPOL_* number with its flags split off) and the node mask. */
static int cmd_mempolicy(void)
{
	int mode = -1;
	unsigned long mask[16] = { 0 };

	if (syscall(SYS_get_mempolicy, &mode, mask, sizeof mask * 8, NULL, 0UL) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	/* MPOL_F_STATIC_NODES 1<<15, MPOL_F_RELATIVE_NODES 1<<14, MPOL_F_NUMA_BALANCING 1<<13 */
	printf("mode=%d\nflags=%d\nnodes=0x%lx\n", mode & 0xff, mode & ~0xff, mask[0]);
	return 0;
}

static int cmd_affinity(void)
{
	cpu_set_t set;
	int first = 1;

	if (sched_getaffinity(0, sizeof set, &set) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("cpus=");
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set)) {
			printf("%s%d", first ? "" : ",", i);
			first = 0;
		}
	printf("\n");
	return 0;
}

/* The scheduling policy and priority, the nice value, the I/O priority class and level. */
static int cmd_sched(void)
{
	struct sched_param sp;
	int pol = sched_getscheduler(0);
	long io = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);

	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	sched_getparam(0, &sp);
	printf("policy=%d\npriority=%d\nnice=%d\nioprio_class=%ld\nioprio_level=%ld\n",
	       pol & ~SCHED_RESET_ON_FORK, sp.sched_priority, nice, io < 0 ? -1 : io >> 13,
	       io < 0 ? -1 : io & 0xff);
	return 0;
}

/* KEYCTL_DESCRIBE of the session keyring: "keyring;uid;gid;perm;name". */
static int cmd_keyring(void)
{
	char buf[512];
	long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, -3 /* KEY_SPEC_SESSION_KEYRING */, buf,
			 sizeof buf - 1, 0);

	if (n < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	buf[n < (long)sizeof buf ? n : (long)sizeof buf - 1] = '\0';
	char *name = strrchr(buf, ';');
	printf("keyring=%s\n", name ? name + 1 : buf);
	return 0;
}

/* A --pidfd-socket receiver: listen on SOCKET, take one fd (SCM_RIGHTS), print the Pid: of its
 * fdinfo (a pidfd has one), then pidfd_send_signal(SIGNAL) through it and print the result. */
static int cmd_pidfd_recv(const char *path, int sig)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char data[256], cbuf[CMSG_SPACE(sizeof(int))], line[256], fdinfo[64];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof data };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
	int ls = socket(AF_UNIX, SOCK_STREAM, 0), c, fd = -1;
	FILE *f;

	snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(ls, 1) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	alarm(60);
	if ((c = accept(ls, NULL, NULL)) < 0 || recvmsg(c, &msg, 0) < 0) {
		printf("error=%s\n", errno_name(errno));
		return 1;
	}
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	printf("got_fd=%s\n", fd >= 0 ? "yes" : "no");
	if (fd < 0)
		return 1;
	snprintf(fdinfo, sizeof fdinfo, "/proc/self/fdinfo/%d", fd);
	if ((f = fopen(fdinfo, "re"))) {
		while (fgets(line, sizeof line, f))
			if (!strncmp(line, "Pid:", 4))
				printf("pid=%d\n", atoi(line + 4));
		fclose(f);
	}
	printf("signal=%s\n", syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0 ? "sent" : errno_name(errno));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: probe ids|caps|rlimits|ns|hostname|mounts|seccomp|fds|cwd|"
			"oom-score-adj|write PATH|open PATH|mkdir PATH|stat PATH|sysctl KEY|sleep N|"
			"exit N|signal-wait|clocks|mempolicy|affinity|sched|keyring|pidfd-recv SOCKET SIGNAL\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	const char *arg = argc > 2 ? argv[2] : NULL;
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "ids")) rc = cmd_ids();
	else if (!strcmp(cmd, "caps")) rc = cmd_caps();
	else if (!strcmp(cmd, "rlimits")) rc = cmd_rlimits();
	else if (!strcmp(cmd, "ns")) rc = cmd_ns();
	else if (!strcmp(cmd, "hostname")) rc = cmd_hostname();
	else if (!strcmp(cmd, "mounts")) rc = cat_file("/proc/self/mountinfo");
	else if (!strcmp(cmd, "seccomp")) rc = cmd_seccomp();
	else if (!strcmp(cmd, "fds")) rc = cmd_fds();
	else if (!strcmp(cmd, "cwd")) rc = cmd_cwd();
	else if (!strcmp(cmd, "oom-score-adj")) {
		printf("oom_score_adj=");
		rc = cat_file("/proc/self/oom_score_adj");
	}
	else if (!strcmp(cmd, "write") && arg) rc = cmd_write(arg);
	else if (!strcmp(cmd, "mkdir") && arg) rc = cmd_mkdir(arg);
	else if (!strcmp(cmd, "open") && arg) rc = cmd_open(arg);
	else if (!strcmp(cmd, "stat") && arg) rc = cmd_stat(arg);
	else if (!strcmp(cmd, "sysctl") && arg) rc = cmd_sysctl(arg);
	else if (!strcmp(cmd, "sleep") && arg) rc = sleep((unsigned)atoi(arg)) ? 1 : 0;
	else if (!strcmp(cmd, "exit") && arg) rc = atoi(arg);
	else if (!strcmp(cmd, "signal-wait")) rc = cmd_signal_wait();
	else if (!strcmp(cmd, "clocks")) rc = cmd_clocks();
	else if (!strcmp(cmd, "mempolicy")) rc = cmd_mempolicy();
	else if (!strcmp(cmd, "affinity")) rc = cmd_affinity();
	else if (!strcmp(cmd, "sched")) rc = cmd_sched();
	else if (!strcmp(cmd, "keyring")) rc = cmd_keyring();
	else if (!strcmp(cmd, "pidfd-recv") && arg && argc > 3) rc = cmd_pidfd_recv(arg, atoi(argv[3]));
	else rc = usage();
	fflush(stdout);
	return rc;
}
