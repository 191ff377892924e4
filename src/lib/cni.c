/* See cni.h. Each plugin runs as the CNI spec says: its config on stdin, CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_PATH in the environment, its result or error
 * JSON on stdout, within a timeout. */
#define _GNU_SOURCE
#include "config.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "cni.h"
#include "log.h"
#include "util.h"
#include "cni-json.h"

#define PLUGIN_TIMEOUT_MS 30000
#define PLUGIN_OUTPUT_MAX (1 << 20)

static const char default_list[] =
    "{\n"
    "  \"cniVersion\": \"1.0.0\",\n"
    "  \"name\": \"tinyrun\",\n"
    "  \"plugins\": [\n"
    "    {\n"
    "      \"type\": \"bridge\", \"bridge\": \"tinyrun0\", \"isGateway\": true, \"ipMasq\": true,\n"
    "      \"ipam\": { \"type\": \"host-local\", \"ranges\": [[{ \"subnet\": \"10.213.0.0/16\" }]],\n"
    "                \"routes\": [{ \"dst\": \"0.0.0.0/0\" }] }\n"
    "    },\n"
    "    { \"type\": \"portmap\", \"capabilities\": { \"portMappings\": true } },\n"
    "    { \"type\": \"firewall\" }\n"
    "  ]\n"
    "}\n";

const char *tr_cni_conf_dir(const char *dir)
{
    const char *env = getenv("TINYRUN_CNI_CONFIG_DIR");
    return dir && *dir ? dir : env && *env ? env : CNI_DEFAULT_CONF_DIR;
}

static int is_conflist(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 9 && streq(d->d_name + n - 9, ".conflist");
}

/* The path of the first .conflist of dir (malloc'd), NULL when none (err filled on failure). */
static char *first_conflist(const char *dir, struct tr_err *err)
{
    struct dirent **names;
    int n = scandir(dir, &names, is_conflist, alphasort);
    char *path = NULL;
    if (n < 0) {
        if (errno != ENOENT)
            tr_fail(err, errno, "CNI config dir %s", dir);
        return NULL;
    }
    if (n > 0)
        path = xasprintf("%s/%s", dir, names[0]->d_name);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return path;
}

int tr_cni_write_default(const char *dir, struct tr_err *err)
{
    err->msg[0] = '\0';
    _cleanup_free_ char *have = first_conflist(dir, err);
    if (have)
        return 0;
    if (err->msg[0])
        return -1;
    if (mkdir_p(dir, 0755, err) < 0)
        return -1;
    _cleanup_free_ char *path = xasprintf("%s/tinyrun.conflist", dir);
    return write_file_atomic(path, default_list, strlen(default_list), 0644, err) < 0 ? -1 : 1;
}

static char *find_plugin(const char *type, struct tr_err *err)
{
    const char *env = getenv("CNI_PATH");
    _cleanup_free_ char *dirs = xstrdup(env && *env ? env : CNI_DEFAULT_PLUGIN_PATH);
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *p = xasprintf("%s/%s", d, type);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return tr_failx(err, "CNI plugin \"%s\" not found in %s; install containernetworking-plugins "
                    "or set CNI_PATH", type, env && *env ? env : CNI_DEFAULT_PLUGIN_PATH), NULL;
}

/* Read the plugin's stdout until EOF, bounded in time and size. */
static char *read_output(int fd, pid_t pid, struct tr_err *err)
{
    size_t len = 0, cap = 4096;
    char *buf = xmalloc(cap);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long left = PLUGIN_TIMEOUT_MS - ((now.tv_sec - t0.tv_sec) * 1000 +
                                         (now.tv_nsec - t0.tv_nsec) / 1000000);
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = left > 0 ? poll(&p, 1, (int) left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            kill(pid, SIGKILL);
            free(buf);
            return tr_failx(err, "timed out after %d s", PLUGIN_TIMEOUT_MS / 1000), NULL;
        }
        if (len + 1 >= cap && cap >= PLUGIN_OUTPUT_MAX) {
            kill(pid, SIGKILL);
            free(buf);
            return tr_failx(err, "output larger than %d bytes", PLUGIN_OUTPUT_MAX), NULL;
        }
        if (len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t) n;
    }
    buf[len] = '\0';
    return buf;
}

