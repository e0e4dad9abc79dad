#ifndef FLEET_CZEROMQ_SHIM_H
#define FLEET_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

#if defined(__linux__)
#include <sys/prctl.h>
/* Names the calling thread (at most 15 bytes are kept) so operators can tell the
   receiver and ZAP threads apart in top/ps. Swift cannot see pthread_setname_np,
   which glibc hides behind _GNU_SOURCE, and cannot call the variadic prctl. */
static inline int fleet_zmq_name_this_thread(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}
#endif
#endif
