/* noproc.c -- preloaded (LD_PRELOAD) by replaced.sh to stand in for a
   process without /proc (a chroot or container that does not mount it):
   open and openat of any path under /proc/ fail with ENOENT, everything
   else is opened by the system call itself (no dlsym, no allocation).
   A mount namespace would be the real thing, but unshare needs
   privileges a test run may not have.  Only calls through the PLT are
   seen, which is how libffi.so.8 opens files.  With FFIX_TEST_NO_MEMFD=1
   memfd_create fails too (ENOSYS, as on kernels before 3.17 or under a
   seccomp filter), which leaves ffix its last resort.  */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int refused(const char *path) { return strncmp(path, "/proc/", 6) == 0 || strcmp(path, "/proc") == 0; }

static int open_at(int dir, const char *path, int flags, mode_t mode)
{
  if (refused(path)) {
    errno = ENOENT;
    return -1;
  }
  return (int)syscall(SYS_openat, dir, path, flags, mode);
}

/* The mode is there only when the flags create a file.  */
#define MODE_ARG(flags, mode)                                                                                          \
  mode_t mode = 0;                                                                                                     \
  if ((flags) & (O_CREAT | __O_TMPFILE)) {                                                                             \
    va_list ap;                                                                                                        \
    va_start(ap, flags);                                                                                               \
    mode = (mode_t)va_arg(ap, int);                                                                                    \
    va_end(ap);                                                                                                        \
  }

int open(const char *path, int flags, ...)
{
  MODE_ARG(flags, mode)
  return open_at(AT_FDCWD, path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
  MODE_ARG(flags, mode)
  return open_at(AT_FDCWD, path, flags, mode);
}

int openat(int dir, const char *path, int flags, ...)
{
  MODE_ARG(flags, mode)
  return open_at(dir, path, flags, mode);
}

int openat64(int dir, const char *path, int flags, ...)
{
  MODE_ARG(flags, mode)
  return open_at(dir, path, flags, mode);
}

/* What _FORTIFY_SOURCE calls instead.  */
int __open_2(const char *path, int flags) { return open_at(AT_FDCWD, path, flags, 0); }
int __open64_2(const char *path, int flags) { return open_at(AT_FDCWD, path, flags, 0); }
int __openat_2(int dir, const char *path, int flags) { return open_at(dir, path, flags, 0); }
int __openat64_2(int dir, const char *path, int flags) { return open_at(dir, path, flags, 0); }

int memfd_create(const char *name, unsigned flags)
{
  const char *no = getenv("FFIX_TEST_NO_MEMFD");
  if (no && strcmp(no, "1") == 0) {
    errno = ENOSYS;
    return -1;
  }
  return (int)syscall(SYS_memfd_create, name, flags);
}
