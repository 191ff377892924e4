/* libseccomp's <seccomp.h>: our own src/lib/seccomp.h shadows that name on the include path,
 * so reach the system header through the next include directory. */
#ifndef TINYRUN_LIBSECCOMP_H
#define TINYRUN_LIBSECCOMP_H
#pragma GCC system_header
#include_next <seccomp.h>
#endif
