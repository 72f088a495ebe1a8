/* The runtime shared by the callees and the caller of every generated batch
   (testsuite/diff/gen.py writes the rest): the value PRNG, the argument log, the
   argument fillers, the checks made by closure handlers, and the macros the
   generated callees use.  No ffi.h here: callees.c is compiled without it.
   Implementation: runtime.c, compiled once per batch.  What depends on the
   architecture (inline assembly) is behind arch.h. */
#ifndef DIFF_RUNTIME_H
#define DIFF_RUNTIME_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arch.h"

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
void fz_f128(void *p, rng_t *r);

/* Closure handlers (callees.c) record anomalies here; the caller appends them to the flags.
   user_data of every closure points to a cl_ud_t. */
#define CL_UD_MAGIC 0x7e57c105u
typedef struct { const void *cif; uint64_t magic; } cl_ud_t;
extern char hflags[];
extern unsigned hcalls;
void h_enter(const void *cif, void *rv, const void *ud, size_t ralign, void **av,
             const unsigned char *aalign, unsigned nargs);

/* A callee's body calls functions, so the compiler keeps the stack pointer aligned in it,
   assuming that the caller aligned it: a misaligned entry shows here. */
#define CHECK_STACK_ALIGNMENT() do {                            \
    uintptr_t sp_;                                              \
    ARCH_READ_SP(sp_);                                          \
    if (sp_ & (ARCH_STACK_ALIGN - 1))                           \
      lg_str("!MISALIGNED-STACK:");                              \
  } while (0)

/* A callee's parameters are its own objects (C passes copies; some conventions, such as the
   Microsoft x64 one, pass the large ones by reference to a copy made by the caller): after
   logging them a callee
   overwrites them, so a call that hands it the caller's argument memory instead of a copy
   shows as ARGn-MODIFIED.  The asm keeps the stores. */
#define CLOBBER_PARAM(x) do {                                  \
    memset(&(x), 0x5a, sizeof(x));                              \
    __asm__ volatile("" :: "r"(&(x)) : "memory");               \
  } while (0)

/* The last statement of every callee and closure handler: junk in the result registers
   that the result does not use (arch.h). */
#define JUNK_RETURN_REGS() ARCH_JUNK_RETURN_REGS()

#endif
