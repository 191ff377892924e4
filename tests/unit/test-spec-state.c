/* libocispec: state JSON (exact text) and the default config (`tinyrun spec`) round trip. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "spec.h"
#include "util.h"
#include "tap.h"

/* tap.h's is_str() declares a variable that shadows the one inside ok(): use a local one. */
#define is_s(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    int m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; ok(m_, __VA_ARGS__); \
    if (!m_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

static const struct oci_kv annotations[] = {
    { (char *) "nerdctl/name", (char *) "web" },
    { (char *) "quote", (char *) "a\"b\\c\n/d\x01" },
};

static void test_state(void)
{
    struct tr_err err = { 0 };
    struct oci_state st = { .oci_version = "1.0.2", .id = "c1", .status = "created", .pid = 42,
                            .bundle = "/run/b", .annotations = annotations, .annotations_len = 2 };
    char *j = oci_state_to_json(&st, false, &err);
    is_s(j, "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":42,\"bundle\":\"/run/b\","
            "\"annotations\":{\"nerdctl/name\":\"web\",\"quote\":\"a\\\"b\\\\c\\n/d\\u0001\"}}",
         "compact state with annotations, escaping, '/' not escaped");
    free(j);

    struct oci_state st2 = { .id = "c2", .status = "stopped", .bundle = "/b" };
    j = oci_state_to_json(&st2, false, &err);
    is_s(j, "{\"ociVersion\":\"" OCI_VERSION "\",\"id\":\"c2\",\"status\":\"stopped\",\"bundle\":\"/b\"}",
         "pid 0 and empty annotations omitted, default ociVersion");
    free(j);

    struct oci_state st3 = { .oci_version = "1.2.0", .id = "c3", .status = "running", .pid = 7, .bundle = "/b",
                             .rootfs = "/b/rootfs", .created = "2026-11-22T07:31:00.123456789Z", .owner = "" };
    j = oci_state_to_json(&st3, true, &err);
    is_s(j, "{\n"
            "  \"ociVersion\": \"1.2.0\",\n"
            "  \"id\": \"c3\",\n"
            "  \"status\": \"running\",\n"
            "  \"pid\": 7,\n"
            "  \"bundle\": \"/b\",\n"
            "  \"rootfs\": \"/b/rootfs\",\n"
            "  \"created\": \"2026-11-22T07:31:00.123456789Z\",\n"
            "  \"owner\": \"\"\n"
            "}",
         "pretty state with the runc extension keys, no trailing newline");
    free(j);

    j = oci_process_state_to_json(&st, "meta", &err);
    is_s(j, "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":42,\"metadata\":\"meta\",\"state\":"
            "{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"created\",\"pid\":42,\"bundle\":\"/run/b\","
            "\"annotations\":{\"nerdctl/name\":\"web\",\"quote\":\"a\\\"b\\\\c\\n/d\\u0001\"}}}",
         "ContainerProcessState with metadata");
    free(j);
    st.annotations_len = 0;
    st.status = "creating";
    j = oci_process_state_to_json(&st, NULL, &err);
    is_s(j, "{\"ociVersion\":\"1.0.2\",\"fds\":[\"seccompFd\"],\"pid\":42,\"state\":{\"ociVersion\":\"1.0.2\","
            "\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,\"bundle\":\"/run/b\"}}",
         "ContainerProcessState without metadata");
    free(j);
}

/* bypass4netns reads the listener message with one 4096-byte recvmsg: a nerdctl-sized state
 * must fit, which only the compact form does. */
static void test_listener_size(void)
{
    struct oci_kv kv[12];
    char keys[12][40], vals[12][160];
    for (int i = 0; i < 12; i++) {
        snprintf(keys[i], sizeof keys[i], "nerdctl/annotation-%d", i);
        memset(vals[i], 'v', 150);
        vals[i][150] = '\0';
        kv[i].key = keys[i];
        kv[i].value = vals[i];
    }
    struct oci_state st = { .id = "3b5d8e3c6a4f3b5d8e3c6a4f3b5d8e3c6a4f3b5d8e3c6a4f3b5d8e3c6a4f3b5d",
                            .status = "creating", .pid = 123456,
                            .bundle = "/run/containerd/io.containerd.runtime.v2.task/default/3b5d8e3c6a4f",
                            .annotations = kv, .annotations_len = 12 };
    struct tr_err err;
    char *j = oci_process_state_to_json(&st, NULL, &err);
    ok(j && strlen(j) < 4096 && !strchr(j, '\n') && !strstr(j, ": "), "listener message compact (%zu bytes)",
       j ? strlen(j) : 0);
    free(j);
}

static struct oci_spec *parse_default(bool rootless, unsigned uid, unsigned gid)
{
    char *text = oci_default_config_json(rootless, uid, gid);
    struct tr_err err = { 0 };
    ok(text && text[strlen(text) - 1] == '\n' && strstr(text, "\n\t\"process\": {"),
       "default %s config is tab-indented and ends with a newline", rootless ? "rootless" : "rootful");
    struct oci_spec *s = text ? oci_parse(text, strlen(text), "config.json", &err) : NULL;
    ok(s != NULL, "default %s config parses back %s", rootless ? "rootless" : "rootful", s ? "" : err.msg);
    ok(s && oci_validate(s, "config.json", &err) == 0, "default %s config validates", rootless ? "rootless" : "rootful");
    free(text);
    return s;
}

static const struct oci_mount *find_mount(const struct oci_spec *s, const char *dst)
{
    for (size_t i = 0; i < s->mounts_len; i++)
        if (streq(s->mounts[i].destination, dst))
            return &s->mounts[i];
    return NULL;
}

static bool has_option(const struct oci_mount *m, const char *opt)
{
    for (size_t i = 0; m && i < m->options_len; i++)
        if (streq(m->options[i], opt))
            return true;
    return false;
}

static bool cgroup2_unified(void)
{
    struct statfs sfs;
    return statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

static void test_default(void)
{
    struct oci_spec *s = parse_default(false, 0, 0);
    if (!s)
        return;
    const struct oci_process *p = s->process;
    ok(p->terminal && p->args_len == 1 && streq(p->args[0], "sh") && streq(p->cwd, "/") && p->user.uid == 0,
       "process: terminal, args [sh], cwd /");
    ok(p->capabilities->bounding_len == 3 && streq(p->capabilities->bounding[1], "CAP_KILL")
       && p->capabilities->ambient_len == 3 && p->capabilities->inheritable == NULL, "default capabilities");
    ok(p->rlimits_len == 1 && streq(p->rlimits[0].type, "RLIMIT_NOFILE") && p->rlimits[0].hard == 1024
       && p->rlimits[0].soft == 1024 && p->no_new_privileges, "RLIMIT_NOFILE 1024, noNewPrivileges");
    ok(streq(s->root_path, "rootfs") && s->root_readonly && s->mounts_len == 7, "root rootfs ro, 7 mounts");
    ok(has_option(find_mount(s, "/dev/pts"), "gid=5") && streq(find_mount(s, "/sys")->type, "sysfs")
       && find_mount(s, "/sys/fs/cgroup") != NULL, "rootful: devpts gid=5, sysfs");
    bool v2 = cgroup2_unified();
    ok(s->linux_->namespaces_len == 5u + v2 && oci_find_namespace(s, OCI_NS_NETWORK)
       && oci_find_namespace(s, OCI_NS_PID) && oci_find_namespace(s, OCI_NS_IPC) && oci_find_namespace(s, OCI_NS_UTS)
       && oci_find_namespace(s, OCI_NS_MOUNT) && !oci_find_namespace(s, OCI_NS_USER)
       && (oci_find_namespace(s, OCI_NS_CGROUP) != NULL) == v2,
       "rootful namespaces: pid network ipc uts mount, cgroup only on cgroup v2 (%s)", v2 ? "v2" : "not v2");
    ok(s->linux_->resources && s->linux_->resources->devices_len == 1 && !s->linux_->resources->devices[0].allow,
       "rootful: deny-all device rule");
    ok(s->linux_->masked_paths_len == 10 && s->linux_->readonly_paths_len == 5, "masked and readonly paths");
    oci_free(s);

    s = parse_default(true, 1000, 1001);
    if (!s)
        return;
    const struct oci_linux *l = s->linux_;
    ok(oci_find_namespace(s, OCI_NS_USER) && !oci_find_namespace(s, OCI_NS_NETWORK)
       && l->namespaces_len == 5u + cgroup2_unified() && l->namespaces[l->namespaces_len - 1].type == OCI_NS_USER,
       "rootless namespaces: user instead of network");
    ok(l->uid_mappings_len == 1 && l->uid_mappings[0].container_id == 0 && l->uid_mappings[0].host_id == 1000
       && l->uid_mappings[0].size == 1 && l->gid_mappings_len == 1 && l->gid_mappings[0].host_id == 1001,
       "rootless id mappings of the given uid/gid");
    const struct oci_mount *sys = find_mount(s, "/sys");
    ok(sys && streq(sys->type, "none") && streq(sys->source, "/sys") && has_option(sys, "rbind") && has_option(sys, "ro"),
       "rootless /sys is an rbind of the host's");
    ok(!has_option(find_mount(s, "/dev/pts"), "gid=5") && has_option(find_mount(s, "/dev/pts"), "mode=0620"),
       "rootless devpts without gid=");
    ok(l->resources == NULL, "rootless: no linux.resources");
    oci_free(s);
}

/* Structural comparison with the real `runc spec`, when runc is installed (only ociVersion
 * may differ). */
static void compare_with_runc(bool rootless)
{
    char dir[] = "/tmp/test-spec-runc-XXXXXX";
    if (system("runc --version >/dev/null 2>&1") != 0 || !mkdtemp(dir)) {
        skip("runc not installed");
        return;
    }
    _cleanup_free_ char *cmd = xasprintf("runc spec %s--bundle %s", rootless ? "--rootless " : "", dir);
    _cleanup_free_ char *path = xasprintf("%s/config.json", dir);
    struct tr_err err = { 0 };
    size_t len = 0;
    char *theirs_text = system(cmd) == 0 ? read_file(path, &len, &err) : NULL;
    struct oci_spec *theirs = theirs_text ? oci_parse(theirs_text, len, "runc config.json", &err) : NULL;
    char *ours_text = oci_default_config_json(rootless, geteuid(), getegid());
    struct oci_spec *ours = oci_parse(ours_text, strlen(ours_text), "config.json", &err);
    bool same = theirs && ours && theirs->mounts_len == ours->mounts_len
             && theirs->process->capabilities->bounding_len == ours->process->capabilities->bounding_len
             && streq(theirs->hostname, "runc") && streq(ours->hostname, "tinyrun")
             && theirs->linux_->masked_paths_len == ours->linux_->masked_paths_len
             && theirs->linux_->uid_mappings_len == ours->linux_->uid_mappings_len
             && (theirs->linux_->resources == NULL) == (ours->linux_->resources == NULL);
    for (size_t i = 0; same && i < theirs->mounts_len; i++) {
        const struct oci_mount *a = &theirs->mounts[i], *b = &ours->mounts[i];
        same = streq(a->destination, b->destination) && streq(a->type, b->type) && streq(a->source, b->source)
            && a->options_len == b->options_len;
        for (size_t k = 0; same && k < a->options_len; k++)
            same = streq(a->options[k], b->options[k]);
    }
    for (size_t i = 0; same && i < theirs->linux_->masked_paths_len; i++)
        same = streq(theirs->linux_->masked_paths[i], ours->linux_->masked_paths[i]);
    same = same && theirs->linux_->namespaces_len == ours->linux_->namespaces_len;
    for (size_t i = 0; same && i < theirs->linux_->namespaces_len; i++)
        same = theirs->linux_->namespaces[i].type == ours->linux_->namespaces[i].type;
    same = same && theirs->process->capabilities->ambient_len == ours->process->capabilities->ambient_len
        && theirs->process->no_new_privileges == ours->process->no_new_privileges
        && theirs->process->rlimits_len == ours->process->rlimits_len && theirs->root_readonly == ours->root_readonly;
    ok(same, "default %s config matches `runc spec%s`", rootless ? "rootless" : "rootful", rootless ? " --rootless" : "");
    oci_free(theirs);
    oci_free(ours);
    free(theirs_text);
    free(ours_text);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    test_state();
    test_listener_size();
    test_default();
    compare_with_runc(false);
    compare_with_runc(true);
    return done_testing();
}
