/* strict_pages.c -- preloaded (LD_PRELOAD) into a test program run under
   qemu-user with -p 16384 or -p 65536, so that the memory calls a program
   makes obey the page size it was told, as on an arm64 kernel built with
   that page size.

   qemu 7.2's -p changes what the guest is told (AT_PAGESZ, hence
   sysconf(_SC_PAGESIZE) and getpagesize()) and the alignment of the
   addresses mmap picks, but it still accepts anything aligned to 4 KiB: a
   MAP_FIXED address, a file offset, mprotect, munmap, madvise or mremap at
   4 KiB past a 64 KiB boundary all succeed, where the kernel says EINVAL.
   A trampoline mapping laid out for 4 KiB pages would pass unnoticed.
   These wrappers refuse such calls with EINVAL, as the kernel would, and
   make the call themselves (syscall(2): no dlsym, no allocation, so the
   no-allocation test can run under them).  Lengths need no alignment (the
   kernel rounds them up).  Only calls through the PLT are seen: the
   loader's and libc's internal ones are the system's own business.  */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static uintptr_t page_mask(void)
{
  static uintptr_t mask;
  if (!mask) mask = (uintptr_t)sysconf(_SC_PAGESIZE) - 1;
  return mask;
}

static int misaligned(uintptr_t value) { return (value & page_mask()) != 0; }

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
  if (misaligned((uintptr_t)offset) || ((flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && misaligned((uintptr_t)addr))) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, offset);
}

/* One symbol on LP64 glibc, but a caller may name either.  */
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t offset)
{
  return mmap(addr, len, prot, flags, fd, offset);
}

int mprotect(void *addr, size_t len, int prot)
{
  if (misaligned((uintptr_t)addr)) {
    errno = EINVAL;
    return -1;
  }
  return (int)syscall(SYS_mprotect, addr, len, prot);
}

int munmap(void *addr, size_t len)
{
  if (misaligned((uintptr_t)addr)) {
    errno = EINVAL;
    return -1;
  }
  return (int)syscall(SYS_munmap, addr, len);
}

int madvise(void *addr, size_t len, int advice)
{
  if (misaligned((uintptr_t)addr)) {
    errno = EINVAL;
    return -1;
  }
  return (int)syscall(SYS_madvise, addr, len, advice);
}

void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) {
    va_list ap;
    va_start(ap, flags);
    new_addr = va_arg(ap, void *);
    va_end(ap);
  }
  if (misaligned((uintptr_t)old) || ((flags & MREMAP_FIXED) && misaligned((uintptr_t)new_addr))) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  return (void *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}
