/* The libsystemd loader (dl-systemd.h). */
#include "config.h"
#ifdef HAVE_SYSTEMD
#define TR_DL_SYSTEMD_LOADER
#include <systemd/sd-bus.h>
#include "dl-systemd.h"
#ifdef TR_DLOPEN
#include <dlfcn.h>

struct tr_sd_api tr_sd;

int tr_sd_load(const char *feature, struct tr_err *err)
{
    static void *lib;
    if (lib)
        return 0;
    void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        return tr_failx(err, "%s needs libsystemd.so.0: %s; install libsystemd0 or use the cgroupfs driver",
                        feature, dlerror());
    struct tr_sd_api api;
#define TR_SD_SYM(name)                                                                          \
    if (!(*(void **) &api.name = dlsym(h, #name))) {                                             \
        tr_failx(err, "%s needs libsystemd.so.0 with %s: %s", feature, #name, dlerror());        \
        dlclose(h);                                                                              \
        return -1;                                                                               \
    }
    TR_SD_FUNCS(TR_SD_SYM)
#undef TR_SD_SYM
    tr_sd = api;
    lib = h;
    return 0;
}
#else
int tr_sd_load(const char *feature, struct tr_err *err)
{
    (void) feature; (void) err;
    return 0;
}
#endif
#endif
