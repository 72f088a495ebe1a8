/* The runtime of the differential tests (see runtime.h): compiled once per batch
   with the flags of callees.c and linked into both caller programs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "runtime.h"

#ifdef ARCH_RUNTIME_ASM
ARCH_RUNTIME_ASM
#endif

#define LG_CAP (1u << 20)
char lg_buf[LG_CAP];
size_t lg_len;

uint64_t rng_next(rng_t *r)
{
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t seed, uint64_t id)
{
  r->s = seed * 0x2545f4914f6cdd1dull ^ (id + 0x632be59bd9b4e019ull);
  rng_next(r);
}

void lg_reset(void) { lg_len = 0; lg_buf[0] = 0; }

static void lg_room(size_t n)
{
  if (lg_len + n + 1 > LG_CAP) {
    static const char m[] = "log overflow\n";
    (void)!write(2, m, sizeof m - 1);
    abort();
  }
}

void lg_str(const char *s)
{
  size_t n = strlen(s);
  lg_room(n);
  memcpy(lg_buf + lg_len, s, n + 1);
  lg_len += n;
}

void lg_bytes(const void *p, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *b = p;
  lg_room(2 * n);
  for (size_t i = 0; i < n; i++) {
    lg_buf[lg_len++] = hex[b[i] >> 4];
    lg_buf[lg_len++] = hex[b[i] & 15];
  }
  lg_buf[lg_len] = 0;
}

uint64_t lg_hash(unsigned id)
{
  uint64_t h = 0xcbf29ce484222325ull ^ id;
  for (size_t i = 0; i < lg_len; i++)
    h = (h ^ (unsigned char)lg_buf[i]) * 0x100000001b3ull;
  return h;
}

int fz_specials = 1;

#define HFLAGS_CAP 4096
char hflags[HFLAGS_CAP];
unsigned hcalls;

static void hflag(const char *fmt, ...)
{
  size_t n = strlen(hflags);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(hflags + n, HFLAGS_CAP - n, fmt, ap);
  va_end(ap);
}

/* Checks at the entry of a closure handler: the FP register stack (x87) empty, cif and
   user_data as given to ffi_prep_closure_loc, and the alignment of the result buffer and of
   every avalue[i] (a handler may load an argument with an aligned instruction, e.g. a
   vector). */
void h_enter(const void *cif, void *rv, const void *ud, size_t ralign, void **av,
             const unsigned char *aalign, unsigned nargs)
{
  const cl_ud_t *u = ud;
  int n = arch_fp_stack_depth();
  hcalls++;
  if (n)
    hflag(" !" ARCH_FP_STACK_NAME "-STACK-NOT-EMPTY(handler-entry:%d)", n);
  if (!u || u->magic != CL_UD_MAGIC || u->cif != cif)
    hflag(" !HANDLER-BAD-CIF-OR-USER-DATA");
  if (ralign && (!rv || (uintptr_t)rv % ralign))
    hflag(" !RVALUE-MISALIGNED(need:%zu,addr%%64:%u)", ralign, (unsigned)((uintptr_t)rv % 64));
  for (unsigned i = 0; i < nargs; i++)
    if (!av[i])
      hflag(" !AVALUE-NULL(arg%u)", i);
    else if ((uintptr_t)av[i] % aalign[i])
      hflag(" !AVALUE-MISALIGNED(arg%u:need:%u,addr%%64:%u)", i, aalign[i],
            (unsigned)((uintptr_t)av[i] % 64));
}

void fz_int(void *p, unsigned n, rng_t *r)
{
  unsigned char b[16];
  uint64_t x = rng_next(r), y = rng_next(r), sel = rng_next(r) % 64 + (fz_specials ? 0 : 64);
  memcpy(b, &x, 8);
  memcpy(b + 8, &y, 8);
  switch (sel) {
  case 0: memset(b, 0, n); break;                       /* 0 */
  case 1: memset(b, 0xff, n); break;                    /* -1 / max unsigned */
  case 2: memset(b, 0, n); b[n - 1] = 0x80; break;      /* min signed */
  case 3: memset(b, 0xff, n); b[n - 1] = 0x7f; break;   /* max signed */
  case 4: memset(b, 0, n); b[0] = 1; break;
  case 5: b[n - 1] |= 0x80; break;                      /* negative */
  default: break;
  }
  memcpy(p, b, n);
}

