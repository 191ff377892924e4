/* libocispec: every kind of bad input gives one exact, path-carrying message. */
#include <config.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "spec.h"
#include "util.h"
#include "tap.h"

/* tap.h's is_str() declares a variable that shadows the one inside ok(): use a local one. */
#define is_s(got, want, ...) do { const char *g_ = (got), *w_ = (want); \
    int m_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; ok(m_, __VA_ARGS__); \
    if (!m_) printf("#   got:  '%s'\n#   want: '%s'\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)

/* A valid base, so each case only spells out what it breaks. A duplicated key is refused
 * (json-scan.c), so a case that sets process, or process.args/cwd, uses BASE or PROCX. */
#define BASE(x) "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}," x "}"
#define CFG(x) BASE("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}," x)
#define PROC(x) BASE("\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"," x "}")
#define PROCX(x) BASE("\"process\":{" x "}")
#define LINUX(x) CFG("\"linux\":{" x "}")
#define RES(x) LINUX("\"resources\":{" x "}")

struct bad { const char *json; const char *msg; };

/* Type, range, enumeration and presence errors found while parsing. */
static const struct bad parse_cases[] = {
    { PROC("\"user\":{\"uid\":\"zero\",\"gid\":0}"),
      "config.json: process.user.uid: expected unsigned 32-bit integer, got string \"zero\"" },
    { PROC("\"user\":{\"uid\":-1,\"gid\":0}"),
      "config.json: process.user.uid: expected unsigned 32-bit integer, got number -1" },
    { PROC("\"user\":{\"uid\":4294967296,\"gid\":0}"),
      "config.json: process.user.uid: expected unsigned 32-bit integer, got number 4294967296" },
    { PROC("\"user\":{\"uid\":0}"), "config.json: process.user.gid: required" },
    { PROC("\"user\":{\"uid\":0,\"gid\":0,\"additionalGids\":[1,\"2\"]}"),
      "config.json: process.user.additionalGids[1]: expected unsigned 32-bit integer, got string \"2\"" },
    { BASE("\"process\":{\"cwd\":\"/\"}"), "config.json: process.args: required" },
    { BASE("\"process\":{\"cwd\":\"/\",\"args\":null}"), "config.json: process.args: required" },
    { PROCX("\"args\":\"sh\""), "config.json: process.args: expected array of strings, got string \"sh\"" },
    { PROCX("\"args\":[\"sh\",2]"), "config.json: process.args[1]: expected string, got number 2" },
    { PROC("\"terminal\":\"yes\""), "config.json: process.terminal: expected boolean, got string \"yes\"" },
    { PROC("\"terminal\":1"), "config.json: process.terminal: expected boolean, got number 1" },
    { PROC("\"oomScoreAdj\":2147483648"),
      "config.json: process.oomScoreAdj: expected 32-bit integer, got number 2147483648" },
    { PROC("\"oomScoreAdj\":-2147483649"),
      "config.json: process.oomScoreAdj: expected 32-bit integer, got number -2147483649" },
    { PROC("\"consoleSize\":{\"height\":1}"), "config.json: process.consoleSize.width: required" },
    { PROC("\"capabilities\":{\"bounding\":[\"CAP_KILL\",{}]}"),
      "config.json: process.capabilities.bounding[1]: expected string, got object" },
    { PROC("\"capabilities\":[]"), "config.json: process.capabilities: expected object, got array" },
    { PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1.5,\"soft\":1}]"),
      "config.json: process.rlimits[0].hard: expected unsigned 64-bit integer, got number 1.5" },
    { PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551616,\"soft\":1}]"),
      "config.json: process.rlimits[0].hard: expected unsigned 64-bit integer, got number 18446744073709551616" },
    { PROC("\"rlimits\":[{\"hard\":1,\"soft\":1}]"), "config.json: process.rlimits[0].type: required" },
    { PROC("\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}"),
      "config.json: process.ioPriority.class: unknown ioPriority class \"IOPRIO_CLASS_NONE\" (expected one of "
      "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)" },
    { PROC("\"scheduler\":{\"policy\":\"SCHED_FAST\"}"),
      "config.json: process.scheduler.policy: unknown scheduler policy \"SCHED_FAST\" (expected one of "
      "SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE)" },
    { PROC("\"scheduler\":{\"nice\":1}"), "config.json: process.scheduler.policy: required" },
    { CFG("\"hostname\":[\"a\"]"), "config.json: hostname: expected string, got array" },
    { CFG("\"mounts\":[{\"destination\":\"/a\"},{\"type\":\"tmpfs\"}]"), "config.json: mounts[1].destination: required" },
    { CFG("\"mounts\":{}"), "config.json: mounts: expected array, got object" },
    { CFG("\"mounts\":[{\"destination\":\"/a\",\"uidMappings\":[{\"containerID\":0,\"hostID\":0}]}]"),
      "config.json: mounts[0].uidMappings[0].size: required" },
    { CFG("\"hooks\":{\"poststop\":[{\"args\":[]}]}"), "config.json: hooks.poststop[0].path: required" },
    { CFG("\"hooks\":{\"createRuntime\":[{\"path\":\"/x\",\"timeout\":\"5\"}]}"),
      "config.json: hooks.createRuntime[0].timeout: expected 32-bit integer, got string \"5\"" },
    { CFG("\"annotations\":{\"a\":1}"), "config.json: annotations[\"a\"]: expected string, got number 1" },
    { "{\"ociVersion\":\"1.0.2\",\"root\":{\"readonly\":true}}", "config.json: root.path: required" },
    { CFG("\"linux\":\"x\""), "config.json: linux: expected object, got string \"x\"" },
    { LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"foo\"}]"),
      "config.json: linux.namespaces[2].type: unknown namespace type \"foo\" (expected one of pid, network, "
      "mount, ipc, uts, user, cgroup, time)" },
    { LINUX("\"namespaces\":[{\"path\":\"/proc/1/ns/net\"}]"), "config.json: linux.namespaces[0].type: required" },
    { LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":\"1000\",\"size\":1}]"),
      "config.json: linux.uidMappings[0].hostID: expected unsigned 32-bit integer, got string \"1000\"" },
    { LINUX("\"timeOffsets\":{\"realtime\":{\"secs\":1}}"),
      "config.json: linux.timeOffsets[\"realtime\"]: unknown clock \"realtime\" (expected one of monotonic, boottime)" },
    { LINUX("\"timeOffsets\":{\"boottime\":{\"nanosecs\":-1}}"),
      "config.json: linux.timeOffsets[\"boottime\"].nanosecs: expected unsigned 32-bit integer, got number -1" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":1}]"),
      "config.json: linux.devices[0].type: unknown device type \"x\" (expected one of c, b, u, p)" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"minor\":1}]"),
      "config.json: linux.devices[0].major: required for device type \"c\"" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":8}]"),
      "config.json: linux.devices[0].minor: required for device type \"b\"" },
    { LINUX("\"devices\":[{\"type\":\"p\"}]"), "config.json: linux.devices[0].path: required" },
    { LINUX("\"sysctl\":{\"net.ipv4.ip_forward\":1}"),
      "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number 1" },
    { LINUX("\"rootfsPropagation\":\"weird\""),
      "config.json: linux.rootfsPropagation: unknown rootfsPropagation \"weird\" (expected one of shared, slave, "
      "private, unbindable, rshared, rslave, rprivate, runbindable)" },
    { LINUX("\"personality\":{\"domain\":\"LINUX64\"}"),
      "config.json: linux.personality.domain: unknown personality domain \"LINUX64\" (expected one of LINUX, LINUX32)" },
    { LINUX("\"maskedPaths\":[null]"), "config.json: linux.maskedPaths[0]: expected string, got null" },
    { LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_FOO\"}"),
      "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\" (expected one of "
      "SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, "
      "SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)" },
    { LINUX("\"seccomp\":{\"syscalls\":[]}"), "config.json: linux.seccomp.defaultAction: required" },
    { LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],\"action\":\"SCMP_ACT_ALLOW\"},"
            "{\"names\":[\"b\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}"),
      "config.json: linux.seccomp.syscalls[1].args[0].op: unknown seccomp operator \"SCMP_CMP_XX\" (expected one of "
      "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)" },
    { LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ALLOW\"}]}"),
      "config.json: linux.seccomp.syscalls[0].names: must list at least one syscall" },
    { LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}"),
      "config.json: linux.seccomp.syscalls[0].action: required" },
    { LINUX("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":-1}"),
      "config.json: linux.seccomp.defaultErrnoRet: expected unsigned 32-bit integer, got number -1" },
    { RES("\"memory\":{\"limit\":1.5}"),
      "config.json: linux.resources.memory.limit: expected 64-bit integer, got number 1.5" },
    { RES("\"memory\":{\"limit\":9223372036854775808}"),
      "config.json: linux.resources.memory.limit: expected 64-bit integer, got number 9223372036854775808" },
    { RES("\"memory\":{\"limit\":1e9}"),
      "config.json: linux.resources.memory.limit: expected 64-bit integer, got number 1e9" },
    { RES("\"memory\":{\"swappiness\":-1}"),
      "config.json: linux.resources.memory.swappiness: expected unsigned 64-bit integer, got number -1" },
    { RES("\"memory\":{\"disableOOMKiller\":\"true\"}"),
      "config.json: linux.resources.memory.disableOOMKiller: expected boolean, got string \"true\"" },
    { RES("\"cpu\":{\"shares\":\"1024\"}"),
      "config.json: linux.resources.cpu.shares: expected unsigned 64-bit integer, got string \"1024\"" },
    { RES("\"pids\":{}"), "config.json: linux.resources.pids.limit: required" },
    { RES("\"blockIO\":{\"weight\":65536}"),
      "config.json: linux.resources.blockIO.weight: expected unsigned 16-bit integer, got number 65536" },
    { RES("\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0,\"leafWeight\":-3}]}"),
      "config.json: linux.resources.blockIO.weightDevice[0].leafWeight: expected unsigned 16-bit integer, got number -3" },
    { RES("\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0}]}"),
      "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required" },
    { RES("\"hugepageLimits\":[{\"limit\":1}]"), "config.json: linux.resources.hugepageLimits[0].pageSize: required" },
    { RES("\"network\":{\"classID\":-1}"),
      "config.json: linux.resources.network.classID: expected unsigned 32-bit integer, got number -1" },
    { RES("\"rdma\":{\"mlx\":{\"hcaHandles\":true}}"),
      "config.json: linux.resources.rdma[\"mlx\"].hcaHandles: expected unsigned 32-bit integer, got boolean true" },
    { RES("\"unified\":{\"memory.max\":100}"),
      "config.json: linux.resources.unified[\"memory.max\"]: expected string, got number 100" },
    { RES("\"devices\":[{\"access\":\"rwm\"}]"), "config.json: linux.resources.devices[0].allow: required" },
    { RES("\"devices\":[{\"allow\":true,\"type\":\"x\"}]"),
      "config.json: linux.resources.devices[0].type: unknown device cgroup type \"x\" (expected one of a, c, b)" },
    { RES("\"devices\":[{\"allow\":true,\"access\":\"rwx\"}]"),
      "config.json: linux.resources.devices[0].access: expected a combination of r, w and m, got \"rwx\"" },
    { PROC("\"terminal\":\"a\\\"b\\\\c\\nd\""),
      "config.json: process.terminal: expected boolean, got string \"a\\\"b\\\\c?d\"" },
    { "[1,2]", "config.json: expected object, got array" },
    { "\"x\"", "config.json: expected object, got string \"x\"" },
    { CFG("\"hostname\":\"0123456789012345678901234567890123456789overflow\",\"domainname\":7"),
      "config.json: domainname: expected string, got number 7" },
    { CFG("\"hostname\":{\"a\":1}"), "config.json: hostname: expected string, got object" },
    { PROC("\"apparmorProfile\":\"0123456789012345678901234567890123456789-long\",\"selinuxLabel\":false"),
      "config.json: process.selinuxLabel: expected string, got boolean false" },
    { PROCX("\"args\":[\"sh\"],\"cwd\":\"0123456789012345678901234567890123456789-long\",\"env\":[\"0123456789012345678901234567890123456789-long\",3]"),
      "config.json: process.env[1]: expected string, got number 3" },
    { PROCX("\"args\":[\"0123456789012345678901234567890123456789-too-long\",3],\"user\":{\"uid\":\"0123456789012345678901234567890123456789-too-long\",\"gid\":0}"),
      "config.json: process.user.uid: expected unsigned 32-bit integer, got string "
      "\"0123456789012345678901234567890123456789\"..." },
    /* numbers that fit the C type but would wrap or mean something else where used */
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1099511627776,\"minor\":3}]"),
      "config.json: linux.devices[0].major: 1099511627776 is out of range 0..4095 (a device major number has 12 bits)" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"b\",\"major\":8,\"minor\":1048576}]"),
      "config.json: linux.devices[0].minor: 1048576 is out of range 0..1048575 (a device minor number has 20 bits)" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":-3}]"),
      "config.json: linux.devices[0].minor: -3 is out of range 0..1048575 (a device minor number has 20 bits)" },
    { LINUX("\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3,\"uid\":4294967295}]"),
      "config.json: linux.devices[0].uid: 4294967295 is out of range 0..4294967294 (4294967295 means \"unchanged\" to chown)" },
    { PROC("\"user\":{\"uid\":4294967295,\"gid\":0}"),
      "config.json: process.user.uid: 4294967295 is out of range 0..4294967294 (4294967295 means \"unchanged\" to "
      "setresuid/setresgid)" },
    { PROC("\"user\":{\"uid\":0,\"gid\":0,\"umask\":512}"),
      "config.json: process.user.umask: 512 is out of range 0..511 (permission bits, at most 0777 = 511)" },
    { PROC("\"consoleSize\":{\"height\":65536,\"width\":80}"),
      "config.json: process.consoleSize.height: 65536 is out of range 0..65535 (a terminal size is 16 bits)" },
    { LINUX("\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]"),
      "config.json: linux.uidMappings[0].size: must be at least 1" },
    { LINUX("\"gidMappings\":[{\"containerID\":4294967295,\"hostID\":1,\"size\":2}]"),
      "config.json: linux.gidMappings[0].size: 2 is out of range 0..1 (containerID + size must fit in 32 bits)" },
    { LINUX("\"timeOffsets\":{\"boottime\":{\"nanosecs\":1000000000}}"),
      "config.json: linux.timeOffsets[\"boottime\"].nanosecs: 1000000000 is out of range 0..999999999 (below one second)" },
    { RES("\"memory\":{\"limit\":-2}"),
      "config.json: linux.resources.memory.limit: -2 is out of range -1..9223372036854775807 (-1 for unlimited, else bytes)" },
    { RES("\"cpu\":{\"quota\":-5}"),
      "config.json: linux.resources.cpu.quota: -5 is out of range -1..9223372036854775807 (-1 for unlimited, else "
      "microseconds)" },
    { RES("\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":-2,\"access\":\"r\"}]"),
      "config.json: linux.resources.devices[0].major: -2 is out of range -1..4095 (-1 for any, else 12 bits)" },
    { RES("\"blockIO\":{\"weightDevice\":[{\"major\":4294967304,\"minor\":0,\"weight\":10}]}"),
      "config.json: linux.resources.blockIO.weightDevice[0].major: 4294967304 is out of range 0..4095 (a device major "
      "number has 12 bits)" },
    /* hostile text: json-scan.c */
    { PROC("\"env\":[\"A=1\",\"B=x\\u0000y\"]"),
      "config.json: process.env[1]: string contains a NUL byte (\\u0000); NUL cannot be passed on, remove it" },
    { CFG("\"hostname\":\"a\\u0000b\""),
      "config.json: hostname: string contains a NUL byte (\\u0000); NUL cannot be passed on, remove it" },
    { CFG("\"annotations\":{\"a\\u0000b\":\"x\"}"),
      "config.json: annotations: object key contains a NUL byte (\\u0000); remove it" },
    { CFG("\"annotations\":{\"a\\nb\":1}"), "config.json: annotations[\"a?b\"]: expected string, got number 1" },
    { CFG("\"annotations\":{\"x\":\"1\",\"x\":\"2\"}"),
      "config.json: annotations: duplicate key \"x\" (refused: JSON readers disagree on which one wins)" },
    { CFG("\"annotations\":{\"org.x\":\"\\u0000\"}"),
      "config.json: annotations[\"org.x\"]: string contains a NUL byte (\\u0000); NUL cannot be passed on, remove it" },
    { CFG("\"hostname\":\"a\",\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"type\":\"bind\"}]"),
      "config.json: mounts[0]: duplicate key \"type\" (refused: JSON readers disagree on which one wins)" },
    { CFG("\"hostname\":\"\xc0\xaf\""),
      "config.json: hostname: invalid UTF-8 in a string (overlong or surrogate); the file must be UTF-8" },
    { CFG("\"annotations\":{\"\xed\xa0\x80\":\"x\"}"),
      "config.json: annotations: invalid UTF-8 in an object key (overlong or surrogate); the file must be UTF-8" },
    { CFG("\"hostname\":\"\xff\""),
      "config.json: hostname: invalid UTF-8 in a string at line 1; the file must be UTF-8" },
    { CFG("\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
      "config.json: x[0][0][0][0][0][0][0]...: nested deeper than 64 levels of arrays and objects (the limit)" },
    { "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": {\"path\": \"r\"}\n  \"x\": 1\n}",
      "config.json: invalid JSON at line 4: after key and value, inside map, I expect ',' or '}'" },
    { "", "config.json: invalid JSON at line 1: premature EOF" },
    { "{\"a\":1}\n{\"b\":2}", "config.json: invalid JSON at line 2: trailing garbage" },
};

/* Semantic errors found by oci_validate once the types are right. */
static const struct bad validate_cases[] = {
    { "{\"root\":{\"path\":\"r\"}}", "config.json: ociVersion: required" },
    { "{\"ociVersion\":\"2.0.0\",\"root\":{\"path\":\"r\"}}",
      "config.json: ociVersion: unsupported version \"2.0.0\" (expected 1.x)" },
    { "{\"ociVersion\":\"10.0\",\"root\":{\"path\":\"r\"}}",
      "config.json: ociVersion: unsupported version \"10.0\" (expected 1.x)" },
    { "{\"ociVersion\":\"1.0.2\"}", "config.json: root.path: required" },
    { "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"\"}}", "config.json: root.path: required" },
    { PROCX("\"args\":[\"sh\"],\"cwd\":\"tmp\""), "config.json: process.cwd: must be an absolute path, got \"tmp\"" },
    { PROCX("\"args\":[\"sh\"],\"cwd\":\"a\\nb\""),
      "config.json: process.cwd: must be an absolute path, got \"a?b\"" },
    { PROCX("\"args\":[\"sh\"],\"cwd\":\"\""), "config.json: process.cwd: must be an absolute path, got \"\"" },
    { BASE("\"process\":{\"args\":[\"sh\"]}"), "config.json: process.cwd: required" },
    { PROCX("\"args\":[],\"cwd\":\"/\""), "config.json: process.args: must not be empty" },
    { PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":10,\"soft\":20}]"),
      "config.json: process.rlimits[0]: soft limit 20 exceeds hard limit 10" },
    { PROC("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":1},{\"type\":\"RLIMIT_NOFILE\",\"hard\":2,\"soft\":2}]"),
      "config.json: process.rlimits[1].type: duplicate \"RLIMIT_NOFILE\"" },
    { CFG("\"mounts\":[{\"destination\":\"\"}]"), "config.json: mounts[0].destination: must not be empty" },
    { CFG("\"mounts\":[{\"destination\":\"/a..b\"},{\"destination\":\"/tmp/../etc\"}]"),
      "config.json: mounts[1].destination: \"..\" components are refused, got \"/tmp/../etc\"; write the path inside "
      "the container without them" },
    { CFG("\"mounts\":[{\"destination\":\"..\"}]"),
      "config.json: mounts[0].destination: \"..\" components are refused, got \"..\"; write the path inside the "
      "container without them" },
    { CFG("\"hooks\":{\"createRuntime\":[{\"path\":\"/ok\"},{\"path\":\"nerdctl\"}]}"),
      "config.json: hooks.createRuntime[1].path: must be an absolute path, got \"nerdctl\"" },
    { CFG("\"hooks\":{\"poststop\":[{\"path\":\"/x\",\"timeout\":0}]}"),
      "config.json: hooks.poststop[0].timeout: must be greater than zero, got 0" },
    { LINUX("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]"),
      "config.json: linux.namespaces[1].type: duplicate namespace type \"pid\"" },
    { LINUX("\"namespaces\":[{\"type\":\"network\",\"path\":\"netns\"}]"),
      "config.json: linux.namespaces[0].path: must be an absolute path, got \"netns\"" },
    { LINUX("\"namespaces\":[{\"type\":\"pid\"}],\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]"),
      "config.json: linux.uidMappings: requires a user namespace in linux.namespaces" },
    { LINUX("\"gidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":1}]"),
      "config.json: linux.gidMappings: requires a user namespace in linux.namespaces" },
    { LINUX("\"timeOffsets\":{\"monotonic\":{\"secs\":1}}"),
      "config.json: linux.timeOffsets: requires a time namespace in linux.namespaces" },
    { LINUX("\"sysctl\":{\"\":\"1\"}"), "config.json: linux.sysctl: empty key" },
    { LINUX("\"devices\":[{\"path\":\"dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]"),
      "config.json: linux.devices[0].path: must be an absolute path, got \"dev/null\"" },
};

