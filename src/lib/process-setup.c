#include "config.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include "log.h"
#include "process-setup.h"
#include "security.h"
#include "util.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(const struct oci_process *p, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < p->env_len; i++)
        if (strncmp(p->env[i], key, kl) == 0 && p->env[i][kl] == '=')
            return p->env[i] + kl + 1;
    return NULL;
}

static bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *proc_find_executable(const struct oci_process *p, struct tr_err *err)
{
    const char *name = p->args[0], *path = env_get(p, "PATH");
    if (strchr(name, '/')) {
        if (is_executable(name))
            return xstrdup(name);
        tr_fail(err, access(name, F_OK) == 0 ? EACCES : ENOENT,
                "process.args[0]: cannot execute \"%s\" inside the container", name);
        return NULL;
    }
    if (!path)
        path = DEFAULT_PATH;
    for (const char *s = path; ; ) {
        const char *e = strchrnul(s, ':');
        _cleanup_free_ char *cand = e == s ? xasprintf("./%s", name) : xasprintf("%.*s/%s", (int) (e - s), s, name);
        if (is_executable(cand))
            return steal_ptr(&cand);
        if (!*e)
            break;
        s = e + 1;
    }
    tr_failx(err, "process.args[0]: executable \"%s\" not found in $PATH (%s) inside the container", name, path);
    err->code = ENOENT;
    return NULL;
}

static const struct { const char *name; int res; } rlimit_names[] = {
    { "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE }, { "RLIMIT_CPU", RLIMIT_CPU },
    { "RLIMIT_DATA", RLIMIT_DATA }, { "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
    { "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
    { "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE }, { "RLIMIT_NPROC", RLIMIT_NPROC },
    { "RLIMIT_RSS", RLIMIT_RSS }, { "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
    { "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

int proc_apply_rlimits(const struct oci_process *p, struct tr_err *err)
{
    for (size_t i = 0; i < p->rlimits_len; i++) {
        const struct oci_rlimit *r = &p->rlimits[i];
        struct rlimit rl = { .rlim_cur = r->soft, .rlim_max = r->hard };
        int res = -1;
        for (size_t j = 0; j < ARRAY_SIZE(rlimit_names); j++)
            if (streq(rlimit_names[j].name, r->type))
                res = rlimit_names[j].res;
        if (res < 0)
            return tr_failx(err, "process.rlimits[%zu].type: unknown rlimit \"%s\"", i, r->type);
        if (setrlimit(res, &rl) < 0) {
            tr_fail(err, errno, "process.rlimits[%zu]: setrlimit %s soft=%llu hard=%llu", i, r->type,
                    (unsigned long long) r->soft, (unsigned long long) r->hard);
            if (err->code == EPERM)
                tr_hint(err, "raising a hard limit needs CAP_SYS_RESOURCE, which the runtime lacks");
            return -1;
        }
    }
    return 0;
}

static int switch_user(const struct proc_ctx *pc, struct tr_err *err)
{
    const struct oci_user *u = &pc->proc->user;
    if (setgroups(u->additional_gids_len, (const gid_t *) u->additional_gids) < 0) {
        /* In a user namespace with setgroups denied, only an empty list is acceptable. */
        if (!(errno == EPERM && u->additional_gids_len == 0))
            return tr_fail(err, errno, "process.user.additionalGids: setgroups");
    }
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        return tr_fail(err, errno, "process.user.gid: setgid %u (is it mapped in the user namespace?)", u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        return tr_fail(err, errno, "process.user.uid: setuid %u (is it mapped in the user namespace?)", u->uid);
    return 0;
}

/* As runc: first while still privileged, so that a cwd only root can enter (/root, 0700)
 * works for any process.user; refused with EACCES or EPERM, it is tried again as the user
 * (a directory the user may enter and the runtime may not, e.g. a rootless volume). Sets
 * *again when the second try is still to do. */
static int chdir_privileged(const struct oci_process *p, bool *again, struct tr_err *err)
{
    *again = false;
    if (chdir(p->cwd) == 0)
        return 0;
    if (errno == EACCES || errno == EPERM) {
        *again = true;
        return 0;
    }
    return tr_fail(err, errno, "process.cwd: chdir %s", p->cwd);
}

int proc_drop_privileges(const struct proc_ctx *pc, struct tr_err *err)
{
    const struct oci_process *p = pc->proc;
    bool nnp = p->no_new_privileges, chdir_again;
    if (chdir_privileged(p, &chdir_again, err) < 0)
        return -1;
    if (caps_keep_on_setuid(err) < 0 || switch_user(pc, err) < 0)
        return -1;
    if (chdir_again && chdir(p->cwd) < 0)
        return tr_fail(err, errno, "process.cwd: chdir %s as uid %u", p->cwd, p->user.uid);
    if (caps_apply(pc->caps, err) < 0)
        return tr_prefix(err, "process.capabilities");
    if (nnp && no_new_privs_apply(err) < 0)
        return tr_prefix(err, "process.noNewPrivileges");
    return 0;
}

bool proc_seccomp_after_nnp(const struct oci_process *p)
{
    return p->no_new_privileges;
}

int proc_finish(const struct proc_ctx *pc, struct tr_err *err)
{
    umask(pc->proc->user.has_umask ? pc->proc->user.umask : 022);
    return cloexec_fds_from(3 + pc->preserve_fds, err);
}

void proc_execve(const char *path, const struct oci_process *p)
{
    char **env = xzalloc((p->env_len + 1) * sizeof *env);
    char **argv = xzalloc((p->args_len + 1) * sizeof *argv);
    char msg[600];
    for (size_t i = 0; i < p->env_len; i++)
        env[i] = p->env[i];
    for (size_t i = 0; i < p->args_len; i++)
        argv[i] = p->args[i];
    execve(path, argv, env);
    snprintf(msg, sizeof msg, "tinyrun: exec %s: %s\n", path, strerror(errno));
    (void) !write(STDERR_FILENO, msg, strlen(msg));
    _exit(127);
}
