/* Tables for the top level of config.json (root, mounts, hooks, annotations) and the public
 * entry points oci_parse / oci_free. */
#include <config.h>
#include <stdlib.h>
#include "parse-internal.h"

static const struct oci_field root_fields[] = {
    FS(struct oci_spec, "path", root_path, F_REQUIRED),
    FB(struct oci_spec, "readonly", root_readonly, 0),
};
static TYPE(root_type, struct oci_spec, root_fields, NULL);

static const struct oci_field mount_fields[] = {
    FS(struct oci_mount, "destination", destination, F_REQUIRED),
    FS(struct oci_mount, "type", type, 0),
    FS(struct oci_mount, "source", source, 0),
    FV(struct oci_mount, "options", options),
    FA(struct oci_mount, "uidMappings", uid_mappings, oci_idmap_type),
    FA(struct oci_mount, "gidMappings", gid_mappings, oci_idmap_type),
};
static TYPE(mount_type, struct oci_mount, mount_fields, NULL);

static const struct oci_field hook_fields[] = {
    FS(struct oci_hook, "path", path, F_REQUIRED),
    FV(struct oci_hook, "args", args),
    FV(struct oci_hook, "env", env),
    FNH(struct oci_hook, "timeout", K_I32, timeout),
};
static TYPE(hook_type, struct oci_hook, hook_fields, NULL);

#define HOOK_ROW(k, kind) \
    { k, K_ARR, 0, offsetof(struct oci_hooks, list[kind]), NO_OFF, offsetof(struct oci_hooks, len[kind]), \
      &hook_type, 0, NULL, NULL }
/* Same order as enum oci_hook_kind: oci_hook_kind_name() reads the keys from here. */
static const struct oci_field hooks_fields[] = {
    HOOK_ROW("prestart", OCI_HOOK_PRESTART),
    HOOK_ROW("createRuntime", OCI_HOOK_CREATE_RUNTIME),
    HOOK_ROW("createContainer", OCI_HOOK_CREATE_CONTAINER),
    HOOK_ROW("startContainer", OCI_HOOK_START_CONTAINER),
    HOOK_ROW("poststart", OCI_HOOK_POSTSTART),
    HOOK_ROW("poststop", OCI_HOOK_POSTSTOP),
};
static TYPE(hooks_type, struct oci_hooks, hooks_fields, NULL);

static const struct oci_field spec_fields[] = {
    FS(struct oci_spec, "ociVersion", oci_version, 0),
    FI0("root", root_type),
    FA(struct oci_spec, "mounts", mounts, mount_type),
    FO(struct oci_spec, "process", process, oci_process_type),
    FS(struct oci_spec, "hostname", hostname, 0),
    FS(struct oci_spec, "domainname", domainname, 0),
    FI(struct oci_spec, "hooks", hooks, hooks_type, 0),
    FKV(struct oci_spec, "annotations", annotations),
    FO(struct oci_spec, "linux", linux_, oci_linux_type),
};
TYPE(oci_spec_type, struct oci_spec, spec_fields, NULL);

const char *oci_hook_kind_name(enum oci_hook_kind k)
{
    return (unsigned) k < OCI_HOOK__COUNT ? hooks_fields[k].key : "unknown";
}

struct oci_spec *oci_parse(const char *json, size_t len, const char *origin, struct tr_err *err)
{
    return oci_parse_document(&oci_spec_type, json, len, origin, err);
}

void oci_free(struct oci_spec *spec)
{
    oci_free_object(&oci_spec_type, spec);
    free(spec);
}

const struct oci_ignored_path oci_ignored_paths[] = {
    { "windows", "Windows containers: not a Linux runtime's business" },
    { "solaris", "Solaris zones" },
    { "vm", "hypervisor-based runtimes (Kata and the like)" },
    { "zos", "z/OS" },
    { "linux.intelRdt.enableCMT", "runc 1.0's monitoring switches, gone from runtime-spec 1.2 (enableMonitoring replaces them)" },
    { "linux.intelRdt.enableMBM", "runc 1.0's monitoring switches, gone from runtime-spec 1.2 (enableMonitoring replaces them)" },
    { NULL, NULL },
};
