/* Quick mode's JSON, no root needed: the CNI plugin configs a runtime feeds each plugin
 * (libocispec/cni-json.c) and the config of oci_config_json with changes, parsed back by the
 * strict parser (so every change lands where `create` reads it). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cni-json.h"
#include "spec.h"
#include "util.h"
#include "tap.h"

#define is_s(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    int m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; ok(m_, __VA_ARGS__); \
    if (!m_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

static const char list[] =
    "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"plugins\":["
    "{\"type\":\"bridge\",\"name\":\"stale\",\"prevResult\":{},\"ipam\":{\"type\":\"host-local\",\"n\":1.5}},"
    "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}},"
    "{\"type\":\"firewall\",\"capabilities\":{\"portMappings\":false}}]}";

static void test_plugin_conf(void)
{
    struct tr_err err = { 0 };
    char *type = NULL;
    const char *ports = "[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]";
    ok(oci_cni_list_check(list, "l", &err) == 3, "list: 3 plugins");
    char *c = oci_cni_plugin_conf(list, 0, NULL, ports, &type, &err);
    is_s(c, "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"bridge\","
            "\"ipam\":{\"type\":\"host-local\",\"n\":1.5}}",
         "plugin 0: the list's name and version replace its own, no prevResult, no runtimeConfig");
    is_s(type, "bridge", "plugin 0: type");
    free(c), free(type);
    c = oci_cni_plugin_conf(list, 1, "{\"cniVersion\":\"1.0.0\",\"ips\":[]}", ports, &type, &err);
    is_s(c, "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"portmap\","
            "\"capabilities\":{\"portMappings\":true},\"prevResult\":{\"cniVersion\":\"1.0.0\",\"ips\":[]},"
            "\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}}",
         "plugin 1: prevResult and the portMappings capability");
    free(c), free(type);
    c = oci_cni_plugin_conf(list, 2, NULL, ports, &type, &err);
    ok(c && !strstr(c, "runtimeConfig"), "plugin 2: a capability set to false gets no runtimeConfig");
    free(c), free(type);
    ok(!oci_cni_plugin_conf(list, 3, NULL, NULL, &type, &err) && strstr(err.msg, "no plugin #3"),
       "past the end: refused");
    ok(oci_cni_list_check("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"type\":\"../x\"}]}",
                          "f.conflist", &err) < 0 && strstr(err.msg, "plugins[0].type"),
       "a plugin type with a slash is refused, naming the JSON path: %s", err.msg);
    ok(oci_cni_list_check("{\"name\":\"n\",\"plugins\":[]}", "f.conflist", &err) < 0 &&
       strstr(err.msg, "f.conflist: cniVersion"), "cniVersion required");
}

static void test_results(void)
{
    struct tr_err err = { 0 };
    char buf[256];
    char *a = oci_cni_result_addresses("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/16\"},"
                                       "{\"address\":\"fd00::2/64\"}]}", &err);
    is_s(a, "10.1.0.2/16,fd00::2/64", "result addresses");
    free(a);
    ok(!oci_cni_result_addresses("{\"ips\":[]}", &err), "a result without cniVersion is refused");
    oci_cni_error_text("{\"code\":7,\"msg\":\"failed to set bridge addr\",\"details\":\"busy\"}", buf, sizeof buf);
    is_s(buf, "failed to set bridge addr: busy", "plugin error: msg and details");
    oci_cni_error_text("plain text\nmore", buf, sizeof buf);
    is_s(buf, "plain text", "plugin error that is not JSON: its first line");
    struct oci_hook_state st;
    ok(oci_hook_state_parse("{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":42,"
                            "\"annotations\":{\"k\":\"v\"}}", &st, &err) == 0 &&
       streq(st.id, "c1") && st.pid == 42, "hook state: id and pid");
    is_s(oci_hook_state_annotation(&st, "k"), "v", "hook state: annotation");
    oci_hook_state_free(&st);
}

static void test_config_changes(void)
{
    struct tr_err err = { 0 };
    const char *args[] = { "/bin/echo", "hi", NULL }, *env[] = { "TERM=dumb", "A=b", NULL };
    const char *ann[] = { "org.tinyrun.quick.rm", "true", NULL };
    const char *hook[] = { "/usr/bin/tinyrun", "tinyrun", "__cni-hook", "add", NULL };
    struct oci_config_bind bind = { "/srv", "/data", true };
    struct oci_config_changes c = {
        .args = args, .env = env, .cwd = "/tmp", .root_path = "/r", .hostname = "q1",
        .set_user = true, .user_uid = 7, .user_gid = 8, .network = 1, .binds = &bind, .binds_len = 1,
        .memory = 1 << 20, .pids = 9, .cpu_quota = 50000, .cpu_period = 100000,
        .annotations = ann, .create_runtime_hook = hook,
    };
    char *json = oci_config_json(false, 0, 0, &c);
    struct oci_spec *s = json ? oci_parse(json, strlen(json), "q", &err) : NULL;
    ok(s && oci_validate(s, "q", &err) == 0, "changed config parses and validates: %s", err.msg);
    if (!s)
        return;
    ok(s->process->args_len == 2 && streq(s->process->args[0], "/bin/echo"), "args");
    ok(s->process->env_len == 3 && streq(s->process->env[1], "TERM=dumb") &&
       streq(s->process->env[2], "A=b"), "env: TERM replaced in place, A appended");
    ok(streq(s->process->cwd, "/tmp") && s->process->user.uid == 7 && s->process->user.gid == 8,
       "cwd, user");
    ok(!s->process->terminal && !s->root_readonly && streq(s->root_path, "/r") &&
       streq(s->hostname, "q1"), "terminal off, writable root, root path, hostname");
    ok(strstr(json, "\"destination\": \"/data\"") && strstr(json, "\"ro\""), "bind mount, ro");
    ok(strstr(json, "\"limit\": 1048576") && strstr(json, "\"quota\": 50000") &&
       strstr(json, "\"limit\": 9"), "memory, cpu, pids limits");
    ok(s->hooks.len[OCI_HOOK_CREATE_RUNTIME] == 1 && s->annotations_len == 1, "hook and annotation");
    oci_free(s);
    free(json);
}

int main(void)
{
    test_plugin_conf();
    test_results();
    test_config_changes();
    return done_testing();
}
