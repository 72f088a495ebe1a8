/* layouts.h -- the structs the portable tests pass and return: arrays of
   1 to 33 bytes (every size class of both conventions: Win64 passes 1, 2,
   4 and 8 bytes in a register and all others by reference; System V
   splits up to 16 bytes into eightbytes and passes larger ones in
   memory), and layouts with padding, floating-point members, nesting
   and long double.

   For each layout L: struct L, L##_type (its ffi_type, built at run time
   by L##_init(): a DLL's data cannot appear in a static initializer),
   L##_fill(s, k) (a value derived from K, padding zeroed) and L##_hash(s)
   (over the members only, never the padding).  LAYOUTS(X) lists them.  */
#ifndef FFIX_PORTABLE_LAYOUTS_H
#define FFIX_PORTABLE_LAYOUTS_H

#include <ffi.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

static __attribute__((unused)) uint64_t hash_mix(uint64_t h, const void *p, size_t n)
{
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* Members' bytes: an x87 long double (64-bit mantissa: x86-64 Linux, GNU's
   Win64) is 10 bytes and six of padding; other long doubles (IEEE quad on
   AArch64 Linux, or a double) have no padding and count whole.  */
#if LDBL_MANT_DIG == 64
#define LDOUBLE_BYTES ((size_t)10)
#else
#define LDOUBLE_BYTES sizeof(long double)
#endif
#define MEMBER_BYTES(x) _Generic((x), long double: LDOUBLE_BYTES, default: sizeof(x))

static __attribute__((unused)) void set_float(void *p, size_t n, unsigned v) { (void)n; *(float *)p = (float)v * 0.75f - 3.0f; }
static __attribute__((unused)) void set_double(void *p, size_t n, unsigned v) { (void)n; *(double *)p = v * -1.5 + 1e-3; }
static __attribute__((unused)) void set_ldouble(void *p, size_t n, unsigned v) { (void)n; *(long double *)p = v / 3.0L + 1e10L; }
static __attribute__((unused)) void set_bytes(void *p, size_t n, unsigned v)
{
  for (size_t i = 0; i < n; i++) ((unsigned char *)p)[i] = (unsigned char)(v * 37 + i * 11 + 1);
}
#define SET_MEMBER(x) \
  _Generic((x), float: set_float, double: set_double, long double: set_ldouble, default: set_bytes)

#define HASH_MEMBER(f) h = hash_mix(h, &s->f, MEMBER_BYTES(s->f));
#define FILL_MEMBER(f) n++; SET_MEMBER(s->f)(&s->f, sizeof s->f, k * 16 + n);

/* The layouts with named members: their members for hashing and
   filling, and their ffi_type elements.  */
struct cs { signed char c; short s; };
#define cs_MEMBERS(F) F(c) F(s)
#define cs_ELEMENTS &ffi_type_schar, &ffi_type_sshort
struct c3 { unsigned char c[3]; };
#define c3_MEMBERS(F) F(c)
#define c3_ELEMENTS &ffi_type_uchar, &ffi_type_uchar, &ffi_type_uchar
struct sc { short s; signed char c; };
#define sc_MEMBERS(F) F(s) F(c)
#define sc_ELEMENTS &ffi_type_sshort, &ffi_type_schar
struct f1 { float f; };
#define f1_MEMBERS(F) F(f)
#define f1_ELEMENTS &ffi_type_float
struct d1 { double d; };
#define d1_MEMBERS(F) F(d)
#define d1_ELEMENTS &ffi_type_double
struct ff { float a, b; };
#define ff_MEMBERS(F) F(a) F(b)
#define ff_ELEMENTS &ffi_type_float, &ffi_type_float
struct fc { float f; signed char c; };
#define fc_MEMBERS(F) F(f) F(c)
#define fc_ELEMENTS &ffi_type_float, &ffi_type_schar
struct fff { float a, b, c; };
#define fff_MEMBERS(F) F(a) F(b) F(c)
#define fff_ELEMENTS &ffi_type_float, &ffi_type_float, &ffi_type_float
struct i3 { int a, b, c; };
#define i3_MEMBERS(F) F(a) F(b) F(c)
#define i3_ELEMENTS &ffi_type_sint, &ffi_type_sint, &ffi_type_sint
struct sfs { short a; float b; short c; };
#define sfs_MEMBERS(F) F(a) F(b) F(c)
#define sfs_ELEMENTS &ffi_type_sshort, &ffi_type_float, &ffi_type_sshort
struct bsbi { uint8_t a; uint16_t b; uint8_t c; uint32_t d; };
#define bsbi_MEMBERS(F) F(a) F(b) F(c) F(d)
#define bsbi_ELEMENTS &ffi_type_uint8, &ffi_type_uint16, &ffi_type_uint8, &ffi_type_uint32
struct dd { double a, b; };
#define dd_MEMBERS(F) F(a) F(b)
#define dd_ELEMENTS &ffi_type_double, &ffi_type_double
struct cd { signed char c; double d; };
#define cd_MEMBERS(F) F(c) F(d)
#define cd_ELEMENTS &ffi_type_schar, &ffi_type_double
struct ifd { int i; float f; double d; };
#define ifd_MEMBERS(F) F(i) F(f) F(d)
#define ifd_ELEMENTS &ffi_type_sint, &ffi_type_float, &ffi_type_double
struct lw { uint64_t a; uint32_t b; };
#define lw_MEMBERS(F) F(a) F(b)
#define lw_ELEMENTS &ffi_type_uint64, &ffi_type_uint32
struct ld { long double x; };
#define ld_MEMBERS(F) F(x)
#define ld_ELEMENTS &ffi_type_longdouble
struct f5 { float a, b, c, d, e; };
#define f5_MEMBERS(F) F(a) F(b) F(c) F(d) F(e)
#define f5_ELEMENTS &ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float
struct clc { signed char a; long long b; signed char c; };
#define clc_MEMBERS(F) F(a) F(b) F(c)
#define clc_ELEMENTS &ffi_type_schar, &ffi_type_sint64, &ffi_type_schar
struct d4 { double a, b, c, d; };
#define d4_MEMBERS(F) F(a) F(b) F(c) F(d)
#define d4_ELEMENTS &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double
struct dld { double d; long double x; };
#define dld_MEMBERS(F) F(d) F(x)
#define dld_ELEMENTS &ffi_type_double, &ffi_type_longdouble
/* Nested: 8 bytes in all (a register on Win64), with padding inside.  */
struct cs_f { struct cs in; float f; };
#define cs_f_MEMBERS(F) F(in.c) F(in.s) F(f)
#define cs_f_ELEMENTS &cs_type, &ffi_type_float
/* Nested, 24 bytes: a struct of two floats after a double.  */
struct d_ff_i { double d; struct ff in; int i; };
#define d_ff_i_MEMBERS(F) F(d) F(in.a) F(in.b) F(i)
#define d_ff_i_ELEMENTS &ffi_type_double, &ff_type, &ffi_type_sint

