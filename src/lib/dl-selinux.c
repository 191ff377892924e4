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
static void probe(void)
{
    host_enabled = is_selinux_enabled() > 0;
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
