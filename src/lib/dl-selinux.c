/* The libselinux probe (dl-selinux.h). */
#include "config.h"
#ifdef HAVE_SELINUX
#include <selinux/selinux.h>
#include <stdio.h>
#include <unistd.h>
#include "dl-selinux.h"

static bool host_enabled;
static char load_error[256];

#ifdef TR_DLOPEN
#include <dlfcn.h>

static void probe(void)
{
    if (access("/sys/fs/selinux", F_OK) != 0)
        return;
    void *h = dlopen("libselinux.so.1", RTLD_NOW | RTLD_LOCAL);
    __typeof__(is_selinux_enabled) *enabled = h ? (__typeof__(is_selinux_enabled) *) dlsym(h, "is_selinux_enabled") : NULL;
    if (!enabled) {
        /* what a build without libselinux decides; labels are refused with this error */
        host_enabled = access("/sys/fs/selinux/enforce", F_OK) == 0;
        snprintf(load_error, sizeof load_error, "%s", dlerror());
        return;
    }
    host_enabled = enabled() > 0;
}
#else
#include <sys/vfs.h>
#define SELINUX_MAGIC 0xf97cff8c

/* libselinux's is_selinux_enabled() is this: selinuxfs mounted (its init looks at /sys/fs/selinux,
 * then /selinux) and /etc/selinux/config there (libselinux 3.4, enabled.c and init.c). Linking
 * that call would link libselinux's constructor, which runs at every start of the static binary
 * (two statfs, a read of /proc/filesystems, an access: 8 syscalls); a host without selinuxfs pays
 * one statfs here. */
static bool selinuxfs_at(const char *dir)
{
    struct statfs st;
    return statfs(dir, &st) == 0 && (unsigned long) st.f_type == SELINUX_MAGIC;
}

static void probe(void)
{
    host_enabled = (selinuxfs_at("/sys/fs/selinux") || selinuxfs_at("/selinux")) &&
                   access("/etc/selinux/config", F_OK) == 0;
}
#endif

__attribute__((constructor)) static void selinux_probe_at_start(void)
{
    probe();
}

bool tr_selinux_host_enabled(void)
{
    return host_enabled;
}

const char *tr_selinux_load_error(void)
{
    return load_error[0] ? load_error : NULL;
}
#endif