static void run_cases(const struct bad *cases, size_t n, bool validate)
{
    for (size_t i = 0; i < n; i++) {
        struct tr_err err = { 0 };
        struct oci_spec *s = oci_parse(cases[i].json, strlen(cases[i].json), "config.json", &err);
        if (validate) {
            ok(s != NULL, "validate case %zu parses %s", i, s ? "" : err.msg);
            if (s && oci_validate(s, "config.json", &err) == 0)
                snprintf(err.msg, sizeof err.msg, "(validated)");
        } else if (s) {
            snprintf(err.msg, sizeof err.msg, "(parsed)");
        }
        is_s(err.msg, cases[i].msg, "%s case %zu: %.60s", validate ? "validate" : "parse", i, cases[i].msg);
        oci_free(s);
    }
}

static char *fixture_path(const char *name)
{
    const char *srcdir = getenv("srcdir");
    return xasprintf("%s/tests/unit/fixtures/spec/%s", srcdir ? srcdir : ".", name);
}

static void test_fixture(const char *name, const char *msg)
{
    _cleanup_free_ char *path = fixture_path(name);
    struct tr_err err = { 0 };
    size_t len;
    _cleanup_free_ char *text = read_file(path, &len, &err);
    struct oci_spec *s = text ? oci_parse(text, len, "config.json", &err) : NULL;
    ok(s == NULL, "%s is refused", name);
    is_s(err.msg, msg, "%s message", name);
    oci_free(s);
}

