/* sd-bus through dlopen: libsystemd (and the libgcrypt, lzma, zstd, lz4 it pulls in) is loaded
 * only when --systemd-cgroup opens a bus, not at every start. Include after <systemd/sd-bus.h>:
 * with TR_DLOPEN the sd_bus_* names used by cgroup/systemd.c become calls through tr_sd. */
#ifndef TINYRUN_DL_SYSTEMD_H
#define TINYRUN_DL_SYSTEMD_H
#include "config.h"
#include "error.h"

/* Loads libsystemd.so.0 once; -1 with "<feature> needs libsystemd.so.0: <dlerror>" otherwise.
 * Without TR_DLOPEN (static or plain-linked build) it always succeeds. */
int tr_sd_load(const char *feature, struct tr_err *err);

#ifdef TR_DLOPEN
#define TR_SD_FUNCS(X) \
    X(sd_bus_open_system) X(sd_bus_new) X(sd_bus_set_address) X(sd_bus_set_bus_client) \
    X(sd_bus_start) X(sd_bus_unref) X(sd_bus_flush_close_unref) X(sd_bus_process) X(sd_bus_wait) \
    X(sd_bus_call) X(sd_bus_call_method) X(sd_bus_get_property_string) X(sd_bus_match_signal) \
    X(sd_bus_slot_unref) X(sd_bus_error_free) X(sd_bus_error_has_name) \
    X(sd_bus_message_new_method_call) X(sd_bus_message_unref) X(sd_bus_message_read) \
    X(sd_bus_message_append) X(sd_bus_message_append_array) \
    X(sd_bus_message_open_container) X(sd_bus_message_close_container)

#define TR_SD_FIELD(name) __typeof__(name) *name;
struct tr_sd_api { TR_SD_FUNCS(TR_SD_FIELD) };
#undef TR_SD_FIELD
extern struct tr_sd_api tr_sd;

#ifndef TR_DL_SYSTEMD_LOADER   /* the loader itself assigns the fields by their names */
#define sd_bus_open_system (*tr_sd.sd_bus_open_system)
#define sd_bus_new (*tr_sd.sd_bus_new)
#define sd_bus_set_address (*tr_sd.sd_bus_set_address)
#define sd_bus_set_bus_client (*tr_sd.sd_bus_set_bus_client)
#define sd_bus_start (*tr_sd.sd_bus_start)
#define sd_bus_unref (*tr_sd.sd_bus_unref)
#define sd_bus_flush_close_unref (*tr_sd.sd_bus_flush_close_unref)
#define sd_bus_process (*tr_sd.sd_bus_process)
#define sd_bus_wait (*tr_sd.sd_bus_wait)
#define sd_bus_call (*tr_sd.sd_bus_call)
#define sd_bus_call_method (*tr_sd.sd_bus_call_method)
#define sd_bus_get_property_string (*tr_sd.sd_bus_get_property_string)
#define sd_bus_match_signal (*tr_sd.sd_bus_match_signal)
#define sd_bus_slot_unref (*tr_sd.sd_bus_slot_unref)
#define sd_bus_error_free (*tr_sd.sd_bus_error_free)
#define sd_bus_error_has_name (*tr_sd.sd_bus_error_has_name)
#define sd_bus_message_new_method_call (*tr_sd.sd_bus_message_new_method_call)
#define sd_bus_message_unref (*tr_sd.sd_bus_message_unref)
#define sd_bus_message_read (*tr_sd.sd_bus_message_read)
#define sd_bus_message_append (*tr_sd.sd_bus_message_append)
#define sd_bus_message_append_array (*tr_sd.sd_bus_message_append_array)
#define sd_bus_message_open_container (*tr_sd.sd_bus_message_open_container)
#define sd_bus_message_close_container (*tr_sd.sd_bus_message_close_container)
#endif
#endif
#endif
