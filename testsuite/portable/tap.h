/* tap.h -- what the portable tests share: TAP output (run by automake's
   tap-driver.sh), junk in the return registers, and small helpers that
   differ between POSIX systems and Windows.

   Every test program prints "ok N - what" or "not ok N - what" lines and
   a plan, and exits 0 when everything passed, 1 when something failed,
   77 when the whole program does not apply here, 99 when it could not
   run at all.  Results are always compared with a direct compiled call
   of the same callee in the same program: the compiler's calling
   convention is the oracle.  */
#ifndef FFIX_PORTABLE_TAP_H
#define FFIX_PORTABLE_TAP_H

#include <ffi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#else
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#define NOINLINE __attribute__((noinline, noclone))
/* Helpers each program may or may not use.  */
#define TAP_HELPER static __attribute__((unused))

static int tap_count, tap_failures;

TAP_HELPER void tap_start(void)
{
#ifdef _WIN32
  /* msvcrt would write CRLF, and buffers fully even when asked for lines. */
  _setmode(_fileno(stdout), _O_BINARY);
#endif
  setvbuf(stdout, NULL, _IONBF, 0);
}

/* One test point; returns COND.  */
__attribute__((format(printf, 2, 3))) TAP_HELPER int ok(int cond, const char *fmt, ...)
{
  va_list ap;
  printf("%sok %d - ", cond ? "" : "not ", ++tap_count);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  if (!cond) tap_failures++;
  return cond;
}

__attribute__((format(printf, 1, 2))) TAP_HELPER void diag(const char *fmt, ...)
{
  va_list ap;
  printf("# ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

/* Stop: the program cannot go on (exit 99, a hard error).  */
__attribute__((format(printf, 1, 2), noreturn)) TAP_HELPER void bail(const char *fmt, ...)
{
  va_list ap;
  printf("Bail out! ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  exit(99);
}

TAP_HELPER int tap_finish(void)
{
  printf("1..%d\n", tap_count);
  return tap_failures ? 1 : 0;
}

/* Prepare a cif or stop: the tests below depend on it.  */
TAP_HELPER void prep(ffi_cif *cif, unsigned nargs, ffi_type *rtype, ffi_type **atypes)
{
  ffi_status s = ffi_prep_cif(cif, FFI_DEFAULT_ABI, nargs, rtype, atypes);
  if (s != FFI_OK) bail("ffi_prep_cif (%u arguments) returned %d", nargs, (int)s);
}

/* Called at the top of each callee: leaves a pattern in the volatile
   registers that carry return values (x86-64: rax, rdx, xmm0, xmm1;
   AArch64: x0, x1, v0-v3), so that a caller reading a register the callee
   did not set, or the upper bits of a narrow result, sees junk rather
   than a lucky zero.  On other targets it does nothing (the tests still
   run, without that extra check) until their registers are added here.  */
TAP_HELPER NOINLINE void scramble(void)
{
#if defined(__x86_64__)
  __asm__ volatile("movabsq $0x5aa5c33c96695aa5, %%rax\n\t"
                   "movq %%rax, %%rdx\n\t"
                   "movq %%rax, %%xmm0\n\t"
                   "movq %%rax, %%xmm1\n\t"
                   "punpcklqdq %%xmm0, %%xmm0\n\t"
                   "punpcklqdq %%xmm1, %%xmm1"
                   ::: "rax", "rdx", "xmm0", "xmm1");
#elif defined(__aarch64__)
  __asm__ volatile("movz x0, #0x5aa5\n\t"
                   "movk x0, #0x9669, lsl #16\n\t"
                   "movk x0, #0xc33c, lsl #32\n\t"
                   "movk x0, #0x5aa5, lsl #48\n\t"
                   "mov x1, x0\n\t"
                   "dup v0.2d, x0\n\t"
                   "dup v1.2d, x0\n\t"
                   "dup v2.2d, x0\n\t"
                   "dup v3.2d, x0"
                   ::: "x0", "x1", "v0", "v1", "v2", "v3");
#endif
}

/* Keep the compiler from dropping stores to P (a callee scribbling on its
   own by-value argument, to show that it owns a copy).  */
#define TOUCHED(p) __asm__ volatile("" : : "r"(p) : "memory")

/* A page-aligned region of N bytes, readable and writable; and making it
   read-only and executable (for closures in memory of the program's own,
   as programs made them before ffi_closure_alloc).  */
TAP_HELPER void *alloc_pages(size_t n)
{
#ifdef _WIN32
  return VirtualAlloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
#else
  void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
#endif
}

TAP_HELPER int make_executable(void *p, size_t n)
{
#ifdef _WIN32
  DWORD old;
  if (!VirtualProtect(p, n, PAGE_EXECUTE_READ, &old)) return 0;
  return FlushInstructionCache(GetCurrentProcess(), p, n) != 0;
#else
  return mprotect(p, n, PROT_READ | PROT_EXEC) == 0;
#endif
}

TAP_HELPER void free_pages(void *p, size_t n)
{
#ifdef _WIN32
  (void)n;
  VirtualFree(p, 0, MEM_RELEASE);
#else
  munmap(p, n);
#endif
}

/* Threads: Win32 threads on Windows (no winpthreads DLL needed), POSIX
   threads elsewhere.  */
typedef void *(*thread_fn)(void *);
#ifdef _WIN32
typedef HANDLE thread_t;
struct thread_start {
  thread_fn fn;
  void *arg;
};
TAP_HELPER DWORD WINAPI thread_trampoline(LPVOID p)
{
  struct thread_start s = *(struct thread_start *)p;
  free(p);
  s.fn(s.arg);
  return 0;
}
TAP_HELPER int thread_create(thread_t *t, thread_fn fn, void *arg)
{
  struct thread_start *s = malloc(sizeof *s);
  if (!s) return 0;
  s->fn = fn;
  s->arg = arg;
  *t = CreateThread(NULL, 0, thread_trampoline, s, 0, NULL);
  if (!*t) free(s);
  return *t != NULL;
}
TAP_HELPER void thread_join(thread_t t)
{
  WaitForSingleObject(t, INFINITE);
  CloseHandle(t);
}
#else
typedef pthread_t thread_t;
TAP_HELPER int thread_create(thread_t *t, thread_fn fn, void *arg) { return pthread_create(t, NULL, fn, arg) == 0; }
TAP_HELPER void thread_join(thread_t t) { pthread_join(t, NULL); }
#endif

#endif