static void test_standalone(void)
{
    struct tr_err err = { 0 };
    const char *p1 = "{\"user\":{\"uid\":\"zero\",\"gid\":0},\"args\":[\"sh\"],\"cwd\":\"/\"}";
    ok(oci_parse_process(p1, strlen(p1), "process.json", &err) == NULL, "bad process.json refused");
    is_s(err.msg, "process.json: user.uid: expected unsigned 32-bit integer, got string \"zero\"",
         "process.json path has no 'process.' prefix");
    const char *p2 = "{\"cwd\":\"/\"}";
    ok(oci_parse_process(p2, strlen(p2), "process.json", &err) == NULL, "process.json without args refused");
    is_s(err.msg, "process.json: args: required", "process.json: args: required");
    const char *p4 = "{\"args\":[],\"cwd\":\"/\"}";
    struct oci_process *pr = oci_parse_process(p4, strlen(p4), "process.json", &err);
    ok(pr && oci_validate_process(pr, "process.json", &err) < 0, "empty args parse but do not validate");
    is_s(err.msg, "process.json: args: must not be empty", "oci_validate_process message");
    oci_process_free(pr);
    const char *p5 = "{\"args\":[\"sh\"],\"cwd\":\"/\"}";
    pr = oci_parse_process(p5, strlen(p5), "process.json", &err);
    ok(pr && oci_validate_process(pr, "process.json", &err) == 0, "minimal process.json validates");
    oci_process_free(pr);
    const char *p6 = "{\"args\":[\"sh\"],\"cwd\":\"\"}", *p7 = "{\"args\":[\"sh\"]}", *p8 = "{\"args\":[\"sh\"],\"cwd\":\"x\"}";
    pr = oci_parse_process(p6, strlen(p6), "process.json", &err);
    ok(pr && oci_validate_process(pr, "process.json", &err) == 0, "exec process with cwd \"\" validates (runc does)");
    oci_process_free(pr);
    pr = oci_parse_process(p7, strlen(p7), "process.json", &err);
    ok(pr && !pr->cwd && oci_validate_process(pr, "process.json", &err) == 0, "exec process without cwd validates");
    oci_process_free(pr);
    pr = oci_parse_process(p8, strlen(p8), "process.json", &err);
    ok(pr && oci_validate_process(pr, "process.json", &err) < 0, "exec process with relative cwd refused");
    is_s(err.msg, "process.json: cwd: must be an absolute path, got \"x\"", "relative exec cwd message");
    oci_process_free(pr);
    const char *p3 = "[]";
    oci_parse_process(p3, strlen(p3), "process.json", &err);
    is_s(err.msg, "process.json: expected object, got array", "process.json top-level type");
    const char *r1 = "{\"memory\":{\"limit\":\"1G\"}}";
    ok(oci_parse_resources(r1, strlen(r1), "resources.json", &err) == NULL, "bad resources refused");
    is_s(err.msg, "resources.json: memory.limit: expected 64-bit integer, got string \"1G\"", "resources path");
    const char *r2 = "{\"pids\":{\"limit\":null}}";
    oci_parse_resources(r2, strlen(r2), "resources.json", &err);
    is_s(err.msg, "resources.json: pids.limit: required", "resources pids.limit required");
    const char *r3 = "{\"cpu\":{\"cpus\":\"0-1\"},";
    oci_parse_resources(r3, strlen(r3), "resources.json", &err);
    is_s(err.msg, "resources.json: invalid JSON at line 1: premature EOF", "resources syntax error");
}

