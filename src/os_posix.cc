// os_posix.cc -- os.h on Linux and other POSIX systems.
#include "os.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

namespace ffix {

void *reserve_memory(size_t bytes) {
  // Untouched pages cost nothing, and MAP_NORESERVE keeps a large
  // reservation out of the overcommit accounting.
  void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

bool commit_memory(void *, size_t) { return true; }

void discard_memory(void *p, size_t bytes) { madvise(p, bytes, MADV_DONTNEED); }

void *alloc_aligned(size_t align, size_t bytes) { return aligned_alloc(align, (bytes + align - 1) & ~(align - 1)); }
void free_aligned(void *p) { free(p); }

void write_stderr(const char *message, size_t len) {
  while (len > 0) {
    ssize_t n = write(2, message, len);
    if (n <= 0) return;
    message += n;
    len -= static_cast<size_t>(n);
  }
}

bool debug_requested() {
  const char *v = getenv("FFIX_DEBUG");
  return v && v[0] && !(v[0] == '0' && !v[1]);
}

#if defined(__GLIBC__)
// glibc's pthread_atfork is a wrapper in libc_nonshared.a that passes the
// library's __dso_handle (so that the handlers go when the library is
// unloaded).  Calling what it wraps keeps that object, which has no BTI
// or PAC property note, out of an AArch64 library.
extern "C" int __register_atfork(void (*)(void), void (*)(void), void (*)(void), void *);
extern "C" void *__dso_handle;
#endif

void at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void)) {
#if defined(__GLIBC__)
  __register_atfork(prepare, parent, child, __dso_handle);
#else
  pthread_atfork(prepare, parent, child);
#endif
}

void yield_processor() { sched_yield(); }

size_t page_size() {
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? static_cast<size_t>(page) : 0;
}

} // namespace ffix
