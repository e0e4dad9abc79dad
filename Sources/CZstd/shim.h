#ifndef FLEET_CZSTD_SHIM_H
#define FLEET_CZSTD_SHIM_H
/* zstd from the system (Debian: libzstd-dev): the chunk codec's entropy stage. */
#include <zstd.h>
#endif