static void test_load(void)
{
    struct tr_err err = { 0 };
    ok(oci_load("/nonexistent-bundle", &err) == NULL && err.code == ENOENT, "missing bundle refused");
    is_s(err.msg, "open /nonexistent-bundle/config.json: No such file or directory; is --bundle right?",
         "missing config.json message");
    char dir[] = "/tmp/test-spec-XXXXXX";
    if (!mkdtemp(dir)) {
        skip("mkdtemp failed");
        return;
    }
    _cleanup_free_ char *cfg = xasprintf("%s/config.json", dir);
    const char *bad = PROCX("\"args\":[\"sh\"],\"cwd\":\"relative\"");
    write_file(cfg, bad, strlen(bad), 0644, &err);
    ok(oci_load(dir, &err) == NULL, "oci_load validates");
    is_s(err.msg, "config.json: process.cwd: must be an absolute path, got \"relative\"", "oci_load message");
    const char *good = CFG("\"hostname\":\"h\"");
    write_file(cfg, good, strlen(good), 0644, &err);
    struct oci_spec *s = oci_load(dir, &err);
    ok(s && streq(s->hostname, "h"), "oci_load reads, parses and validates");
    oci_free(s);
    unlink(cfg);
    rmdir(dir);
}

/* Every truncation of a full config is a JSON error, every single-byte corruption is either
 * accepted or refused with an "config.json: " message; none may crash or leak (run under
 * valgrind/ASan when changing the parser). */
