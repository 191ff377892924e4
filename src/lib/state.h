/* The state directory <root>/<id>/ (docs/state-dir.md): state.json (tinyrun's private state,
 * written atomically), config.json (the bundle's config as it was at create: delete needs its
 * hooks and annotations), exec.fifo (exists from create until start). */
#ifndef TINYRUN_STATE_H
#define TINYRUN_STATE_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "runstate.h"
#include "spec.h"

enum tr_status { TR_CREATING, TR_CREATED, TR_RUNNING, TR_PAUSED, TR_STOPPED };
const char *tr_status_name(enum tr_status s);

struct tr_container {
    char *id;
    char *dir;                  /* <root>/<id> */
    int dirfd;                  /* O_DIRECTORY, flock()ed when locked */
    struct oci_runstate *rs;    /* NULL while creating */
};

int state_validate_id(const char *id, struct tr_err *err);
/* mkdir <root>/<id> exclusively and lock it. "container ID already exists" on EEXIST. */
int state_reserve(const char *root, const char *id, struct tr_container *c, struct tr_err *err);
/* Open and read an existing container: "container ID does not exist". lock: take flock. */
int state_open(const char *root, const char *id, bool lock, struct tr_container *c, struct tr_err *err);
void state_close(struct tr_container *c);
int state_save(struct tr_container *c, struct tr_err *err);
/* Remove the state dir and everything in it. */
int state_remove(struct tr_container *c, struct tr_err *err);
/* Load the saved config.json (for hooks, annotations, namespaces). */
struct oci_spec *state_load_spec(struct tr_container *c, struct tr_err *err);

/* Live status: creating (no pid yet), stopped (gone, zombie, or pid reused), created (fifo
 * still there), paused (cgroup frozen), running. */
enum tr_status state_status(struct tr_container *c);
/* /proc/<pid>/stat field 22 (start time in clock ticks); 0 if gone; zombie counts as gone. */
unsigned long long proc_start_time(pid_t pid);
/* pidfd for the container init if it is still the same process, else -1 (errno ESRCH). */
int state_open_pidfd(struct tr_container *c);

#endif