static pid_t spawn_plugin(const char *path, char *const env[], int in, int out)
{
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
            _exit(127);
        char *argv[] = { (char *) path, NULL };
        execve(path, argv, env);
        _exit(127);
    }
    return pid;
}

/* Run one plugin: its stdout in *out (malloc'd) on success; on failure err says why. */
static int run_plugin(const struct tr_cni_req *r, const char *cmd, const char *type,
                      const char *conf, char **out, struct tr_err *err)
{
    _cleanup_free_ char *path = find_plugin(type, err);
    if (!path)
        return -1;
    const char *cni_path = getenv("CNI_PATH");
    char *env[] = {
        xasprintf("CNI_COMMAND=%s", cmd), xasprintf("CNI_CONTAINERID=%s", r->id),
        xasprintf("CNI_NETNS=%s", r->netns ? r->netns : ""), xasprintf("CNI_IFNAME=%s", r->ifname),
        xasprintf("CNI_PATH=%s", cni_path && *cni_path ? cni_path : CNI_DEFAULT_PLUGIN_PATH),
        xstrdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), NULL,
    };
    _cleanup_close_ int in = memfd_create("cni-stdin", MFD_CLOEXEC);
    int pipefd[2] = { -1, -1 }, rc = -1, status;
    if (in < 0 || write_all(in, conf, strlen(conf)) < 0 || lseek(in, 0, SEEK_SET) < 0 ||
        pipe2(pipefd, O_CLOEXEC) < 0) {
        tr_fail(err, errno, "CNI plugin %s %s: prepare stdin/stdout", type, cmd);
        goto out;
    }
    pid_t pid = spawn_plugin(path, env, in, pipefd[1]);
    close(pipefd[1]);
    if (pid < 0) {
        tr_fail(err, errno, "CNI plugin %s %s: fork", type, cmd);
        goto out;
    }
    *out = read_output(pipefd[0], pid, err);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!*out) {
        tr_prefix(err, "CNI plugin %s %s", type, cmd);
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char msg[400];
        oci_cni_error_text(*out, msg, sizeof msg);
        tr_failx(err, "CNI plugin %s (%s) %s: %s", type, path, cmd, msg);
        free(*out);
        *out = NULL;
    } else {
        rc = 0;
    }
out:
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    for (size_t i = 0; env[i]; i++)
        free(env[i]);
    return rc;
}

/* runtimeConfig.portMappings for the portmap plugin (NULL: no -p). */
static char *port_mappings_json(const struct tr_cni_req *r)
{
    if (!r->ports_len)
        return NULL;
    char *s = xstrdup("[");
    for (size_t i = 0; i < r->ports_len; i++) {
        char *n = xasprintf("%s%s{\"hostPort\":%d,\"containerPort\":%d,\"protocol\":\"%s\"}", s,
                            i ? "," : "", r->ports[i].host, r->ports[i].container, r->ports[i].proto);
        free(s);
        s = n;
    }
    char *n = xasprintf("%s]", s);
    free(s);
    return n;
}

/* Run the plugins of list: ADD in order (each result the next one's prevResult), DEL in
 * reverse order with ADD's final result, continuing past failures (the first is reported). */
static int run_list(const struct tr_cni_req *r, const char *cmd, const char *list,
                    const char *del_prev, char **result, struct tr_err *err)
{
    int n = oci_cni_list_check(list, "network config", err);
    bool del = streq(cmd, "DEL");
    _cleanup_free_ char *ports = port_mappings_json(r), *prev = del_prev ? xstrdup(del_prev) : NULL;
    int rc = n < 0 ? -1 : 0;
    for (int k = 0; k < n; k++) {
        size_t idx = (size_t) (del ? n - 1 - k : k);
        struct tr_err e = { 0 };
        _cleanup_free_ char *type = NULL, *out = NULL;
        _cleanup_free_ char *conf = oci_cni_plugin_conf(list, idx, prev, ports, &type, &e);
        if (conf && run_plugin(r, cmd, type, conf, &out, &e) == 0) {
            if (!del) {
                free(prev);
                prev = steal_ptr(&out);
            }
            continue;
        }
        if (rc == 0)
            *err = e;
        rc = -1;
        if (!del)
            break;
        tr_warn("%s", e.msg);
    }
    if (rc == 0 && result)
        *result = steal_ptr(&prev);
    return rc;
}

