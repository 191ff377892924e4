/* The state directory <root>/<id>/ (docs/state-dir.md): state.json (tinyrun's private state,
 * written atomically), config.json (the bundle's config as it was at create: delete needs its
 * hooks and annotations), exec.fifo (exists from create until start). */
#ifndef TINYRUN_STATE_DIR_H
#define TINYRUN_STATE_DIR_H
#include <stdbool.h>
#include <sys/types.h>
#include "error.h"
#include "runstate.h"
#include "spec.h"

enum tr_status { TR_CREATING, TR_CREATED, TR_RUNNING, TR_PAUSED, TR_STOPPED };
const char *tr_status_name(enum tr_status s);

/* What a create in progress has made so far (<dir>/creating), for a delete --force after the
 * create died (kill -9): each item is recorded before it exists. */
struct tr_pending {
    char *cgroup;                   /* cgroup_serialize form, NULL before any cgroup */
    pid_t pid;                      /* the init, 0 before the clone */
    unsigned long long start_time;
};

struct tr_container {
    char *id;
    char *dir;                  /* <root>/<id> */
    int dirfd;                  /* O_DIRECTORY, flock()ed when locked */
    struct oci_runstate *runstate;    /* NULL while creating */
    struct tr_pending pending;  /* read when runstate is NULL */
};

int state_validate_id(const char *id, struct tr_err *err);
/* mkdir <root>/<id> exclusively and lock it. "container ID already exists" on EEXIST. */
int state_reserve(const char *root, const char *id, struct tr_container *c, struct tr_err *err);
/* Open and read an existing container: "container ID does not exist". lock: take flock. */
int state_open(const char *root, const char *id, bool lock, struct tr_container *c, struct tr_err *err);
void state_close(struct tr_container *c);
int state_save(struct tr_container *c, struct tr_err *err);
/* create: record c->pending (atomically) before making what it names. */
int state_save_pending(struct tr_container *c, struct tr_err *err);
/* Lock without waiting: 0 locked, 1 held by another process (a create in progress), -1 error. */
int state_try_lock(struct tr_container *c, struct tr_err *err);
/* delete --force of a create in progress leaves this mark for the create to find. */
int state_mark_deleted(struct tr_container *c, struct tr_err *err);
bool state_is_marked_deleted(struct tr_container *c);
/* Remove the state dir and everything in it. */
int state_remove(struct tr_container *c, struct tr_err *err);
/* Load the saved config.json (for hooks, annotations, namespaces). */
struct oci_spec *state_load_spec(struct tr_container *c, struct tr_err *err);

/* Live status: creating (no pid yet), stopped (gone, zombie, or pid reused), created (fifo
 * still there), paused (cgroup frozen), running. */
enum tr_status state_status(struct tr_container *c);
/* /proc/<pid>/stat field 22 (start time in clock ticks); 0 if gone; zombie counts as gone. */
unsigned long long proc_start_time(pid_t pid);
/* pidfd for the container init (of state.json, else of the pending record) if it is still the
 * same process, else -1 (errno ESRCH). */
int state_open_pidfd(struct tr_container *c);

#endif
