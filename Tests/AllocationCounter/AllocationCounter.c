#include "AllocationCounter.h"

#include <errno.h>  // also defines __GLIBC__ (through features.h) on glibc
#include <stddef.h>

// Under ThreadSanitizer (or AddressSanitizer, MemorySanitizer) the sanitizer's runtime owns
// malloc and free. Interposing malloc alone then hands glibc's blocks to the sanitizer's
// free, and the test binary died with SIGSEGV before its first test (`swift build
// --sanitize=thread --build-tests`; a C program that mallocs and frees once does the same).
// There the counter is unavailable and the allocation tests are skipped.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define FLEET_SANITIZER_OWNS_MALLOC 1
#endif
#endif

#if defined(__linux__) && defined(__GLIBC__) && !defined(FLEET_SANITIZER_OWNS_MALLOC)

// glibc's allocator under its internal names: forwarding to these (rather than looking
// up the next `malloc` with dlsym, which itself allocates) keeps the interposer free of
// recursion and of start-up ordering problems.
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

// Initial-exec TLS: reading it never calls into the allocator.
static __thread int counting __attribute__((tls_model("initial-exec")));
static __thread long allocations __attribute__((tls_model("initial-exec")));

static inline void note(void) {
    if (counting) allocations += 1;
}

void *malloc(size_t size) {
    note();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    note();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    note();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    note();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    note();
    if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment % sizeof(void *) != 0) {
        return EINVAL;
    }
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL) return ENOMEM;
    *result = pointer;
    return 0;
}

int fleet_allocation_counter_available(void) { return 1; }

void fleet_allocation_counter_start(void) {
    allocations = 0;
    counting = 1;
}

long fleet_allocation_counter_stop(void) {
    counting = 0;
    return allocations;
}

#else

int fleet_allocation_counter_available(void) { return 0; }
void fleet_allocation_counter_start(void) {}
long fleet_allocation_counter_stop(void) { return -1; }

#endif
