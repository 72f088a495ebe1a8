/* replaced.c MODE LIBDIR ACTION [ARG] -- closures in a process whose
   libffi.so.8 file is replaced while it runs, as a package manager does
   (testsuite/tramp/replaced.sh runs every combination).

   The program is linked against libffi.so.8 and loaded from LIBDIR
   (LD_LIBRARY_PATH); it checks that it was.  Then, by MODE:
     fresh  no closure before the file is replaced; then thousands of new
            closures, each called;
     live   closures made and called before; after the replacement they
            are called again and thousands of new ones made and called;
     fork   as live, and a child forked after the replacement calls the
            inherited closures and makes thousands of its own; the parent
            makes more after the child is done.
   ACTION replaces LIBDIR/libffi.so.8: "rename FILE" renames FILE over it,
   "unlink" deletes it, "dir" deletes it and makes a directory there,
   "none" leaves it alone (the control case).
   With FFIX_TEST_NOPROC=1 the program first checks that /proc cannot be
   opened (noproc.c is preloaded).  Every result is compared with a
   direct compiled call.  Last it prints where the code of its newest
   closure comes from, as /proc/self/maps says (read by the system call
   itself, past noproc.c): "source=file" (a library file), "memfd" or
   "anon", and whether it could open its own mapping through
   /proc/self/map_files ("map_files=1"), for replaced.sh to judge.  Exit 0
   when all is right, 1 when a result is wrong, 99 when the test itself
   could not run.  */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

enum { LIVE = 1000, NEW = 5000 };

static NOINLINE int64_t mix(int32_t a, double b, int64_t c) { return (int64_t)a * 7 - (int64_t)b + c * 3; }

/* The closure adds its user data to mix's result, so that every closure
   is told apart from the others.  */
static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(int64_t *)ret = mix(*(int32_t *)args[0], *(double *)args[1], *(int64_t *)args[2]) + (int64_t)(intptr_t)user;
}

typedef int64_t (*mix_fn)(int32_t, double, int64_t);
static ffi_cif cif;
static ffi_type *arg_types[] = {&ffi_type_sint32, &ffi_type_double, &ffi_type_sint64};

struct closure {
  ffi_closure *cl;
  void *code;
  int user;
};

static void fail(int status, const char *what)
{
  fprintf(stderr, "replaced: %s\n", what);
  exit(status);
}

/* Make COUNT closures into C, user data from FIRST on.  */
static void make(struct closure *c, int count, int first)
{
  for (int i = 0; i < count; i++) {
    c[i].user = first + i;
    c[i].cl = ffi_closure_alloc(sizeof(ffi_closure), &c[i].code);
    if (!c[i].cl) fail(1, "ffi_closure_alloc failed");
    if (ffi_prep_closure_loc(c[i].cl, &cif, handler, (void *)(intptr_t)c[i].user, c[i].code) != FFI_OK)
      fail(1, "ffi_prep_closure_loc failed");
  }
}

/* Call each of the COUNT closures of C with arguments that differ from
   one call to the next.  */
static void call(const struct closure *c, int count)
{
  for (int i = 0; i < count; i++) {
    int32_t a = -(i * 13 + c[i].user);
    double b = i * 0.5 + 3;
    int64_t x = ((int64_t)c[i].user << 33) + i;
    if (((mix_fn)c[i].code)(a, b, x) != mix(a, b, x) + c[i].user) fail(1, "a closure returned a wrong value");
  }
}

static void release(struct closure *c, int count)
{
  for (int i = 0; i < count; i++) ffi_closure_free(c[i].cl);
}

/* The library this program runs with must be LIBDIR's.  */
static void check_loaded_from(const char *libdir)
{
  Dl_info info;
  char want[4096];
  snprintf(want, sizeof want, "%s/libffi.so.8", libdir);
  if (!dladdr((void *)ffi_closure_alloc, &info) || !info.dli_fname) fail(99, "dladdr found no libffi");
  if (strcmp(info.dli_fname, want) != 0) {
    fprintf(stderr, "replaced: libffi was loaded from %s, not %s\n", info.dli_fname, want);
    exit(99);
  }
}

