/* The runtime shared by the callees and the caller of every generated batch
   (testsuite/diff/gen.py writes the rest): the value PRNG, the argument log, the
   argument fillers, the checks made by closure handlers, and the macros the
   generated callees use.  No ffi.h here: callees.c is compiled without it.
   Implementation: runtime.c, compiled once per batch. */
#ifndef DIFF_RUNTIME_H
#define DIFF_RUNTIME_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { uint64_t s; } rng_t;
uint64_t rng_next(rng_t *r);
void rng_seed(rng_t *r, uint64_t seed, uint64_t id);

/* The log: the callee appends the significant bytes of its arguments as hex. */
extern char lg_buf[];
extern size_t lg_len;
void lg_reset(void);
void lg_str(const char *s);
void lg_bytes(const void *p, size_t n);
uint64_t lg_hash(unsigned id);

extern int fz_specials;   /* 0: no special values (0, -1, min, max, inf...) */
void fz_int(void *p, unsigned n, rng_t *r);
void fz_f32(void *p, rng_t *r);
void fz_f64(void *p, rng_t *r);
void fz_f80(void *p, rng_t *r);

/* Number of x87 registers in use (the psABI wants none at calls and returns, except for an
   x87 result, which its receiver pops). */
int x87_depth(void);

/* Closure handlers (callees.c) record anomalies here; the caller appends them to the flags.
   user_data of every closure points to a cl_ud_t. */
#define CL_UD_MAGIC 0x7e57c105u
typedef struct { const void *cif; uint64_t magic; } cl_ud_t;
extern char hflags[];
extern unsigned hcalls;
void h_enter(const void *cif, void *rv, const void *ud, size_t ralign, void **av,
             const unsigned char *aalign, unsigned nargs);

#define CHECK_STACK_ALIGNMENT() do {                            \
    uintptr_t sp_;                                              \
    __asm__ volatile("movq %%rsp, %0" : "=r"(sp_));             \
    if (sp_ & 15)                                               \
      lg_str("!MISALIGNED-STACK:");                              \
  } while (0)

/* A callee's parameters are its own objects (C passes copies; the Microsoft convention passes
   the large ones by reference to a copy made by the caller): after logging them a callee
   overwrites them, so a call that hands it the caller's argument memory instead of a copy
   shows as ARGn-MODIFIED.  The asm keeps the stores. */
#define CLOBBER_PARAM(x) do {                                  \
    memset(&(x), 0x5a, sizeof(x));                              \
    __asm__ volatile("" :: "r"(&(x)) : "memory");               \
  } while (0)

/* Load junk into every return register the compiler is not about to load the result into:
   the clobbers force the result to be (re)loaded after this point. */
#define JUNK_RETURN_REGS() __asm__ volatile(                  \
    "movabsq $0xa5c3e1f00f1e3c5a, %%rax\n\t"                    \
    "movabsq $0x5a3c1e0ff0e1c3a5, %%rdx\n\t"                    \
    "movq %%rax, %%xmm0\n\t"                                    \
    "movq %%rdx, %%xmm1\n\t"                                    \
    "punpcklqdq %%xmm1, %%xmm0\n\t"                             \
    "punpcklqdq %%xmm0, %%xmm1\n\t"                             \
    ::: "rax", "rdx", "xmm0", "xmm1", "memory")

#endif
