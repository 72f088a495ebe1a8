/* page_probe.c PAGE -- run by tools/check-pagesizes.sh with the runner it
   gives the tests, so that their run with PAGE-byte pages cannot pass
   without PAGE-byte pages: the program must be told PAGE in all three
   ways a program asks (AT_PAGESZ, sysconf, getpagesize), memory calls
   off a PAGE boundary must fail with EINVAL as on a kernel with that
   page size (strict_pages.c, preloaded, makes qemu-user refuse them),
   and ffix must lay its trampolines out for PAGE: the first 2 * PAGE /
   FFIX_TRAMP_SIZE closures of a fresh process fill exactly two code
   pages (each starting on a PAGE boundary), and every one of them calls
   its handler with its own user data.  Prints TAP; exit 1 on a failure.  */
#define _GNU_SOURCE
#include <errno.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

enum { STUB = 16 };  /* FFIX_TRAMP_SIZE of arch/aarch64/target.h */

static int fails, n;
static void ok(int cond, const char *what, long got)
{
  printf("%s %d - %s (%ld)\n", cond ? "ok" : "not ok", ++n, what, got);
  fails += !cond;
}

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(uintptr_t)user + *(uint32_t *)args[0];
}

int main(int argc, char **argv)
{
  long want = argc > 1 ? atol(argv[1]) : 0;
  if (want < 4096 || (want & (want - 1))) {
    fprintf(stderr, "usage: page_probe PAGE (a power of two, at least 4096)\n");
    return 2;
  }
  printf("1..7\n");
  ok((long)getauxval(AT_PAGESZ) == want, "AT_PAGESZ is the page size asked for", (long)getauxval(AT_PAGESZ));
  ok(sysconf(_SC_PAGESIZE) == want, "sysconf(_SC_PAGESIZE) too", sysconf(_SC_PAGESIZE));
  ok(getpagesize() == want, "getpagesize() too", getpagesize());

  /* 4 KiB past a page boundary inside a reservation of three pages.  */
  char *r = mmap(NULL, 3 * want, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (r == MAP_FAILED) {
    perror("mmap");
    return 1;
  }
  char *boundary = (char *)(((uintptr_t)r + want - 1) & ~(uintptr_t)(want - 1));
  char *off = boundary + 4096;
  errno = 0;
  int rc = mprotect(off, 4096, PROT_READ);
  ok(rc == -1 && errno == EINVAL, "mprotect 4 KiB past a page boundary fails with EINVAL", rc ? errno : 0);
  errno = 0;
  void *m = mmap(off, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  ok(m == MAP_FAILED && errno == EINVAL, "mmap MAP_FIXED there fails with EINVAL", m == MAP_FAILED ? errno : 0);
  munmap(r, 3 * want);

  /* ffix's trampolines: two pages' worth of closures.  */
  ffi_cif cif;
  ffi_type *arg = &ffi_type_uint32;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_uint64, &arg) != FFI_OK) return 1;
  long count = 2 * want / STUB, bad_calls = 0;
  uintptr_t pages[64];
  long npages = 0;
  int misplaced = 0;
  for (long i = 0; i < count; i++) {
    void *code;
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl || ffi_prep_closure_loc(cl, &cif, handler, (void *)(uintptr_t)(i * 8), code) != FFI_OK) {
      printf("not ok - closure %ld could not be made\n", i);
      return 1;
    }
    uint64_t (*fn)(uint32_t) = (uint64_t (*)(uint32_t))code;
    bad_calls += fn(3) != (uint64_t)(i * 8 + 3);
    uintptr_t page = (uintptr_t)code & ~(uintptr_t)(want - 1);
    if (i % (want / STUB) == 0) misplaced += (uintptr_t)code != page;  /* a page's first stub */
    int seen = 0;
    for (long k = 0; k < npages; k++) seen |= pages[k] == page;
    if (!seen) {
      if (npages < 64) pages[npages++] = page;
    }
  }
  ok(bad_calls == 0, "every closure called its handler with its own user data", bad_calls);
  ok(npages == 2 && !misplaced, "two pages' worth of closures fill two page-aligned code pages (count up to 64)", npages);
  return fails ? 1 : 0;
}