static void replace(const char *libdir, const char *action, const char *arg)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/libffi.so.8", libdir);
  if (strcmp(action, "rename") == 0 && arg) {
    if (rename(arg, path) != 0) fail(99, "rename failed");
  } else if (strcmp(action, "none") == 0) {
  } else if (strcmp(action, "unlink") == 0) {
    if (unlink(path) != 0) fail(99, "unlink failed");
  } else if (strcmp(action, "dir") == 0) {
    if (unlink(path) != 0 || mkdir(path, 0755) != 0) fail(99, "could not put a directory in the library's place");
  } else {
    fail(99, "unknown action");
  }
}

/* The line of /proc/self/maps that holds ADDR, in LINE (empty if none),
   read past noproc.c.  */
static void maps_line(const void *addr, char *line, size_t size)
{
  static char maps[1 << 20];
  line[0] = 0;
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(99, "cannot read /proc/self/maps");
  size_t used = 0;
  ssize_t n;
  while (used < sizeof maps - 1 && (n = read(fd, maps + used, sizeof maps - 1 - used)) > 0) used += (size_t)n;
  close(fd);
  maps[used] = 0;
  for (char *p = maps; *p;) {
    char *end = strchr(p, '\n');
    if (end) *end = 0;
    unsigned long lo, hi;
    if (sscanf(p, "%lx-%lx", &lo, &hi) == 2 && lo <= (uintptr_t)addr && (uintptr_t)addr < hi) {
      size_t len = strlen(p) < size - 1 ? strlen(p) : size - 1;
      memcpy(line, p, len);
      line[len] = 0;
      return;
    }
    if (!end) break;
    p = end + 1;
  }
}

static void report_source(const void *code)
{
  char line[4096], path[80];
  maps_line(code, line, sizeof line);
  /* start-end perms offset dev inode path: the path is the sixth field.  */
  const char *p = line;
  for (int field = 0; field < 5 && p; field++) {
    p = strchr(p, ' ');
    while (p && *p == ' ') p++;
  }
  const char *source = !p || !*p ? "anon" : strstr(p, "memfd:ffix-trampolines") ? "memfd" : "file";
  maps_line((void *)mix, line, sizeof line);
  unsigned long lo = 0, hi = 0;
  sscanf(line, "%lx-%lx", &lo, &hi);
  snprintf(path, sizeof path, "/proc/self/map_files/%lx-%lx", lo, hi);
  int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) close(fd);
  printf("source=%s map_files=%d\n", source, fd >= 0);
}

int main(int argc, char **argv)
{
  if (argc < 4) fail(99, "usage: replaced fresh|live|fork LIBDIR rename FILE|unlink|dir|none");
  const char *mode = argv[1], *libdir = argv[2];
  check_loaded_from(libdir);
  const char *noproc = getenv("FFIX_TEST_NOPROC");
  if (noproc && strcmp(noproc, "1") == 0) {
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd >= 0 || errno != ENOENT) fail(99, "/proc/self/maps can be opened: noproc.c is not preloaded");
    fd = openat(AT_FDCWD, "/proc/self/map_files", O_RDONLY);
    if (fd >= 0 || errno != ENOENT) fail(99, "/proc/self/map_files can be opened: noproc.c is not preloaded");
  }
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_sint64, arg_types) != FFI_OK) fail(99, "ffi_prep_cif failed");

  static struct closure before[LIVE], after[NEW], child[NEW];
  int fresh = strcmp(mode, "fresh") == 0;
  if (!fresh && strcmp(mode, "live") != 0 && strcmp(mode, "fork") != 0) fail(99, "unknown mode");
  if (!fresh) {
    make(before, LIVE, 1);
    call(before, LIVE);
  }
  replace(libdir, argv[3], argv[4]);
  if (strcmp(mode, "fork") == 0) {
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) fail(99, "fork failed");
    if (pid == 0) {
      alarm(120);
      call(before, LIVE);
      make(child, NEW, 100000);
      call(child, NEW);
      call(before, LIVE);
      release(child, NEW / 2);
      make(child, NEW / 2, 200000);
      call(child, NEW);
      _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) fail(99, "waitpid failed");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      if (WIFSIGNALED(status)) fprintf(stderr, "replaced: the child died of signal %d\n", WTERMSIG(status));
      fail(1, "the forked child failed");
    }
  }
  if (!fresh) call(before, LIVE);
  make(after, NEW, 10000);
  call(after, NEW);
  if (!fresh) {
    release(before, LIVE);
    call(after, NEW);
  }
  release(after, NEW);
  make(after, NEW, 20000);
  call(after, NEW);
  report_source(after[NEW - 1].code);
  release(after, NEW);
  return 0;
}