/* Byte arrays of every size from 1 to 33.  */
#define BYTE_SIZES(X)                                                                              \
  X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) X(17) \
  X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33)

#define DEFINE_BYTES(N)                                                                            \
  struct b##N { unsigned char c[N]; };                                                             \
  _Static_assert(sizeof(struct b##N) == N, "no padding");                                          \
  static ffi_type *b##N##_elements[N + 1];                                                         \
  static ffi_type b##N##_type;                                                                     \
  static void b##N##_init(void)                                                                    \
  {                                                                                                \
    for (int i = 0; i < N; i++) b##N##_elements[i] = &ffi_type_uint8;                              \
    b##N##_elements[N] = NULL;                                                                     \
    b##N##_type = (ffi_type){0, 0, FFI_TYPE_STRUCT, b##N##_elements};                              \
  }                                                                                                \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-function\"")           \
  static void b##N##_fill(struct b##N *s, unsigned k) { set_bytes(s->c, N, k); }                   \
  static uint64_t b##N##_hash(const struct b##N *s) { return hash_mix(0xcbf29ce484222325ull, s->c, N); } \
  _Pragma("GCC diagnostic pop")
BYTE_SIZES(DEFINE_BYTES)

#define DEFINE_NAMED(L)                                                                            \
  static ffi_type *L##_elements[8];                                                                \
  static ffi_type L##_type;                                                                        \
  static void L##_init(void)                                                                       \
  {                                                                                                \
    ffi_type *e[] = {L##_ELEMENTS, NULL};                                                          \
    memcpy(L##_elements, e, sizeof e);                                                             \
    L##_type = (ffi_type){0, 0, FFI_TYPE_STRUCT, L##_elements};                                    \
  }                                                                                                \
  _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wunused-function\"")           \
  static void L##_fill(struct L *s, unsigned k)                                                    \
  {                                                                                                \
    unsigned n = 0;                                                                                \
    memset(s, 0, sizeof *s);                                                                       \
    L##_MEMBERS(FILL_MEMBER)                                                                       \
  }                                                                                                \
  static uint64_t L##_hash(const struct L *s)                                                      \
  {                                                                                                \
    uint64_t h = 0xcbf29ce484222325ull;                                                            \
    L##_MEMBERS(HASH_MEMBER)                                                                       \
    return h;                                                                                      \
  }                                                                                                \
  _Pragma("GCC diagnostic pop")

#define NAMED_LAYOUTS(X)                                                                           \
  X(cs) X(c3) X(sc) X(f1) X(d1) X(ff) X(fc) X(fff) X(i3) X(sfs) X(bsbi) X(dd) X(cd) X(ifd) X(lw)  \
  X(ld) X(f5) X(clc) X(d4) X(dld) X(cs_f) X(d_ff_i)
NAMED_LAYOUTS(DEFINE_NAMED)

/* Every layout: LAYOUTS(X) calls X(L) for each.  Nested layouts come
   after the ones they contain (init order).  */
#define LAYOUTS(X)                                                                                 \
  X(b1) X(b2) X(b3) X(b4) X(b5) X(b6) X(b7) X(b8) X(b9) X(b10) X(b11) X(b12) X(b13) X(b14) X(b15) \
  X(b16) X(b17) X(b18) X(b19) X(b20) X(b21) X(b22) X(b23) X(b24) X(b25) X(b26) X(b27) X(b28)      \
  X(b29) X(b30) X(b31) X(b32) X(b33) NAMED_LAYOUTS(X)

#define INIT_LAYOUT(L) L##_init();
static __attribute__((unused)) void init_layouts(void) { LAYOUTS(INIT_LAYOUT) }

#endif
