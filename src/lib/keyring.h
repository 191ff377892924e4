/* The container's session keyring. As runc: the init joins a new session keyring named
 * "_ses.<id>", so that the container does not share the caller's keys (a shell's, a
 * service's), and makes it searchable by its owner (by "other" in a user namespace, where
 * the owner is an id of the parent namespace). --no-new-keyring keeps the caller's. */
#ifndef TINYRUN_KEYRING_H
#define TINYRUN_KEYRING_H
#include <stdbool.h>
#include "error.h"

/* Child (the init, and an exec'd process, which so finds the init's: joining by name takes an
 * existing keyring the caller may search), once it has its final namespaces' ids: join
 * "_ses.<id>". A kernel without keyrings (ENOSYS) is skipped with a debug line, as runc does. */
int keyring_join_session(const char *id, bool in_userns, struct tr_err *err);

#endif