static char *read_saved(const char *dir, const char *name)
{
    struct tr_err e;
    size_t len;
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    return access(path, F_OK) == 0 ? read_file(path, &len, &e) : NULL;
}

static int save(const char *dir, const char *name, const char *text, struct tr_err *err)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    return write_file_atomic(path, text, strlen(text), 0600, err);
}

/* The container's network namespace bind-mounted at <state dir>/netns for as long as the
 * network exists: DEL needs it (bridge removes the NAT rules of the addresses it finds in it),
 * also after the container's processes are gone. */
static char *pin_netns(const struct tr_cni_req *r, struct tr_err *err)
{
    const char *ns = r->netns ? r->netns : "";
    if (!*ns)
        return tr_failx(err, "CNI ADD: no network namespace (the state has no pid)"), NULL;
    char *pin = xasprintf("%s/%s", r->state_dir, CNI_PINNED_NETNS);
    int fd = open(pin, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || close(fd) < 0 || mount(ns, pin, NULL, MS_BIND, NULL) < 0) {
        tr_fail(err, errno, "CNI ADD: bind-mount %s on %s/%s", ns, r->state_dir, CNI_PINNED_NETNS);
        unlink(pin);
        free(pin);
        return NULL;
    }
    return pin;
}

static void unpin_netns(const char *pin)
{
    if (umount2(pin, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        tr_warn("CNI DEL: unmount %s: %s", pin, strerror(errno));
    unlink(pin);
}

int tr_cni_add(const struct tr_cni_req *r0, char **addresses, struct tr_err *err)
{
    struct tr_cni_req pinned = *r0, *r = &pinned;
    size_t len;
    err->msg[0] = '\0';
    _cleanup_free_ char *path = first_conflist(r->conf_dir, err);
    if (!path)
        return err->msg[0] ? -1 : tr_failx(err, "no .conflist in CNI config dir %s", r->conf_dir);
    _cleanup_free_ char *list = read_file(path, &len, err), *result = NULL;
    if (!list || oci_cni_list_check(list, path, err) < 0)
        return -1;
    /* saved first: a crash in the middle of ADD still leaves DEL what it needs */
    if (save(r->state_dir, CNI_SAVED_CONFIG, list, err) < 0)
        return -1;
    _cleanup_free_ char *pin = pin_netns(r0, err);
    if (!pin)
        return -1;
    pinned.netns = pin;
    if (run_list(r, "ADD", list, NULL, &result, err) < 0) {
        struct tr_err e2;
        (void) tr_cni_del(r, &e2);
        return -1;
    }
    *addresses = oci_cni_result_addresses(result, err);
    if (!*addresses || save(r->state_dir, CNI_SAVED_RESULT, result, err) < 0) {
        struct tr_err e2;
        (void) tr_cni_del(r, &e2);
        return tr_prefix(err, "CNI ADD");
    }
    return 0;
}

int tr_cni_del(const struct tr_cni_req *r0, struct tr_err *err)
{
    _cleanup_free_ char *list = read_saved(r0->state_dir, CNI_SAVED_CONFIG);
    _cleanup_free_ char *prev = read_saved(r0->state_dir, CNI_SAVED_RESULT);
    _cleanup_free_ char *pin = xasprintf("%s/%s", r0->state_dir, CNI_PINNED_NETNS);
    struct tr_cni_req r = *r0;
    if (!list)
        return 0;
    r.netns = access(pin, F_OK) == 0 ? pin : "";
    int rc = run_list(&r, "DEL", list, prev, NULL, err);
    unpin_netns(pin);
    if (rc < 0)
        return -1;
    _cleanup_free_ char *p1 = xasprintf("%s/%s", r0->state_dir, CNI_SAVED_CONFIG);
    _cleanup_free_ char *p2 = xasprintf("%s/%s", r0->state_dir, CNI_SAVED_RESULT);
    unlink(p2);
    unlink(p1);
    return 0;
}