void fz_f32(void *p, rng_t *r)
{
  uint32_t b = (uint32_t)rng_next(r);
  switch (rng_next(r) % 64 + (fz_specials ? 0 : 64)) {
  case 0: b = 0; break;
  case 1: b = 0x80000000u; break;
  case 2: b = 0x3f800000u; break;          /* 1.0 */
  case 3: b = 0x7f800000u; break;          /* inf */
  case 4: b &= 0x807fffffu; break;         /* denormal */
  default: break;
  }
  if (((b >> 23) & 0xff) == 0xff && (b & 0x7fffffu))
    b ^= 1u << 23;                         /* never a NaN */
  memcpy(p, &b, 4);
}

void fz_f64(void *p, rng_t *r)
{
  uint64_t b = rng_next(r);
  switch (rng_next(r) % 64 + (fz_specials ? 0 : 64)) {
  case 0: b = 0; break;
  case 1: b = 0x8000000000000000ull; break;
  case 2: b = 0x3ff0000000000000ull; break;
  case 3: b = 0xfff0000000000000ull; break;  /* -inf */
  case 4: b &= 0x800fffffffffffffull; break;
  default: break;
  }
  if (((b >> 52) & 0x7ff) == 0x7ff && (b & 0xfffffffffffffull))
    b ^= 1ull << 52;
  memcpy(p, &b, 8);
}

/* x87 extended: 64-bit mantissa with explicit integer bit, 15-bit exponent, sign.  Only
   canonical encodings (normals, denormals, zeros, infinities); the 6 padding bytes are left
   alone. */
void fz_f80(void *p, rng_t *r)
{
  uint64_t m = rng_next(r) | (1ull << 63);
  uint64_t x = rng_next(r);
  uint16_t se = (uint16_t)(x % 0x7fff) | (uint16_t)((x >> 20) & 0x8000);
  switch (rng_next(r) % 64 + (fz_specials ? 0 : 64)) {
  case 0: m = 0; se &= 0x8000; break;
  case 1: m = 1ull << 63; se = 0x3fff; break;
  case 2: m = 1ull << 63; se = 0xffff; break;          /* -inf */
  case 3: m &= ~(1ull << 63); se &= 0x8000; break;     /* denormal */
  default: if ((se & 0x7fff) == 0) se |= 1; break;
  }
  memcpy(p, &m, 8);
  memcpy((char *)p + 8, &se, 2);
}

/* IEEE binary128 (long double on AArch64): 112-bit mantissa, 15-bit exponent, sign, all 16
   bytes significant (little-endian: the sign and exponent are bytes 14-15).  Normals,
   denormals, zeros and infinities; never a NaN. */
void fz_f128(void *p, rng_t *r)
{
  uint64_t lo = rng_next(r), hi = rng_next(r);
  uint64_t x = rng_next(r);
  uint64_t se = (x % 0x7fff) | ((x >> 20) & 0x8000);   /* exponent 0..0x7ffe, sign */
  switch (rng_next(r) % 64 + (fz_specials ? 0 : 64)) {
  case 0: lo = hi = 0; se &= 0x8000; break;              /* +-0 */
  case 1: lo = hi = 0; se = 0x3fff; break;               /* 1.0 */
  case 2: lo = hi = 0; se = 0xffff; break;               /* -inf */
  case 3: se &= 0x8000; break;                           /* denormal */
  default: break;
  }
  hi = (hi & 0xffffffffffffull) | (se << 48);
  memcpy(p, &lo, 8);
  memcpy((char *)p + 8, &hi, 8);
}
