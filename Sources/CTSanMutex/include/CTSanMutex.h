#ifndef FLEET_CTSANMUTEX_H
#define FLEET_CTSANMUTEX_H

/// 1 when this build tells ThreadSanitizer about `Synchronization.Mutex`'s contended path
/// (a build with `--sanitize=thread` on Linux, unless FLEET_TSAN_MUTEX_ANNOTATIONS=off),
/// 0 otherwise.
int fleet_tsan_mutex_annotations_active(void);

#endif
