#ifndef FLEET_CZEROMQ_SHIM_H
#define FLEET_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>
#endif