static void test_corruption(void)
{
    _cleanup_free_ char *path = fixture_path("full.json");
    struct tr_err err = { 0 };
    size_t len;
    _cleanup_free_ char *text = read_file(path, &len, &err);
    if (!text) {
        skip("full.json not readable");
        return;
    }
    size_t end = (size_t) (strrchr(text, '}') - text), bad_prefix = 0, bad_mut = 0, accepted = 0, runs = 0;
    for (size_t n = 0; n <= end; n++) {
        struct oci_spec *s = oci_parse(text, n, "config.json", &err);
        bad_prefix += s != NULL || strncmp(err.msg, "config.json: invalid JSON at line ", 34) != 0;
        oci_free(s);
    }
    ok(bad_prefix == 0, "all %zu truncations refused as invalid JSON", end + 1);
    _cleanup_free_ char *copy = xmalloc(len);
    static const char subst[] = { '"', '9', '-', '{' };
    for (size_t i = 0; i < len; i += 3) {
        for (size_t k = 0; k < sizeof subst; k++) {
            memcpy(copy, text, len);
            copy[i] = subst[k];
            err.msg[0] = '\0';
            struct oci_spec *s = oci_parse(copy, len, "config.json", &err);
            runs++;
            accepted += s != NULL;
            bad_mut += !s && strncmp(err.msg, "config.json: ", 13) != 0;
            oci_free(s);
        }
    }
    ok(bad_mut == 0, "%zu corrupted configs: %zu accepted, the others refused with a config.json: message", runs,
       accepted);
}

