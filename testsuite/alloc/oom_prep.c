/* oom_prep.c -- running out of memory while preparing a cif gives the
   caller a clean error, never a half-built plan.

   The allocation functions the library may call (malloc, calloc,
   realloc, aligned_alloc, posix_memalign, memalign, valloc, pvalloc,
   and mmap on x86-64) are interposed; while "armed" they count the calls
   and make the Nth one fail (NULL or MAP_FAILED, errno ENOMEM).  For
   each signature below (chosen so that preparing it allocates at
   different points: the interned plan, a key longer than Key's 128
   inline words, plans longer than PlanWriter's 512 inline bytes, both
   x86-64 conventions, fixed and variadic), a forked child first counts
   the allocations K that a fresh preparation makes (and those of a
   second preparation, which finds the plan interned); then, for
   N = 1..K, another child prepares the signature with allocation N
   failing and checks that

   - ffi_prep_cif/ffi_prep_cif_var returned FFI_BAD_TYPEDEF with
     cif.flags == 0 and no closure can be prepared on that cif, or else
     FFI_OK (the library did without that allocation: the plan table
     falls back to a smaller reservation when mmap fails) and then the
     cif works;
   - with memory to spare, preparing the very same signature again
     succeeds and, when the first preparation failed, is a fresh one:
     it allocates more than finding an interned plan does (nothing was
     interned for the signature);
   - ffi_call of that cif against a compiled callee, and a closure on
     it called from compiled code, give the same result and the same
     checksum of every argument received as a direct call (in a child
     of the child: a crash is reported and the next checks still run);
   - new signatures and closures of both conventions still work.

   Where the library carried on after the failed allocation, the round
   is run again with that allocation and every later one failing.

   Then one child does every (signature, N) round in one process, each
   round on a signature never prepared there before (argument types
   varied between sint64, uint64 and pointer, sint32 and int: passed
   alike, keyed apart), and at the end calls every cif it prepared again
   and makes new signatures and closures.  A child killed by a signal,
   or that hangs, is reported with what it was doing.

   Skipped (exit 77) where the allocator cannot be interposed this way:
   AddressSanitizer (its allocator replaces malloc), hosts without glibc.
   Prints TAP.  */
#define _GNU_SOURCE
#include <errno.h>
#include <ffi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define OOM_SKIP "built with AddressSanitizer, whose allocator replaces malloc"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_SKIP "built with AddressSanitizer, whose allocator replaces malloc"
#endif
#endif
#if !defined(OOM_SKIP) && !(defined(__linux__) && defined(__GLIBC__))
#define OOM_SKIP "malloc is interposed through glibc's __libc_malloc: Linux with glibc only"
#endif

#ifdef OOM_SKIP
int main(void)
{
  puts("1..0 # SKIP " OOM_SKIP);
  return 77;
}
#else

#include <malloc.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define OOM_MS 1    /* FFI_WIN64 and FFI_GNUW64 for ms_abi callees */
#define MS __attribute__((ms_abi))
#define OOM_MMAP 1  /* mmap interposed too: SYS_mmap is mmap itself here */
#endif
#ifdef __clang__
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* ---------------------------------------------------------------- the allocator */

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_ALIGNED_ALLOC, F_POSIX_MEMALIGN, F_MEMALIGN, F_VALLOC,
       F_PVALLOC, F_MMAP };
static const char *const fn_names[] = {"malloc", "calloc", "realloc", "aligned_alloc", "posix_memalign",
                                       "memalign", "valloc", "pvalloc", "mmap"};

struct rec {
  int fn;
  size_t size, align;
};
#define MAX_RECS 64

static volatile int armed;  /* count allocations, and fail number fail_at */
static long seen, fail_at;
static int fail_on;         /* fail every allocation from fail_at on, not only that one */
static struct rec recs[MAX_RECS];

/* Whether this allocation is to fail; counts it while armed.  */
static int hook(int fn, size_t size, size_t align)
{
  if (!armed) return 0;
  long n = ++seen;
  if (n <= MAX_RECS) recs[n - 1] = (struct rec){fn, size, align};
  if (n != fail_at && !(fail_on && fail_at && n > fail_at)) return 0;
  errno = ENOMEM;
  return 1;
}

void *malloc(size_t n) { return hook(F_MALLOC, n, 0) ? NULL : __libc_malloc(n); }
void *calloc(size_t a, size_t b)
{
  size_t n;
  if (__builtin_mul_overflow(a, b, &n)) n = SIZE_MAX;
  return hook(F_CALLOC, n, 0) ? NULL : __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) { return hook(F_REALLOC, n, 0) ? NULL : __libc_realloc(p, n); }
void free(void *p) { __libc_free(p); }
void *aligned_alloc(size_t align, size_t n)
{
  return hook(F_ALIGNED_ALLOC, n, align) ? NULL : __libc_memalign(align, n);
}
int posix_memalign(void **out, size_t align, size_t n)
{
  if (!align || align % sizeof(void *) || (align & (align - 1))) return EINVAL;
  if (hook(F_POSIX_MEMALIGN, n, align)) return ENOMEM;
  void *p = __libc_memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void *memalign(size_t align, size_t n) { return hook(F_MEMALIGN, n, align) ? NULL : __libc_memalign(align, n); }
void *valloc(size_t n) { return hook(F_VALLOC, n, 0) ? NULL : __libc_valloc(n); }
void *pvalloc(size_t n) { return hook(F_PVALLOC, n, 0) ? NULL : __libc_pvalloc(n); }
#ifdef OOM_MMAP
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
  if (hook(F_MMAP, len, 0)) return MAP_FAILED;
  return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}
#endif

static void arm(long fail)
{
  seen = 0;
  fail_at = fail;
  fail_on = 0;
  armed = 1;
}
/* Out of memory for good: allocation FAIL and every one after it fail.  */
static void arm_from(long fail)
{
  arm(fail);
  fail_on = 1;
}
static long disarm(void)
{
  armed = 0;
  return seen;
}

static void describe_rec(char *buf, size_t cap, const struct rec *r)
{
  if (r->align)
    snprintf(buf, cap, "%s(%zu, %zu)", fn_names[r->fn], r->align, r->size);
  else
    snprintf(buf, cap, "%s(%zu)", fn_names[r->fn], r->size);
}

/* ---------------------------------------------------------------- argument kinds */

struct s3 { signed char a, b, c; };        /* 3 bytes: one partial INTEGER eightbyte */
struct s12 { int a, b, c; };               /* 12: INTEGER, partial INTEGER */
struct f12 { float a, b, c; };             /* 12: SSE, partial SSE */
struct dc { double d; signed char c; };    /* 16: SSE, INTEGER */
struct s8 { int a; float b; };             /* 8: in a register under both conventions */
struct big { long v[5]; };                 /* 40: in memory, on the stack */
struct w64 { unsigned char v[64]; };       /* 64 members: a wide key */

enum kind { K_l, K_i, K_d, K_f, K_c, K_h, K_ld, K_s3, K_s12, K_f12, K_dc, K_s8, K_big, K_w64, K_deep3,
            K_deepf };

#define KT_l long
#define KT_i int
#define KT_d double
#define KT_f float
#define KT_c signed char
#define KT_h unsigned short
#define KT_ld long double
#define KT_s3 struct s3
#define KT_s12 struct s12
#define KT_f12 struct f12
#define KT_dc struct dc
#define KT_s8 struct s8
#define KT_big struct big
#define KT_w64 struct w64
/* A chain of DEPTH structs of one member each around a struct s3 (or
   f12): laid out and passed exactly as the struct inside it.  */
#define KT_deep3 struct s3
#define KT_deepf struct f12
#define DEPTH 40

