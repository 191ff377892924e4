/* Whether SELinux is on, decided once at program start: before any namespace or pivot_root
 * (the init's rootfs code asks too), as libselinux does at load. With TR_DLOPEN, libselinux is
 * loaded only where /sys/fs/selinux exists, so most hosts never load it (nor libpcre2). */
#ifndef TINYRUN_DL_SELINUX_H
#define TINYRUN_DL_SELINUX_H
#include <stdbool.h>

bool tr_selinux_host_enabled(void);
/* NULL, or why libselinux.so.1 could not be loaded on a SELinux host (labels are then refused). */
const char *tr_selinux_load_error(void);

#endif
