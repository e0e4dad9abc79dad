// Makes Swift's `Synchronization.Mutex` visible to ThreadSanitizer on Linux.
//
// `Mutex.withLock` is inlined into our (instrumented) code, and so is its fast path: one
// compare-exchange to lock, one to unlock, which TSan sees as an acquire and a release on the
// lock word. When the lock is contended, the inlined code calls `_MutexHandle._lockSlow` and
// `_unlockSlow` in libswiftSynchronization.so instead: spinning and FUTEX_LOCK_PI /
// FUTEX_UNLOCK_PI system calls in a library built without TSan. TSan never sees that hand-over,
// so two threads taking turns through the slow path look unsynchronized, and it reports a
// "Swift access race" on whatever the Mutex protects. A program that only adds to a
// `Mutex<Int>` from two threads gets that report while its total comes out exact
// (FleetRaceCheck's `mutex` check is that program): the report is about the toolchain, not
// a race.
//
// The cure is what TSan's manual prescribes for synchronization it cannot see: annotate it.
// This file, linked into FleetRaceCheck and the test binary, defines the two slow-path
// symbols itself (the executable's definition wins over the library's), calls the library's
// own (found with dlsym(RTLD_NEXT)), and tells TSan: release on the lock word before
// unlocking, acquire on it after locking. That adds exactly the happens-before edges the
// Mutex provides, no others, so a real race (an access outside the lock) is still reported.
// Nothing is suppressed.
//
// Only in a TSan build (`swift build --sanitize=thread`, which compiles C targets with
// -fsanitize=thread too); in every other build this file defines nothing but the flag below.
// FLEET_TSAN_MUTEX_ANNOTATIONS=off in the environment leaves the annotations out at run time,
// to see the false reports they prevent.
#include "CTSanMutex.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && defined(__linux__) && defined(__x86_64__)
#define FLEET_TSAN_MUTEX 1
#endif
#endif

#if FLEET_TSAN_MUTEX

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void __tsan_acquire(void *address);
void __tsan_release(void *address);

// The Swift methods' symbols (Swift 6.x; `nm -D libswiftSynchronization.so`). `self`, the
// handle whose first word is the lock, is passed by address in the swiftself register,
// which clang's `swift_context` parameter is.
#define LOCK_SLOW "$s15Synchronization12_MutexHandleV9_lockSlowyys6UInt32VF"
#define TRY_LOCK_SLOW "$s15Synchronization12_MutexHandleV12_tryLockSlowSbyF"
#define UNLOCK_SLOW "$s15Synchronization12_MutexHandleV11_unlockSlowyyF"

typedef __attribute__((swiftcall)) void (*LockSlow)(uint32_t, void *__attribute__((swift_context)));
typedef __attribute__((swiftcall)) bool (*TryLockSlow)(void *__attribute__((swift_context)));
typedef __attribute__((swiftcall)) void (*UnlockSlow)(void *__attribute__((swift_context)));

// Resolved before main, while only one thread runs; read-only afterwards.
static LockSlow library_lock_slow;
static TryLockSlow library_try_lock_slow;
static UnlockSlow library_unlock_slow;
static bool annotate;

static void *library_symbol(const char *name) {
    void *symbol = dlsym(RTLD_NEXT, name);
    if (symbol == NULL) {
        fprintf(stderr, "CTSanMutex: %s not found after this executable: %s\n", name, dlerror());
        abort();
    }
    return symbol;
}

__attribute__((constructor)) static void resolve_library_symbols(void) {
    library_lock_slow = (LockSlow)library_symbol(LOCK_SLOW);
    library_try_lock_slow = (TryLockSlow)library_symbol(TRY_LOCK_SLOW);
    library_unlock_slow = (UnlockSlow)library_symbol(UNLOCK_SLOW);
    const char *setting = getenv("FLEET_TSAN_MUTEX_ANNOTATIONS");
    annotate = setting == NULL || strcmp(setting, "off") != 0;
}

__attribute__((swiftcall)) void fleet_lock_slow(uint32_t self_id, void *__attribute__((swift_context)) handle)
    __asm__(LOCK_SLOW);
__attribute__((swiftcall)) bool fleet_try_lock_slow(void *__attribute__((swift_context)) handle)
    __asm__(TRY_LOCK_SLOW);
__attribute__((swiftcall)) void fleet_unlock_slow(void *__attribute__((swift_context)) handle)
    __asm__(UNLOCK_SLOW);

__attribute__((swiftcall)) void fleet_lock_slow(uint32_t self_id, void *__attribute__((swift_context)) handle) {
    library_lock_slow(self_id, handle);
    // Acquire: pairs with the release of whoever held the lock, slow path or fast.
    if (annotate) __tsan_acquire(handle);
}

__attribute__((swiftcall)) bool fleet_try_lock_slow(void *__attribute__((swift_context)) handle) {
    bool locked = library_try_lock_slow(handle);
    if (locked && annotate) __tsan_acquire(handle);
    return locked;
}

__attribute__((swiftcall)) void fleet_unlock_slow(void *__attribute__((swift_context)) handle) {
    // Release before the hand-over, so the next holder's acquire sees our writes.
    if (annotate) __tsan_release(handle);
    library_unlock_slow(handle);
}

int fleet_tsan_mutex_annotations_active(void) { return annotate ? 1 : 0; }

#else

int fleet_tsan_mutex_annotations_active(void) { return 0; }

#endif