static uint64_t mix(uint64_t h, uint64_t x)
{
  h ^= x + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 31);
}
static const uint64_t kSeed = 0x6a09e667f3bcc908ull;

static uint64_t hash_l(long x) { return (uint64_t)x; }
static uint64_t hash_i(int x) { return (uint64_t)(int64_t)x; }
static uint64_t hash_d(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static uint64_t hash_f(float x) { uint32_t u; memcpy(&u, &x, 4); return u; }
static uint64_t hash_c(signed char x) { return (uint64_t)(int64_t)x; }
static uint64_t hash_h(unsigned short x) { return x; }
static uint64_t hash_ld(long double x)
{
  uint64_t u[2] = {0, 0};
  memcpy(u, &x, 10);  /* the 80 bits of the x87 format, not the padding */
  return mix(u[0], u[1] & 0xffff);
}
static uint64_t hash_s3(struct s3 x) { return mix(mix(hash_c(x.a), hash_c(x.b)), hash_c(x.c)); }
static uint64_t hash_s12(struct s12 x) { return mix(mix(hash_i(x.a), hash_i(x.b)), hash_i(x.c)); }
static uint64_t hash_f12(struct f12 x) { return mix(mix(hash_f(x.a), hash_f(x.b)), hash_f(x.c)); }
static uint64_t hash_dc(struct dc x) { return mix(hash_d(x.d), hash_c(x.c)); }
static uint64_t hash_s8(struct s8 x) { return mix(hash_i(x.a), hash_f(x.b)); }
static uint64_t hash_big(struct big x)
{
  uint64_t h = 0;
  for (int k = 0; k < 5; k++) h = mix(h, hash_l(x.v[k]));
  return h;
}
static uint64_t hash_w64(struct w64 x)
{
  uint64_t h = 0;
  for (int k = 0; k < 64; k++) h = mix(h, x.v[k]);
  return h;
}
#define hash_deep3 hash_s3
#define hash_deepf hash_f12

static uint64_t hash_any(enum kind k, const void *p)
{
  switch (k) {
  case K_l: return hash_l(*(const long *)p);
  case K_i: return hash_i(*(const int *)p);
  case K_d: return hash_d(*(const double *)p);
  case K_f: return hash_f(*(const float *)p);
  case K_c: return hash_c(*(const signed char *)p);
  case K_h: return hash_h(*(const unsigned short *)p);
  case K_ld: return hash_ld(*(const long double *)p);
  case K_s3: case K_deep3: return hash_s3(*(const struct s3 *)p);
  case K_s12: return hash_s12(*(const struct s12 *)p);
  case K_f12: case K_deepf: return hash_f12(*(const struct f12 *)p);
  case K_dc: return hash_dc(*(const struct dc *)p);
  case K_s8: return hash_s8(*(const struct s8 *)p);
  case K_big: return hash_big(*(const struct big *)p);
  case K_w64: return hash_w64(*(const struct w64 *)p);
  }
  return 0;
}

/* Argument POS's value: different for every position and kind.  */
static void fill(enum kind k, void *p, unsigned pos)
{
  uint64_t r = mix(0x243f6a8885a308d3ull + pos, pos * 31 + (unsigned)k);
  switch (k) {
  case K_l: *(long *)p = (long)r; break;
  case K_i: *(int *)p = (int)(r >> 17); break;
  case K_d: *(double *)p = (double)(int64_t)(r >> 20) / 1024.0 + 0.25; break;
  case K_f: *(float *)p = (float)(int32_t)(r >> 40) / 8.0f; break;
  case K_c: *(signed char *)p = (signed char)r; break;
  case K_h: *(unsigned short *)p = (unsigned short)(r >> 8); break;
  case K_ld: *(long double *)p = (long double)(r >> 1) / 3.0L; break;  /* needs all 64 bits */
  case K_s3: case K_deep3: *(struct s3 *)p = (struct s3){(signed char)r, (signed char)(r >> 8), (signed char)(r >> 16)}; break;
  case K_s12: *(struct s12 *)p = (struct s12){(int)r, (int)(r >> 32), (int)(r >> 16)}; break;
  case K_f12: case K_deepf:
    *(struct f12 *)p = (struct f12){(float)(int16_t)r / 4.0f, (float)(int16_t)(r >> 16) * 1.5f, (float)(int16_t)(r >> 32) + 0.5f};
    break;
  case K_dc: *(struct dc *)p = (struct dc){(double)(int64_t)(r >> 12) / 16.0, (signed char)(r >> 56)}; break;
  case K_s8: *(struct s8 *)p = (struct s8){(int)(r >> 3), (float)(int16_t)(r >> 40) * 0.25f}; break;
  case K_big:
    for (int j = 0; j < 5; j++) ((struct big *)p)->v[j] = (long)(r * (uint64_t)(j + 3));
    break;
  case K_w64:
    for (int j = 0; j < 64; j++) ((struct w64 *)p)->v[j] = (unsigned char)((r >> (j % 57)) + (uint64_t)j);
    break;
  }
}

/* ---------------------------------------------------------------- ffi types */

static ffi_type *s3_el[] = {&ffi_type_schar, &ffi_type_schar, &ffi_type_schar, NULL};
static ffi_type *s12_el[] = {&ffi_type_sint, &ffi_type_sint, &ffi_type_sint, NULL};
static ffi_type *f12_el[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
static ffi_type *dc_el[] = {&ffi_type_double, &ffi_type_schar, NULL};
static ffi_type *s8_el[] = {&ffi_type_sint, &ffi_type_float, NULL};
static ffi_type *big_el[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
static ffi_type *w64_el[65];
static ffi_type t_s3 = {0, 0, FFI_TYPE_STRUCT, s3_el};
static ffi_type t_s12 = {0, 0, FFI_TYPE_STRUCT, s12_el};
static ffi_type t_f12 = {0, 0, FFI_TYPE_STRUCT, f12_el};
static ffi_type t_dc = {0, 0, FFI_TYPE_STRUCT, dc_el};
static ffi_type t_s8 = {0, 0, FFI_TYPE_STRUCT, s8_el};
static ffi_type t_big = {0, 0, FFI_TYPE_STRUCT, big_el};
static ffi_type t_w64 = {0, 0, FFI_TYPE_STRUCT, w64_el};
/* int under its own code (FFI_TYPE_INT): passed as sint32, keyed apart.  */
static ffi_type t_int_code = {sizeof(int), _Alignof(int), FFI_TYPE_INT, NULL};
static ffi_type chain3[DEPTH], chainf[DEPTH];
static ffi_type *chain3_el[DEPTH][2], *chainf_el[DEPTH][2];

static void init_types(void)
{
  for (int k = 0; k < 64; k++) w64_el[k] = &ffi_type_uchar;
  w64_el[64] = NULL;
  for (int d = 0; d < DEPTH; d++) {
    chain3_el[d][0] = d ? &chain3[d - 1] : &t_s3;
    chainf_el[d][0] = d ? &chainf[d - 1] : &t_f12;
    chain3_el[d][1] = chainf_el[d][1] = NULL;
    chain3[d] = (ffi_type){0, 0, FFI_TYPE_STRUCT, chain3_el[d]};
    chainf[d] = (ffi_type){0, 0, FFI_TYPE_STRUCT, chainf_el[d]};
  }
}

/* ---------------------------------------------------------------- argument lists */

#define MAX_ARGS 256
#define VALS_BYTES 8192

enum rkind { R_v, R_l, R_d, R_ld, R_big, R_s12, R_dc, R_s8 };

struct arglist {
  unsigned n, nfixed;
  unsigned long variant, left;  /* LEFT: the digits of VARIANT not used yet */
  enum rkind rk;
  ffi_type *rtype;
  enum kind kinds[MAX_ARGS];
  void *av[MAX_ARGS];
  ffi_type *at[MAX_ARGS];
  _Alignas(16) unsigned char vals[VALS_BYTES];
};

/* The type of an argument of kind K: a long is sint64, uint64 or
   pointer, an int sint32 or int, as the next digit of the variant says
   (passed alike, keyed apart).  */
static ffi_type *type_of(enum kind k, unsigned long *left)
{
  unsigned long d;
  switch (k) {
  case K_l:
    d = *left % 3;
    *left /= 3;
    return d == 0 ? &ffi_type_sint64 : d == 1 ? &ffi_type_uint64 : &ffi_type_pointer;
  case K_i:
    d = *left % 2;
    *left /= 2;
    return d == 0 ? &ffi_type_sint32 : &t_int_code;
  case K_d: return &ffi_type_double;
  case K_f: return &ffi_type_float;
  case K_c: return &ffi_type_schar;
  case K_h: return &ffi_type_ushort;
  case K_ld: return &ffi_type_longdouble;
  case K_s3: return &t_s3;
  case K_s12: return &t_s12;
  case K_f12: return &t_f12;
  case K_dc: return &t_dc;
  case K_s8: return &t_s8;
  case K_big: return &t_big;
  case K_w64: return &t_w64;
  case K_deep3: return &chain3[DEPTH - 1];
  case K_deepf: return &chainf[DEPTH - 1];
  }
  return NULL;
}

static void add_arg(struct arglist *L, enum kind k, void *p)
{
  if (L->n == MAX_ARGS) abort();
  L->kinds[L->n] = k;
  L->av[L->n] = p;
  L->at[L->n] = type_of(k, &L->left);
  fill(k, p, L->n);
  L->n++;
}

/* Results: made from the callee's checksum H.  */
#define RT_v void
#define RT_l long
#define RT_d double
#define RT_ld long double
#define RT_big struct big
#define RT_s12 struct s12
#define RT_dc struct dc
#define RT_s8 struct s8
static long ret_l(uint64_t h) { return (long)h; }
static double ret_d(uint64_t h) { return (double)(h >> 11); }
static long double ret_ld(uint64_t h) { return (long double)h * 0.5L; }  /* exact in 64 bits */
static struct big ret_big(uint64_t h)
{
  struct big b;
  for (int k = 0; k < 5; k++) b.v[k] = (long)(h ^ (0x0101010101010101ull * (uint64_t)(k + 1)));
  return b;
}
static struct s12 ret_s12(uint64_t h) { return (struct s12){(int)h, (int)(h >> 32), (int)(h >> 16)}; }
static struct dc ret_dc(uint64_t h) { return (struct dc){(double)(h >> 12), (signed char)h}; }
static struct s8 ret_s8(uint64_t h) { return (struct s8){(int)h, (float)(h >> 40)}; }
#define RET_v(h) (void)(h)
#define RET_l(h) return ret_l(h)
#define RET_d(h) return ret_d(h)
#define RET_ld(h) return ret_ld(h)
#define RET_big(h) return ret_big(h)
#define RET_s12(h) return ret_s12(h)
#define RET_dc(h) return ret_dc(h)
#define RET_s8(h) return ret_s8(h)
#define STORE_v(p, e) ((void)(p), e)
#define STORE_l(p, e) (*(long *)(p) = (e))
#define STORE_d(p, e) (*(double *)(p) = (e))
#define STORE_ld(p, e) (*(long double *)(p) = (e))
#define STORE_big(p, e) (*(struct big *)(p) = (e))
#define STORE_s12(p, e) (*(struct s12 *)(p) = (e))
#define STORE_dc(p, e) (*(struct dc *)(p) = (e))
#define STORE_s8(p, e) (*(struct s8 *)(p) = (e))

static ffi_type *rtype_of(enum rkind rk)
{
  switch (rk) {
  case R_v: return &ffi_type_void;
  case R_l: return &ffi_type_slong;
  case R_d: return &ffi_type_double;
  case R_ld: return &ffi_type_longdouble;
  case R_big: return &t_big;
  case R_s12: return &t_s12;
  case R_dc: return &t_dc;
  case R_s8: return &t_s8;
  }
  return NULL;
}

/* A closure handler's result, as the callee makes it.  */
static void store_ret(enum rkind rk, void *ret, uint64_t h)
{
  switch (rk) {
  case R_v: break;
  case R_l: *(ffi_arg *)ret = (ffi_arg)ret_l(h); break;
  case R_d: STORE_d(ret, ret_d(h)); break;
  case R_ld: STORE_ld(ret, ret_ld(h)); break;
  case R_big: STORE_big(ret, ret_big(h)); break;
  case R_s12: STORE_s12(ret, ret_s12(h)); break;
  case R_dc: STORE_dc(ret, ret_dc(h)); break;
  case R_s8: STORE_s8(ret, ret_s8(h)); break;
  }
}

/* A result, member by member (no padding).  */
static uint64_t ret_hash(enum rkind rk, const void *p)
{
  switch (rk) {
  case R_v: return 0;
  case R_l: return hash_l(*(const long *)p);
  case R_d: return hash_d(*(const double *)p);
  case R_ld: return hash_ld(*(const long double *)p);
  case R_big: return hash_big(*(const struct big *)p);
  case R_s12: return hash_s12(*(const struct s12 *)p);
  case R_dc: return hash_dc(*(const struct dc *)p);
  case R_s8: return hash_s8(*(const struct s8 *)p);
  }
  return 0;
}

union retbuf {
  ffi_arg a;
  long double ld;
  struct big big;
  unsigned char raw[64];
};

/* What the last callee (compiled or closure handler) received.  */
static volatile uint64_t received;
/* The kinds a variadic callee reads: the current argument list's.  */
static const enum kind *va_kinds;
static unsigned va_from, va_n;

/* ---------------------------------------------------------------- the signatures */

/* Each list is X(ROW, COLUMN, KIND) entries: argument a<ROW><COLUMN>
   of kind KIND, after a first argument a_first (a long).  */
#define PARAM(b, j, k) , KT_##k a##b##j
#define HASH_ARG(b, j, k) h = mix(h, hash_##k(a##b##j));
#define FIELD(b, j, k) KT_##k a##b##j;
#define ADD(b, j, k) add_arg(L, K_##k, &v->a##b##j);
#define DARG(b, j, k) , v->a##b##j
#define NONE(X)

/* A callee with fixed arguments; NAME_setup fills an argument list,
   NAME_direct calls it directly, NAME_closure calls CODE as a function
   of NAME's type (a closure).  */
#define DEFINE_CASE(name, ATTR, RK, ARGS)                                                           \
  struct name##_vals {                                                                              \
    long a_first;                                                                                   \
    ARGS(FIELD)                                                                                     \
  };                                                                                                \
  _Static_assert(sizeof(struct name##_vals) <= VALS_BYTES, #name " has too many arguments");        \
  ATTR NOINLINE static RT_##RK name(long a_first ARGS(PARAM))                                       \
  {                                                                                                 \
    uint64_t h = mix(kSeed, hash_l(a_first));                                                       \
    ARGS(HASH_ARG)                                                                                  \
    received = h;                                                                                   \
    RET_##RK(h);                                                                                    \
  }                                                                                                 \
  static void name##_setup(struct arglist *L)                                                       \
  {                                                                                                 \
    struct name##_vals *v = (void *)L->vals;                                                        \
    add_arg(L, K_l, &v->a_first);                                                                   \
    ARGS(ADD)                                                                                       \
    L->nfixed = L->n;                                                                               \
  }                                                                                                 \
  static void name##_direct(void *vp, void *ret)                                                    \
  {                                                                                                 \
    struct name##_vals *v = vp;                                                                     \
    STORE_##RK(ret, name(v->a_first ARGS(DARG)));                                                   \
  }                                                                                                 \
  static void name##_closure(void *code, void *vp, void *ret)                                       \
  {                                                                                                 \
    struct name##_vals *v = vp;                                                                     \
    __typeof__(name) *fp = (__typeof__(name) *)code;                                                \
    STORE_##RK(ret, fp(v->a_first ARGS(DARG)));                                                     \
  }

/* A variadic callee: fixed arguments FIXED (the last one LAST), then
   VARS, read with va_arg as va_kinds says (System V's va_list or
   GCC's __builtin_ms_va_list).  */
#define VA_LIST_sysv va_list
#define VA_START_sysv va_start
#define VA_END_sysv va_end
#define VA_LIST_ms __builtin_ms_va_list
#define VA_START_ms __builtin_ms_va_start
#define VA_END_ms __builtin_ms_va_end
#define VA_CASE(K, T)                                                                               \
  case K: {                                                                                         \
    T x = __builtin_va_arg(ap, T);                                                                  \
    h = mix(h, hash_any(K, &x));                                                                    \
    break;                                                                                          \
  }
#define DEFINE_VCASE(name, ATTR, VA, RK, FIXED, LAST, VARS)                                         \
  struct name##_vals {                                                                              \
    long a_first;                                                                                   \
    FIXED(FIELD)                                                                                    \
    VARS(FIELD)                                                                                     \
  };                                                                                                \
  _Static_assert(sizeof(struct name##_vals) <= VALS_BYTES, #name " has too many arguments");        \
  ATTR NOINLINE static RT_##RK name(long a_first FIXED(PARAM), ...)                                 \
  {                                                                                                 \
    uint64_t h = mix(kSeed, hash_l(a_first));                                                       \
    FIXED(HASH_ARG)                                                                                 \
    VA_LIST_##VA ap;                                                                                \
    VA_START_##VA(ap, LAST);                                                                        \
    for (unsigned i = va_from; i < va_n; i++) {                                                     \
      switch (va_kinds[i]) {                                                                        \
        VA_CASE(K_l, long)                                                                          \
        VA_CASE(K_i, int)                                                                           \
        VA_CASE(K_d, double)                                                                        \
        VA_CASE(K_ld, long double)                                                                  \
        VA_CASE(K_s3, struct s3)                                                                    \
        VA_CASE(K_s12, struct s12)                                                                  \
        VA_CASE(K_f12, struct f12)                                                                  \
        VA_CASE(K_dc, struct dc)                                                                    \
        VA_CASE(K_s8, struct s8)                                                                    \
        VA_CASE(K_big, struct big)                                                                  \
        VA_CASE(K_w64, struct w64)                                                                  \
        VA_CASE(K_deep3, struct s3)                                                                 \
        VA_CASE(K_deepf, struct f12)                                                                \
      default: /* not a promoted type: never in a variadic list */                                 \
        h = 0;                                                                                      \
        break;                                                                                      \
      }                                                                                             \
    }                                                                                               \
    VA_END_##VA(ap);                                                                                \
    received = h;                                                                                   \
    RET_##RK(h);                                                                                    \
  }                                                                                                 \
  static void name##_setup(struct arglist *L)                                                       \
  {                                                                                                 \
    struct name##_vals *v = (void *)L->vals;                                                        \
    add_arg(L, K_l, &v->a_first);                                                                   \
    FIXED(ADD)                                                                                      \
    L->nfixed = L->n;                                                                               \
    VARS(ADD)                                                                                       \
  }                                                                                                 \
  static void name##_direct(void *vp, void *ret)                                                    \
  {                                                                                                 \
    struct name##_vals *v = vp;                                                                     \
    STORE_##RK(ret, name(v->a_first FIXED(DARG) VARS(DARG)));                                       \
  }

/* Rows of ten arguments.  MIX: scalars of every size, structs of 3 and
   12 bytes in registers (partial eightbytes go through scratch slots),
   16 bytes split between SSE and INTEGER.  STACK: what goes in memory
   (40 and 64 byte structs, long double) and what is left when the
   registers run out.  */
#define ROW_MIX(X, b) X(b, 0, l) X(b, 1, d) X(b, 2, s3) X(b, 3, i) X(b, 4, f12) X(b, 5, c) X(b, 6, s12) X(b, 7, f) X(b, 8, dc) X(b, 9, h)
#define ROW_STACK(X, b) X(b, 0, big) X(b, 1, ld) X(b, 2, l) X(b, 3, s8) X(b, 4, d) X(b, 5, w64) X(b, 6, i) X(b, 7, s3) X(b, 8, f) X(b, 9, l)
/* Variadic rows: promoted types only.  */
#define ROW_VAR(X, b) X(b, 0, l) X(b, 1, d) X(b, 2, s3) X(b, 3, i) X(b, 4, f12) X(b, 5, ld) X(b, 6, s12) X(b, 7, dc) X(b, 8, big) X(b, 9, l)
/* Microsoft x64: structs other than 1, 2, 4, 8 bytes by reference.
   ROW_MS has no long double (FFI_WIN64 means the Microsoft compiler's,
   a double); ROW_GNU has GCC's.  GCC's ms_abi va_arg gets arguments
   passed by reference wrong, so the ms variadic row has none.  */
#define ROW_MS(X, b) X(b, 0, l) X(b, 1, d) X(b, 2, s3) X(b, 3, i) X(b, 4, f12) X(b, 5, c) X(b, 6, s12) X(b, 7, f) X(b, 8, s8) X(b, 9, big)
/* FFI_GNUW64's long double is GCC's (by reference, results in memory);
   clang's ms_abi passes it otherwise on Linux, so not there.  */
#ifdef __clang__
#define GNU_RET big
#define GNU_WHY "71 mixed arguments (no long double under clang), a result in memory"
#define ROW_GNU(X, b) X(b, 0, l) X(b, 1, d) X(b, 2, deep3) X(b, 3, i) X(b, 4, w64) X(b, 5, h) X(b, 6, dc) X(b, 7, f) X(b, 8, s8) X(b, 9, l)
#else
#define GNU_RET ld
#define GNU_WHY "71 mixed arguments with long double, a result in memory"
#define ROW_GNU(X, b) X(b, 0, l) X(b, 1, ld) X(b, 2, deep3) X(b, 3, i) X(b, 4, w64) X(b, 5, h) X(b, 6, dc) X(b, 7, f) X(b, 8, s8) X(b, 9, l)
#endif
#define ROW_MSVAR(X, b) X(b, 0, l) X(b, 1, d) X(b, 2, i) X(b, 3, s8) X(b, 4, d) X(b, 5, l) X(b, 6, s8) X(b, 7, i) X(b, 8, d) X(b, 9, l)

/* Fresh signatures for "the library still works", one per convention.  */
#define FRESH_SYSV(X) X(0, 0, i) X(0, 1, s3) X(0, 2, l) X(0, 3, f12) X(0, 4, l) X(0, 5, d) X(0, 6, l) X(0, 7, l) X(0, 8, l) X(0, 9, l)
DEFINE_CASE(fresh_sysv, , dc, FRESH_SYSV)

/* A small new signature: key and plan fit inline; the plan is interned.  */
#define SMALL(X) X(0, 0, l) X(0, 1, i) X(0, 2, d) X(0, 3, l)
DEFINE_CASE(sysv_small, , l, SMALL)
/* The same with a result in memory (the hidden pointer's step).  */
#define SMALL_SRET(X) X(0, 0, s12) X(0, 1, l) X(0, 2, f) X(0, 3, l) X(0, 4, l)
DEFINE_CASE(sysv_small_sret, , big, SMALL_SRET)
/* Deeply nested structs: a key of over 256 words.  */
#define DEEP(X) X(0, 0, deep3) X(0, 1, l) X(0, 2, deepf) X(0, 3, l) X(0, 4, l) X(0, 5, d)
DEFINE_CASE(sysv_deep, , dc, DEEP)
/* Wide structs (64 members each), on the stack.  */
#define WIDE(X) X(0, 0, w64) X(0, 1, l) X(0, 2, w64) X(0, 3, l) X(0, 4, w64) X(0, 5, l) X(0, 6, i)
DEFINE_CASE(sysv_wide, , s12, WIDE)
/* 71 arguments: a plan of over 512 bytes, steps, scratch slots, locates
   and joins each past the writers' inline buffers.  */
#define MANY(X) ROW_MIX(X, 0) ROW_STACK(X, 1) ROW_MIX(X, 2) ROW_STACK(X, 3) ROW_MIX(X, 4) ROW_MIX(X, 5) ROW_STACK(X, 6)
DEFINE_CASE(sysv_many, , big, MANY)
/* 201 arguments: every buffer grows several times.  */
#define MANY200(X)                                                                                 \
  ROW_MIX(X, 0) ROW_STACK(X, 1) ROW_MIX(X, 2) ROW_STACK(X, 3) ROW_MIX(X, 4) ROW_STACK(X, 5)         \
  ROW_MIX(X, 6) ROW_STACK(X, 7) ROW_MIX(X, 8) ROW_STACK(X, 9) ROW_MIX(X, 10) ROW_STACK(X, 11)       \
  ROW_MIX(X, 12) ROW_STACK(X, 13) ROW_MIX(X, 14) ROW_STACK(X, 15) ROW_MIX(X, 16) ROW_STACK(X, 17)   \
  ROW_MIX(X, 18) ROW_STACK(X, 19)
DEFINE_CASE(sysv_many200, , ld, MANY200)
/* Variadic, small and large.  */
#define VSMALL_FIXED(X) X(0, 0, i)
#define VSMALL_VARS(X) X(0, 1, d) X(0, 2, l) X(0, 3, l) X(0, 4, s12)
DEFINE_VCASE(sysv_var_small, , sysv, l, VSMALL_FIXED, a00, VSMALL_VARS)
#define VMANY_FIXED(X) X(0, 0, d) X(0, 1, s12) X(0, 2, l)
#define VMANY_VARS(X) ROW_VAR(X, 1) ROW_VAR(X, 2) ROW_VAR(X, 3) ROW_VAR(X, 4) ROW_VAR(X, 5) ROW_VAR(X, 6) X(7, 0, w64) X(7, 1, deep3)
DEFINE_VCASE(sysv_var_many, , sysv, d, VMANY_FIXED, a02, VMANY_VARS)

#ifdef OOM_MS
DEFINE_CASE(fresh_ms, MS, s12, FRESH_SYSV)
DEFINE_CASE(win64_small, MS, l, SMALL)
#define MS_DEEP(X) X(0, 0, deep3) X(0, 1, l) X(0, 2, w64) X(0, 3, l) X(0, 4, deepf) X(0, 5, l)
DEFINE_CASE(win64_deep, MS, s8, MS_DEEP)
#define MS_MANY(X) ROW_MS(X, 0) ROW_MS(X, 1) ROW_MS(X, 2) ROW_MS(X, 3) ROW_MS(X, 4) ROW_MS(X, 5) ROW_MS(X, 6)
DEFINE_CASE(win64_many, MS, big, MS_MANY)
#define GNU_MANY(X) ROW_GNU(X, 0) ROW_MS(X, 1) ROW_GNU(X, 2) ROW_MS(X, 3) ROW_GNU(X, 4) ROW_GNU(X, 5) ROW_MS(X, 6)
#define DEFINE_CASE_(name, ATTR, RK, ARGS) DEFINE_CASE(name, ATTR, RK, ARGS)
DEFINE_CASE_(gnuw64_many, MS, GNU_RET, GNU_MANY)
#define MSV_SMALL_FIXED(X) X(0, 0, d)
#define MSV_SMALL_VARS(X) X(0, 1, d) X(0, 2, l) X(0, 3, i) X(0, 4, l)
DEFINE_VCASE(win64_var_small, MS, ms, l, MSV_SMALL_FIXED, a00, MSV_SMALL_VARS)
#define MSV_MANY_FIXED(X) X(0, 0, i)
#define MSV_MANY_VARS(X) ROW_MSVAR(X, 1) ROW_MSVAR(X, 2) ROW_MSVAR(X, 3) ROW_MSVAR(X, 4) ROW_MSVAR(X, 5) ROW_MSVAR(X, 6)
DEFINE_VCASE(gnuw64_var_many, MS, ms, d, MSV_MANY_FIXED, a00, MSV_MANY_VARS)
#endif

struct case_desc {
  const char *name;
  const char *why;  /* which allocations preparing it reaches */
  ffi_abi abi;
  const char *abi_name;
  int variadic;
  enum rkind rk;
  void (*setup)(struct arglist *);
  void (*fn)(void);
  void (*direct)(void *vals, void *ret);
  void (*closure)(void *code, void *vals, void *ret);  /* NULL: no closure check (variadic) */
};

#define CASE(name, abi, rk, why) {#name, why, abi, #abi, 0, R_##rk, name##_setup, FFI_FN(name), name##_direct, name##_closure}
#define CASE_(name, abi, rk, why) CASE(name, abi, rk, why)
#define VCASE(name, abi, rk, why) {#name, why, abi, #abi, 1, R_##rk, name##_setup, FFI_FN(name), name##_direct, NULL}

static const struct case_desc cases[] = {
    CASE(sysv_small, FFI_DEFAULT_ABI, l, "5 scalars: key and plan inline, the plan interned"),
    CASE(sysv_small_sret, FFI_DEFAULT_ABI, big, "a result in memory, a 12-byte struct"),
    CASE(sysv_deep, FFI_DEFAULT_ABI, dc, "structs nested 40 deep: a key of over 256 words"),
    CASE(sysv_wide, FFI_DEFAULT_ABI, s12, "three 64-member structs: a key of over 128 words"),
    CASE(sysv_many, FFI_DEFAULT_ABI, big, "71 mixed arguments: a plan of over 512 bytes"),
    CASE(sysv_many200, FFI_DEFAULT_ABI, ld, "201 mixed arguments: every buffer grows more than once"),
    VCASE(sysv_var_small, FFI_DEFAULT_ABI, l, "ffi_prep_cif_var, 2 fixed and 4 variadic arguments"),
    VCASE(sysv_var_many, FFI_DEFAULT_ABI, d, "ffi_prep_cif_var, 4 fixed and 62 variadic arguments"),
#ifdef OOM_MS
    CASE(win64_small, FFI_WIN64, l, "5 scalars, Microsoft x64"),
    CASE(win64_deep, FFI_WIN64, s8, "nested and wide structs by reference: a key of over 256 words"),
    CASE(win64_many, FFI_WIN64, big, "71 mixed arguments, Microsoft x64: a plan of over 512 bytes"),
    CASE_(gnuw64_many, FFI_GNUW64, GNU_RET, GNU_WHY),
    VCASE(win64_var_small, FFI_WIN64, l, "ffi_prep_cif_var, doubles in both registers"),
    VCASE(gnuw64_var_many, FFI_GNUW64, d, "ffi_prep_cif_var, 2 fixed and 60 variadic arguments"),
#endif
};
#define NCASES (sizeof cases / sizeof cases[0])

static const struct case_desc fresh_cases[] = {
    CASE(fresh_sysv, FFI_DEFAULT_ABI, dc, "a new signature"),
#ifdef OOM_MS
    CASE(fresh_ms, FFI_WIN64, s12, "a new signature"),
#endif
};
#define NFRESH (sizeof fresh_cases / sizeof fresh_cases[0])

/* ---------------------------------------------------------------- reports */

/* What a child found; in memory shared with the parent.  */
struct report {
  long count;        /* allocations the armed preparation asked for */
  long again;        /* allocations of the second preparation */
  int stage;         /* 1: the armed preparation returned; 2: the second too */
  int status, again_status;
  unsigned flags;
  int done;
  struct rec recs[MAX_RECS];
  char errors[3072];
};

struct shared {
  char phase[320];  /* what the child is doing: kept when it dies */
  struct report rep;  /* a child's */
  struct report sub;  /* a grandchild's, making calls apart */
  int tests, failures;  /* the one-process child's TAP lines */
};
static struct shared *S;

static void set_phase(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_phase(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(S->phase, sizeof S->phase, fmt, ap);
  va_end(ap);
}

static void note(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct report *r, const char *fmt, ...)
{
  size_t len = strlen(r->errors);
  if (len + 8 >= sizeof r->errors) return;
  if (len) {
    strcpy(r->errors + len, "; ");
    len += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->errors + len, sizeof r->errors - len, fmt, ap);
  va_end(ap);
}

static const char *status_name(int s)
{
  static char buf[32];
  switch (s) {
  case FFI_OK: return "FFI_OK";
  case FFI_BAD_TYPEDEF: return "FFI_BAD_TYPEDEF";
  case FFI_BAD_ABI: return "FFI_BAD_ABI";
  case FFI_BAD_ARGTYPE: return "FFI_BAD_ARGTYPE";
  default: snprintf(buf, sizeof buf, "status %d", s); return buf;
  }
}

/* ---------------------------------------------------------------- checks */

static const char *run_child(void (*body)(void *, struct report *), void *arg, unsigned timeout,
                             struct report *rep);

/* An argument list for case C and VARIANT; false when C has fewer
   variants.  */
static int build(const struct case_desc *c, unsigned long variant, struct arglist *L)
{
  memset(L, 0, sizeof *L);
  L->variant = L->left = variant;
  L->rk = c->rk;
  L->rtype = rtype_of(c->rk);
  c->setup(L);
  return L->left == 0;
}

static ffi_status prepare(const struct case_desc *c, struct arglist *L, ffi_cif *cif)
{
  if (c->variadic) return ffi_prep_cif_var(cif, c->abi, L->nfixed, L->n, L->rtype, L->at);
  return ffi_prep_cif(cif, c->abi, L->n, L->rtype, L->at);
}

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  const struct arglist *L = user;
  uint64_t h = kSeed;
  for (unsigned i = 0; i < cif->nargs; i++) h = mix(h, hash_any(L->kinds[i], args[i]));
  received = h;
  store_ret(L->rk, ret, h);
}

/* Call CIF (what: which cif) through ffi_call, and through a closure on
   it, comparing result and the callee's checksum with a direct call.  */
static void check_calls(const struct case_desc *c, struct arglist *L, ffi_cif *cif, const char *what,
                        struct report *r)
{
  union retbuf want, got;
  va_kinds = L->kinds;
  va_from = L->nfixed;
  va_n = L->n;
  memset(&want, 0x5a, sizeof want);
  received = 0;
  c->direct(L->vals, &want);
  uint64_t want_rx = received, want_ret = ret_hash(c->rk, &want);

  set_phase("calling %s through ffi_call", what);
  memset(&got, 0xa5, sizeof got);
  received = 0;
  ffi_call(cif, c->fn, &got, L->av);
  uint64_t rx = received, rh = ret_hash(c->rk, &got);
  if (rx != want_rx || rh != want_ret)
    note(r, "ffi_call of %s: callee checksum %#llx, result %#llx; a direct call: %#llx, %#llx", what,
          (unsigned long long)rx, (unsigned long long)rh, (unsigned long long)want_rx,
          (unsigned long long)want_ret);
  if (!c->closure) return;

  set_phase("making a closure on %s", what);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  if (!cl) {
    note(r, "ffi_closure_alloc failed (for %s)", what);
    return;
  }
  ffi_status s = ffi_prep_closure_loc(cl, cif, handler, L, code);
  if (s != FFI_OK) {
    note(r, "ffi_prep_closure_loc on %s returned %s", what, status_name(s));
  } else {
    set_phase("calling a closure on %s", what);
    memset(&got, 0xa5, sizeof got);
    received = 0;
    c->closure(code, L->vals, &got);
    rx = received;
    rh = ret_hash(c->rk, &got);
    if (rx != want_rx || rh != want_ret)
      note(r, "closure on %s: handler's checksum %#llx, result %#llx; a direct call: %#llx, %#llx", what,
            (unsigned long long)rx, (unsigned long long)rh, (unsigned long long)want_rx,
            (unsigned long long)want_ret);
  }
  ffi_closure_free(cl);
}

/* check_calls in a child of this process (the same plans and state):
   a cif that crashes is reported, and the checks after it still run.  */
struct calls_job {
  const struct case_desc *c;
  struct arglist *L;
  ffi_cif *cif;
  const char *what;
};
static void calls_body(void *arg, struct report *r)
{
  struct calls_job *j = arg;
  check_calls(j->c, j->L, j->cif, j->what, r);
}
static void check_calls_apart(const struct case_desc *c, struct arglist *L, ffi_cif *cif, const char *what,
                              struct report *r)
{
  struct calls_job j = {c, L, cif, what};
  const char *death = run_child(calls_body, &j, 60, &S->sub);
  if (S->sub.errors[0]) note(r, "%s", S->sub.errors);
  if (death) note(r, "the child making these calls: %s", death);
}

/* New signatures of both conventions (variant VARIANT: new in this
   process) prepare, call and make closures.  */
static void check_fresh(unsigned long variant, struct report *r)
{
  static struct arglist L;
  for (unsigned f = 0; f < NFRESH; f++) {
    const struct case_desc *c = &fresh_cases[f];
    if (!build(c, variant, &L)) {
      note(r, "%s has no variant %lu", c->name, variant);
      continue;
    }
    ffi_cif cif;
    set_phase("preparing a new signature (%s, variant %lu)", c->name, variant);
    ffi_status s = prepare(c, &L, &cif);
    if (s != FFI_OK) {
      note(r, "a new signature (%s) then: %s", c->name, status_name(s));
      continue;
    }
    char what[96];
    snprintf(what, sizeof what, "a new signature (%s) prepared afterwards", c->name);
    check_calls(c, &L, &cif, what, r);
  }
}

/* The index a signature never prepared before gets now (with memory to
   spare): plans are numbered in the order they are interned, so a plan
   with a higher index was interned later.  */
static unsigned probe_index(void)
{
  static unsigned counter;
  ffi_type *at[20];
  unsigned k = ++counter;
  for (int i = 0; i < 20; i++) at[i] = k >> i & 1 ? &ffi_type_uint8 : &ffi_type_sint8;
  ffi_cif cif;
  arm(0);
  ffi_status s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 20, &ffi_type_void, at);
  disarm();
  return s == FFI_OK ? cif.flags : 0;
}

/* Count what preparing C (VARIANT) allocates, and check it works.  */
static void count_case(const struct case_desc *c, unsigned long variant, struct report *r, int full)
{
  static struct arglist L;
  if (!build(c, variant, &L)) {
    note(r, "%s has no variant %lu", c->name, variant);
    return;
  }
  ffi_cif cif;
  set_phase("preparing %s with memory to spare", c->name);
  arm(0);
  r->status = prepare(c, &L, &cif);
  r->count = disarm();
  memcpy(r->recs, recs, sizeof recs);
  if (r->status != FFI_OK) {
    note(r, "preparing it with memory to spare returned %s", status_name(r->status));
    return;
  }
  /* (A fresh preparation may allocate nothing: plans are carved out of
     large blocks.)  What finding the interned plan costs: building the
     key; it must give the same index.  */
  unsigned first = cif.flags;
  set_phase("preparing %s a second time", c->name);
  arm(0);
  r->again_status = prepare(c, &L, &cif);
  r->again = disarm();
  if (r->again_status != FFI_OK) note(r, "preparing it a second time returned %s", status_name(r->again_status));
  if (first == 0 || (first & 0x80000000u) || cif.flags != first)
    note(r, "preparing it a second time gave cif.flags %#x, the first time %#x: it was not found interned",
         cif.flags, first);
  if (!full) return;
  check_calls(c, &L, &cif, "the cif", r);
  check_fresh(variant + 1, r);
}

/* Prepare C (VARIANT, in L) with allocation N failing (and every later
   one, if FROM), then again with memory to spare, and check both.
   LOOKUP: the allocations of preparing C once its plan is interned.  */
static void fail_case(const struct case_desc *c, struct arglist *L, ffi_cif *cif, long n, int from, long lookup,
                      struct report *r)
{
  set_phase("preparing %s with allocation %ld%s failing", c->name, n, from ? " and every later one" : "");
  cif->flags = 0x5a5a5a5a;  /* what a failed preparation must reset */
  if (from)
    arm_from(n);
  else
    arm(n);
  r->status = prepare(c, L, cif);
  r->count = disarm();
  r->flags = cif->flags;
  r->stage = 1;
  memcpy(r->recs, recs, sizeof recs);
  if (r->count < n) note(r, "only %ld allocations were asked for, so allocation %ld never failed", r->count, n);
  char what[96];
  if (r->status == FFI_OK) {
    snprintf(what, sizeof what, "the cif prepared (FFI_OK) while allocation %ld failed", n);
    check_calls_apart(c, L, cif, what, r);
  } else {
    if (r->status != FFI_BAD_TYPEDEF) note(r, "expected FFI_BAD_TYPEDEF");
    if (cif->flags != 0) note(r, "cif.flags is %#x, not 0: the failed cif could be called", cif->flags);
    set_phase("preparing a closure on %s's failed cif", c->name);
    void *code;
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl) {
      note(r, "ffi_closure_alloc failed");
    } else {
      ffi_status s = ffi_prep_closure_loc(cl, cif, handler, L, code);
      if (s == FFI_OK) note(r, "ffi_prep_closure_loc accepted the cif whose preparation failed");
      ffi_closure_free(cl);
    }
  }

  unsigned mark = probe_index();
  set_phase("preparing %s again with memory to spare, after allocation %ld failed", c->name, n);
  arm(0);
  r->again_status = prepare(c, L, cif);
  r->again = disarm();
  r->stage = 2;
  if (r->again_status != FFI_OK) {
    note(r, "preparing it again with memory to spare returned %s", status_name(r->again_status));
    return;
  }
  (void)lookup;
  if (r->status != FFI_OK && (mark == 0 || cif->flags <= mark))
    note(r, "the failed preparation left a plan interned: preparing the signature again found index %#x, "
            "older than one interned after the failure (%#x)", cif->flags, mark);
  snprintf(what, sizeof what, "the cif prepared again after allocation %ld failed", n);
  check_calls_apart(c, L, cif, what, r);
}

/* One TAP line for case C, allocation N of K (REC: what a fresh
   preparation allocates), from R and DEATH (NULL or how the child died).  */
static void tap_round(int number, const struct case_desc *c, const char *where, long n, long k,
                      const struct rec *rec, const struct report *r, const char *death)
{
  char alloc[64] = "?";
  if (n <= MAX_RECS) describe_rec(alloc, sizeof alloc, &rec[n - 1]);
  int ok = !death && !r->errors[0];
  printf("%s %d - %s%s: allocation %ld of %ld (%s) fails: ", ok ? "ok" : "not ok", number, c->name, where, n, k,
         alloc);
  if (r->stage == 0) {  /* died in the armed preparation */
    printf("child: %s\n", death ? death : "did not prepare it");
    return;
  }
  printf("%s", status_name(r->status));
  if (r->status != FFI_OK)
    printf(", flags %#x", r->flags);
  if (r->count > n) printf(", going on to ask for %ld allocations in all", r->count);
  if (r->stage >= 2) printf("; prepared again: %s, %ld allocations", status_name(r->again_status), r->again);
  if (ok)
    printf("; %sffi_call%s match the direct call; new signatures and closures work\n",
           r->status == FFI_OK ? "done without it: " : "", c->closure ? " and a closure" : "");
  else
    printf(" -- %s%s%s\n", r->errors, r->errors[0] && death ? "; child: " : death ? "child: " : "", death ? death : "");
}

/* ---------------------------------------------------------------- children */

static char child_stderr[512];

/* Run BODY(ARG) in a child; NULL when it finished, else why it did not
   (signal, exit status, time out) and what it was doing.  */
static const char *run_child(void (*body)(void *, struct report *), void *arg, unsigned timeout,
                             struct report *rep)
{
  static char death[1024];
  int fds[2];
  fflush(stdout);
  fflush(stderr);
  memset(rep, 0, sizeof *rep);
  strcpy(S->phase, "starting");
  child_stderr[0] = 0;
  if (pipe(fds) != 0) {
    snprintf(death, sizeof death, "pipe: %s", strerror(errno));
    return death;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(death, sizeof death, "fork: %s", strerror(errno));
    return death;
  }
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], 2);
    close(fds[1]);
    alarm(timeout);
    body(arg, rep);
    fflush(stdout);
    rep->done = 1;
    _exit(0);
  }
  close(fds[1]);
  size_t got = 0;
  char buf[512];
  ssize_t len;
  while ((len = read(fds[0], buf, sizeof buf)) > 0 || (len < 0 && errno == EINTR)) {
    for (ssize_t i = 0; i < len && got + 1 < sizeof child_stderr; i++)
      child_stderr[got++] = buf[i] == '\n' ? '|' : buf[i];
  }
  child_stderr[got] = 0;
  close(fds[0]);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && rep->done) return NULL;
  char how[96];
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
    snprintf(how, sizeof how, "hung (killed by SIGALRM after %u s)", timeout);
  else if (WIFSIGNALED(status))
    snprintf(how, sizeof how, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
  else
    snprintf(how, sizeof how, "exited with status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  snprintf(death, sizeof death, "%s while %s%s%s%s", how, S->phase, got ? " [stderr: " : "", child_stderr,
           got ? "]" : "");
  return death;
}

struct job {
  const struct case_desc *c;
  unsigned long variant;
  long n;
  int full;  /* counting: check calls and new signatures too */
  int from;  /* failing: allocation N and all later ones fail */
  long lookup;  /* failing: what preparing the signature costs once interned */
};

static void count_body(void *arg, struct report *r)
{
  struct job *j = arg;
  count_case(j->c, j->variant, r, j->full);
}

static void fail_body(void *arg, struct report *r)
{
  struct job *j = arg;
  static struct arglist L;
  ffi_cif cif;
  if (!build(j->c, j->variant, &L)) {
    note(r, "no variant %lu", j->variant);
    return;
  }
  fail_case(j->c, &L, &cif, j->n, j->from, j->lookup, r);
  check_fresh(j->variant + 1, r);
}

static int tests, failures;

static void tap(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tap(int ok, const char *fmt, ...)
{
  va_list ap;
  printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  failures += !ok;
}

/* Phase 1: each (case, N) in a child of its own, forked from a process
   that has prepared nothing.  */
static void isolated_case(const struct case_desc *c)
{
  struct job j = {c, 0, 0, 1, 0, 0};
  const char *death = run_child(count_body, &j, 60, &S->rep);
  struct report count = S->rep;
  char list[1024] = "";
  for (long i = 0; i < count.count && i < MAX_RECS; i++) {
    size_t len = strlen(list);
    if (len + 48 > sizeof list) break;
    if (len) strcat(list, ", ");
    describe_rec(list + strlen(list), 48, &count.recs[i]);
  }
  if (death || count.errors[0]) {
    tap(0, "%s (%s, %s): a fresh preparation -- %s%s%s", c->name, c->abi_name, c->why, count.errors,
        count.errors[0] && death ? "; child: " : death ? "child: " : "", death ? death : "");
    return;
  }
  tap(1, "%s (%s, %s): a fresh preparation makes %ld allocations (%s), a second one %ld; ffi_call and closures work",
      c->name, c->abi_name, c->why, count.count, list, count.again);
  j.lookup = count.again;
  for (long n = 1; n <= count.count; n++) {
    j.n = n;
    j.from = 0;
    death = run_child(fail_body, &j, 60, &S->rep);
    int went_on = S->rep.count > n;
    tap_round(++tests, c, "", n, count.count, count.recs, &S->rep, death);
    failures += death || S->rep.errors[0];
    if (!went_on) continue;
    /* The library carried on after that failure (and did without it):
       out of memory for good from there on.  */
    j.from = 1;
    death = run_child(fail_body, &j, 60, &S->rep);
    tap_round(++tests, c, " (and every later allocation)", n, count.count, count.recs, &S->rep, death);
    failures += death || S->rep.errors[0];
  }
}

/* Phase 2: every round in one process, each on a signature new there.  */
struct kept {
  const struct case_desc *c;
  struct arglist *L;
  ffi_cif cif;
  long n;
};

static void one_process_body(void *arg, struct report *unused)
{
  (void)arg;
  (void)unused;
  static struct kept kept[1024];
  unsigned nkept = 0;
  unsigned long fresh_variant = 1;
  for (unsigned ci = 0; ci < NCASES; ci++) {
    const struct case_desc *c = &cases[ci];
    for (long n = 1;; n++) {
      unsigned long variant = (unsigned long)n;
      /* Count in a child of this process: same state, same signature. */
      struct job j = {c, variant, 0, 0, 0, 0};
      set_phase("counting the allocations of %s variant %lu", c->name, variant);
      const char *death = run_child(count_body, &j, 60, &S->rep);
      struct report count = S->rep;
      if (death || count.errors[0]) {
        S->tests++;
        S->failures++;
        printf("not ok %d - %s, one process: counting the allocations of variant %lu -- %s%s%s\n", S->tests,
               c->name, variant, count.errors, count.errors[0] && death ? "; child: " : death ? "child: " : "",
               death ? death : "");
        break;
      }
      if (n > count.count) break;
      if (nkept == sizeof kept / sizeof kept[0]) break;
      struct kept *k = &kept[nkept++];
      k->c = c;
      k->n = n;
      k->L = malloc(sizeof *k->L);
      if (!k->L || !build(c, variant, k->L)) {
        printf("Bail out! %s has no variant %lu\n", c->name, variant);
        fflush(stdout);
        _exit(99);
      }
      struct report r;
      memset(&r, 0, sizeof r);
      fail_case(c, k->L, &k->cif, n, 0, count.again, &r);
      check_fresh(1000 + fresh_variant++, &r);
      S->tests++;
      S->failures += r.errors[0] != 0;
      tap_round(S->tests, c, ", one process", n, count.count, count.recs, &r, NULL);
      fflush(stdout);
    }
  }
  /* Every cif prepared again still calls; new signatures and closures work. */
  struct report r;
  memset(&r, 0, sizeof r);
  for (unsigned i = 0; i < nkept; i++) {
    if (kept[i].cif.flags == 0) continue;  /* its second preparation failed: reported already */
    char what[128];
    snprintf(what, sizeof what, "%s's cif prepared after allocation %ld failed, called again at the end",
             kept[i].c->name, kept[i].n);
    check_calls(kept[i].c, kept[i].L, &kept[i].cif, what, &r);
  }
  check_fresh(1000 + fresh_variant++, &r);
  S->tests++;
  S->failures += r.errors[0] != 0;
  printf("%s %d - one process, after %u rounds: every cif prepared again still calls correctly, new signatures "
         "and closures work%s%s\n",
         r.errors[0] ? "not ok" : "ok", S->tests, nkept, r.errors[0] ? " -- " : "", r.errors);
}

/* The interposer itself: exactly the allocations it is armed for fail.
   (Called through volatile pointers: the compiler knows what malloc
   does and could leave calls out.)  */
static void *(*volatile v_malloc)(size_t) = malloc;
static void *(*volatile v_calloc)(size_t, size_t) = calloc;
static void *(*volatile v_aligned_alloc)(size_t, size_t) = aligned_alloc;
static int (*volatile v_posix_memalign)(void **, size_t, size_t) = posix_memalign;
static void self_test(void)
{
  int ok = 1;
  arm(2);
  void *a = v_malloc(16), *b = v_malloc(16);
  int e = errno;
  void *c = v_malloc(16);
  ok &= a && !b && c && e == ENOMEM && disarm() == 3;
  free(a);
  free(c);
  arm_from(2);
  a = v_malloc(16);
  b = v_calloc(2, 8);
  c = v_malloc(16);
  ok &= a && !b && !c && disarm() == 3;
  free(a);
  arm(1);
  void *d = v_aligned_alloc(16, 64), *p = NULL;
  int pm = v_posix_memalign(&p, 64, 128);
  ok &= !d && pm == 0 && p && ((uintptr_t)p & 63) == 0 && disarm() == 2;
  free(p);
#ifdef OOM_MMAP
  void *(*volatile v_mmap)(void *, size_t, int, int, int, off_t) = mmap;
  arm(2);
  void *m1 = v_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *m2 = v_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  e = errno;
  ok &= m1 != MAP_FAILED && m2 == MAP_FAILED && e == ENOMEM && disarm() == 2;
  if (m1 != MAP_FAILED) {
    *(volatile char *)m1 = 1;  /* real memory */
    munmap(m1, 4096);
  }
#endif
  tap(ok, "the interposed allocator fails exactly the allocations it is armed for");
}

int main(void)
{
  const char *san = getenv("FFIX_SANITIZE"), *preload = getenv("LD_PRELOAD");
  if ((san && *san) || (preload && strstr(preload, "libasan"))) {
    puts("1..0 # SKIP the library is built with sanitizers: ASan's allocator replaces malloc");
    return 77;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  S = mmap(NULL, sizeof *S, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (S == MAP_FAILED) {
    puts("Bail out! mmap");
    return 99;
  }
  init_types();
  self_test();
  for (unsigned i = 0; i < NCASES; i++) isolated_case(&cases[i]);

  S->tests = tests;
  S->failures = 0;
  const char *death = run_child(one_process_body, NULL, 900, &S->rep);
  tests = S->tests;
  failures += S->failures;
  if (death) tap(0, "one process: the child: %s", death);
  printf("1..%d\n", tests);
  if (failures) printf("# %d of %d failed\n", failures, tests);
  return failures != 0;
}

#endif /* OOM_SKIP */
