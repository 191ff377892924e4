#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "keyring.h"
#include "log.h"

/* <linux/keyctl.h>, not always installed */
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_SETPERM 5
#define KEYCTL_DESCRIBE 6
#define KEY_USR_SEARCH 0x00080000u
#define KEY_OTH_SEARCH 0x00000008u

/* "keyring;uid;gid;perm;name": the perm field (hex). */
static int key_perm(long key, unsigned *perm, struct tr_err *err)
{
    char desc[512];
    long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, key, desc, sizeof desc - 1, 0);
    if (n < 0)
        return tr_fail(err, errno, "keyctl(KEYCTL_DESCRIBE) of the new session keyring");
    desc[(size_t) n < sizeof desc ? (size_t) n : sizeof desc - 1] = '\0';
    if (sscanf(desc, "%*[^;];%*[^;];%*[^;];%x;", perm) != 1)
        return tr_failx(err, "keyctl(KEYCTL_DESCRIBE): unexpected description \"%.100s\"", desc);
    return 0;
}

int keyring_join_session(const char *id, bool in_userns, struct tr_err *err)
{
    char name[300];
    unsigned perm;
    snprintf(name, sizeof name, "_ses.%s", id);
    long key = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0);
    if (key < 0 && errno == ENOSYS) {
        tr_debug("no keyrings in this kernel: the container keeps the caller's session keyring");
        return 0;
    }
    if (key < 0)
        return tr_fail(err, errno, "join a new session keyring \"%s\" (--no-new-keyring keeps the caller's)", name);
    if (key_perm(key, &perm, err) < 0)
        return -1;
    perm |= in_userns ? KEY_OTH_SEARCH : KEY_USR_SEARCH;
    if (syscall(SYS_keyctl, KEYCTL_SETPERM, key, perm, 0, 0) < 0)
        return tr_fail(err, errno, "keyctl(KEYCTL_SETPERM) on the session keyring \"%s\"", name);
    return 0;
}