/* The bounds of json-scan.c: 64 levels pass, a million fail without a crash, size limit. */
static void test_limits(void)
{
    struct tr_err err = { 0 };
    size_t n = 1000000, len = 0;
    char *deep = xmalloc(2 * n + 64);
    len += (size_t) sprintf(deep, "{\"x\":");
    memset(deep + len, '[', n);
    memset(deep + len + n, ']', n);
    len += 2 * n;
    deep[len++] = '}';
    struct oci_spec *s = oci_parse(deep, len, "config.json", &err);
    ok(s == NULL && strstr(err.msg, "nested deeper than 64 levels"), "a million nested arrays refused: %s", err.msg);
    /* top-level object + 63 arrays = 64 levels */
    len = (size_t) sprintf(deep, "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"r\"},\"x\":");
    memset(deep + len, '[', 63);
    memset(deep + len + 63, ']', 63);
    len += 126;
    deep[len++] = '}';
    s = oci_parse(deep, len, "config.json", &err);
    ok(s != NULL, "64 levels accepted %s", s ? "" : err.msg);
    oci_free(s);
    free(deep);
    size_t big = (4u << 20) + 1;
    char *huge = xmalloc(big);
    memset(huge, ' ', big);
    huge[0] = '{';
    huge[big - 1] = '}';
    s = oci_parse(huge, big, "config.json", &err);
    is_s(err.msg, "config.json: 4194305 bytes, more than the 4 MiB limit for a JSON document; is it the right file?",
         "4 MiB + 1 refused");
    oci_free(s);
    huge[big - 2] = '}';
    err.msg[0] = '\0';
    s = oci_parse(huge, big - 1, "config.json", &err);
    ok(s != NULL || strstr(err.msg, "ociVersion") || strstr(err.msg, "root"), "exactly 4 MiB is read: %s", err.msg);
    oci_free(s);
    free(huge);
}

int main(void)
{
    test_limits();
    run_cases(parse_cases, ARRAY_SIZE(parse_cases), false);
    run_cases(validate_cases, ARRAY_SIZE(validate_cases), true);
    test_fixture("bad-types.json", "config.json: process.user.uid: expected unsigned 32-bit integer, got string \"zero\"");
    test_fixture("bad-namespace.json", "config.json: linux.namespaces[2].type: unknown namespace type \"foo\" "
                                       "(expected one of pid, network, mount, ipc, uts, user, cgroup, time)");
    test_fixture("bad-syntax.json", "config.json: invalid JSON at line 5: unallowed token at this point in JSON text");
    test_standalone();
    test_load();
    test_corruption();
    return done_testing();
}
