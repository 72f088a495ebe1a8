/* complex_int.c -- complex numbers with integer parts (GCC's _Complex of
   every integer type, __int128 included), as arguments and results.

   For each type T, the signature T f(T a, int k, T b) goes through
   ffi_call, a call plan and a closure (called as a plain function), and
   T g(int n, ...) takes one T as a variadic argument; each result is
   compared with the direct compiled call.  The parts are chosen so that
   each byte of both differs and the sign bit is set where the part is
   signed: a value taken from the wrong half or register shows.  */
#include "tap.h"

/* The callee's result, from its arguments: the same formula in the
   direct callee and in the closure's handler.  */
#define COMBINE(T, E, r, a, k, b)                                         \
  do {                                                                    \
    __real__(r) = (E)(__real__(a) - (E)(__imag__(b) * 3) + (E)(k));       \
    __imag__(r) = (E)(__imag__(a) ^ (E)(__real__(b) + 1));                \
  } while (0)

#define COMPLEX_CASE(NAME, E, PART)                                                                 \
  typedef _Complex E NAME##_t;                                                                      \
  NOINLINE static NAME##_t NAME##_f(NAME##_t a, int k, NAME##_t b)                                  \
  {                                                                                                 \
    NAME##_t r;                                                                                     \
    scramble();                                                                                     \
    COMBINE(NAME##_t, E, r, a, k, b);                                                               \
    return r;                                                                                       \
  }                                                                                                 \
  NOINLINE static NAME##_t NAME##_g(int n, ...)                                                     \
  {                                                                                                 \
    va_list ap;                                                                                     \
    va_start(ap, n);                                                                                \
    NAME##_t a = va_arg(ap, NAME##_t);                                                              \
    int k = va_arg(ap, int);                                                                        \
    NAME##_t b = va_arg(ap, NAME##_t);                                                              \
    va_end(ap);                                                                                     \
    NAME##_t r;                                                                                     \
    scramble();                                                                                     \
    COMBINE(NAME##_t, E, r, a, k + n, b);                                                           \
    return r;                                                                                       \
  }                                                                                                 \
  static void NAME##_handler(ffi_cif *cif, void *ret, void **args, void *data)                      \
  {                                                                                                 \
    (void)cif;                                                                                      \
    (void)data;                                                                                     \
    NAME##_t a = *(NAME##_t *)args[0], b = *(NAME##_t *)args[2], r;                                 \
    int k = *(int *)args[1];                                                                        \
    COMBINE(NAME##_t, E, r, a, k, b);                                                               \
    *(NAME##_t *)ret = r;                                                                           \
  }                                                                                                 \
  static void NAME##_go_handler(ffi_cif *cif, void *ret, void **args, void *closure)                \
  {                                                                                                 \
    NAME##_handler(cif, ret, args, closure);                                                        \
  }                                                                                                 \
  static void NAME##_run(const char *what, NAME##_t a, NAME##_t b)                                  \
  {                                                                                                 \
    ffi_type *parts[] = {&PART, NULL};                                                              \
    ffi_type ct = {sizeof(NAME##_t), _Alignof(NAME##_t), FFI_TYPE_COMPLEX, parts};                  \
    ffi_type *at[] = {&ct, &ffi_type_sint, &ct};                                                    \
    ffi_cif cif;                                                                                    \
    ffi_status s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ct, at);                                 \
    if (!ok(s == FFI_OK, "%s: ffi_prep_cif", what)) return;                                         \
    int k = -5;                                                                                     \
    void *v[] = {&a, &k, &b};                                                                       \
    NAME##_t want = NAME##_f(a, k, b), got;                                                         \
    memset(&got, 0xa5, sizeof got);                                                                 \
    ffi_call(&cif, FFI_FN(NAME##_f), &got, v);                                                      \
    ok(memcmp(&got, &want, sizeof got) == 0, "%s: ffi_call", what);                                 \
    ffi_call_plan *plan = ffi_call_plan_alloc(&cif);                                                \
    memset(&got, 0xa5, sizeof got);                                                                 \
    if (plan) ffi_call_plan_invoke(plan, FFI_FN(NAME##_f), &got, v);                                \
    ok(plan && memcmp(&got, &want, sizeof got) == 0, "%s: call plan", what);                        \
    ffi_call_plan_free(plan);                                                                       \
                                                                                                    \
    void *code = NULL;                                                                              \
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);                                \
    if (ok(cl && ffi_prep_closure_loc(cl, &cif, NAME##_handler, NULL, code) == FFI_OK,              \
           "%s: ffi_prep_closure_loc", what)) {                                                     \
      NAME##_t (*fp)(NAME##_t, int, NAME##_t) = (NAME##_t (*)(NAME##_t, int, NAME##_t))code;        \
      got = fp(a, k, b);                                                                            \
      ok(memcmp(&got, &want, sizeof got) == 0, "%s: closure", what);                                \
    }                                                                                               \
    ffi_closure_free(cl);                                                                           \
    go_closure(what, &cif, NAME##_go_handler, v, &want, sizeof want);                               \
                                                                                                    \
    ffi_cif vcif;                                                                                   \
    ffi_type *vt[] = {&ffi_type_sint, &ct, &ffi_type_sint, &ct};                                    \
    s = ffi_prep_cif_var(&vcif, FFI_DEFAULT_ABI, 1, 4, &ct, vt);                                    \
    int n = 3;                                                                                      \
    void *vv[] = {&n, &a, &k, &b};                                                                  \
    want = NAME##_g(n, a, k, b);                                                                    \
    memset(&got, 0xa5, sizeof got);                                                                 \
    if (s == FFI_OK) ffi_call(&vcif, FFI_FN(NAME##_g), &got, vv);                                   \
    ok(s == FFI_OK && memcmp(&got, &want, sizeof got) == 0, "%s: variadic ffi_call", what);         \
  }

/* A Go closure of CIF, called with ffi_call_go (the static chain is the
   closure), must give WANT.  */
static void go_closure(const char *what, ffi_cif *cif, void (*fun)(ffi_cif *, void *, void **, void *),
                       void **v, const void *want, size_t size)
{
#ifdef FFI_GO_CLOSURES
  ffi_go_closure gc;
  unsigned char got[64];
  memset(got, 0xa5, sizeof got);
  if (ok(ffi_prep_go_closure(&gc, cif, fun) == FFI_OK, "%s: ffi_prep_go_closure", what)) {
    ffi_call_go(cif, FFI_FN(gc.tramp), got, v, &gc);
    ok(memcmp(got, want, size) == 0, "%s: Go closure", what);
  }
#else
  (void)what, (void)cif, (void)fun, (void)v, (void)want, (void)size;
#endif
}

COMPLEX_CASE(cs8, signed char, ffi_type_schar)
COMPLEX_CASE(cu8, unsigned char, ffi_type_uchar)
COMPLEX_CASE(cs16, short, ffi_type_sshort)
COMPLEX_CASE(cu16, unsigned short, ffi_type_ushort)
COMPLEX_CASE(cs32, int, ffi_type_sint)
COMPLEX_CASE(cu32, unsigned int, ffi_type_uint)
COMPLEX_CASE(cs64, long long, ffi_type_sint64)
COMPLEX_CASE(cu64, unsigned long long, ffi_type_uint64)
/* _Complex __int128: a GCC extension clang refuses, and ffi_type_sint128 only where
   ffi.h declares it (FFI_TARGET_HAS_INT128: not in a Windows build) */
#if defined(__SIZEOF_INT128__) && defined(FFI_TARGET_HAS_INT128) && !defined(__clang__)
COMPLEX_CASE(cs128, __int128, ffi_type_sint128)
COMPLEX_CASE(cu128, unsigned __int128, ffi_type_uint128)
#endif

/* Case N with arguments AR + AI i and BR + BI i.  */
#define RUN(N, label, ar, ai, br, bi) \
  do {                                \
    N##_t a_, b_;                     \
    __real__(a_) = (ar);              \
    __imag__(a_) = (ai);              \
    __real__(b_) = (br);              \
    __imag__(b_) = (bi);              \
    N##_run(label, a_, b_);           \
  } while (0)

int main(void)
{
  tap_start();
  RUN(cs8, "_Complex signed char", -100, 77, 35, -2);
  RUN(cu8, "_Complex unsigned char", 0xe1, 0x3c, 0x92, 0x17);
  RUN(cs16, "_Complex short", -30001, 0x1234, 0x0567, -0x2345);
  RUN(cu16, "_Complex unsigned short", 0xf00d, 0x8421, 0x1357, 0xeca8);
  RUN(cs32, "_Complex int", -0x12345678, 0x7edcba98, 0x01020304, -0x0a0b0c0d);
  RUN(cu32, "_Complex unsigned", 0xdeadbeefu, 0x89abcdefu, 0x13579bdfu, 0xfdb97531u);
  RUN(cs64, "_Complex long long", -0x123456789abcdefLL, 0x7edcba9876543210LL,
      0x0102030405060708LL, -0x0a0b0c0d0e0f1011LL);
  RUN(cu64, "_Complex unsigned long long", 0xfedcba9876543210ULL, 0x8899aabbccddeeffULL,
      0x0123456789abcdefULL, 0xf0e1d2c3b4a59687ULL);
#if defined(__SIZEOF_INT128__) && defined(FFI_TARGET_HAS_INT128) && !defined(__clang__)
  RUN(cs128, "_Complex __int128",
      -((__int128)0x0123456789abcdefLL << 64 | 0xfedcba9876543210ULL),
      (__int128)0x7766554433221100LL << 64 | 0x8899aabbccddeeffULL,
      (__int128)0x1122334455667788LL << 64 | 0x99aabbccddeeff00ULL,
      -((__int128)0x0f1e2d3c4b5a6978LL << 64 | 0x8796a5b4c3d2e1f0ULL));
  RUN(cu128, "_Complex unsigned __int128",
      (unsigned __int128)0xfedcba9876543210ULL << 64 | 0x0123456789abcdefULL,
      (unsigned __int128)0x8899aabbccddeeffULL << 64 | 0x7766554433221100ULL,
      (unsigned __int128)0xa1b2c3d4e5f60718ULL << 64 | 0x293a4b5c6d7e8f90ULL,
      (unsigned __int128)0x1f2e3d4c5b6a7988ULL << 64 | 0x97a6b5c4d3e2f101ULL);
#endif
  return tap_finish();
}
