#ifndef FLEET_ALLOCATION_COUNTER_H
#define FLEET_ALLOCATION_COUNTER_H

// Test support: counts heap allocations made by the calling thread, so a test can show
// that a hot path (decoding a frame) does not allocate. Linked into the test binary, it
// interposes malloc and friends (an executable's definitions take precedence over
// libc's) and forwards every call to glibc unchanged; it only counts between start and
// stop, and only on the thread that called start, so tests running in parallel on other
// threads are neither counted nor affected.

/// 1 where allocations can be counted (Linux with glibc, no sanitizer), 0 elsewhere.
int fleet_allocation_counter_available(void);

/// Starts counting the calling thread's allocations from zero.
void fleet_allocation_counter_start(void);

/// Stops counting and returns the calling thread's allocations since start.
long fleet_allocation_counter_stop(void);

#endif
