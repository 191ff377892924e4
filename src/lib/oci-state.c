#include "config.h"
#include "oci-state.h"

/* The ociVersion of a state whose config.json is gone: the spec version we implement. */
#define OCI_STATE_FALLBACK_VERSION "1.2.0"

struct oci_state oci_state_of(const struct oci_spec *spec, const char *id, const char *bundle,
                              const char *status, int pid)
{
    return (struct oci_state) {
        .oci_version = spec && spec->oci_version ? spec->oci_version : OCI_STATE_FALLBACK_VERSION,
        .id = id, .status = status, .pid = pid, .bundle = bundle,
        .annotations = spec ? spec->annotations : NULL,
        .annotations_len = spec ? spec->annotations_len : 0,
    };
}
