/* calls.c -- ffi_call with FFI_DEFAULT_ABI (System V on Linux, Win64 on
   Windows) for every scalar type as argument and result, each compared
   with a direct call of the same callee:
   - one argument; six mixed with ints and doubles (on Win64 the fifth and
     sixth go on the stack); twelve of the type (past every register);
   - narrow integer results widened into a whole ffi_arg;
   - a NULL rvalue for every result type (the callee still runs, with the
     right arguments), and void results;
   - float and double arguments mixed beyond the argument registers;
   - avalue[] and the argument objects unchanged by the call.  */
#include "tap.h"
#include "scalars.h"

#define DEFINE_CALLEES(N, T, FT, F, K, A, B)                                                  \
  static T N##_sink;                                                                          \
  static NOINLINE T N##_r1(T a)                                                               \
  {                                                                                           \
    scramble();                                                                               \
    return F(T, a, (T)1);                                                                     \
  }                                                                                           \
  static NOINLINE T N##_r6(int i, double d, T a, int j, double e, T b)                        \
  {                                                                                           \
    scramble();                                                                               \
    return F(T, F(T, a, b), (T)(i + 2 * j + (int)(d - e)));                                   \
  }                                                                                           \
  static NOINLINE T N##_r12(T a0, T a1, T a2, T a3, T a4, T a5, T a6, T a7, T a8, T a9,      \
                            T a10, T a11)                                                     \
  {                                                                                           \
    scramble();                                                                               \
    return FOLD12(F, T, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);                    \
  }                                                                                           \
  static NOINLINE T N##_side(T a, int i, T b)                                                 \
  {                                                                                           \
    scramble();                                                                               \
    N##_sink = F(T, F(T, a, b), (T)i);                                                        \
    return N##_sink;                                                                          \
  }                                                                                           \
  static NOINLINE void N##_void(double d, T a, T b)                                           \
  {                                                                                           \
    scramble();                                                                               \
    N##_sink = F(T, F(T, b, a), (T)(int)d);                                                   \
  }
SCALAR_TYPES(DEFINE_CALLEES)

#define DEFINE_TEST(N, T, FT, F, K, A, B)                                                     \
  static void test_##N(void)                                                                  \
  {                                                                                           \
    ffi_cif cif;                                                                              \
    union result r;                                                                           \
    T a = (T)(A), b = (T)(B);                                                                 \
    const T a0 = a, b0 = b;                                                                   \
    int i = -7, j = 1000;                                                                     \
    double d = 12.5, e = -3.5;                                                                \
                                                                                              \
    ffi_type *t1[] = {&FT};                                                                   \
    void *v1[] = {&a};                                                                        \
    prep(&cif, 1, &FT, t1);                                                                   \
    memset(&r, 0xa5, sizeof r);                                                               \
    ffi_call(&cif, FFI_FN(N##_r1), &r, v1);                                                   \
    ok(RESULT_##K(T, &r, N##_r1(a)), #N " f(" #N ")");                                        \
                                                                                              \
    ffi_type *t6[] = {&ffi_type_sint, &ffi_type_double, &FT, &ffi_type_sint, &ffi_type_double, &FT}; \
    void *v6[] = {&i, &d, &a, &j, &e, &b};                                                    \
    prep(&cif, 6, &FT, t6);                                                                   \
    memset(&r, 0xa5, sizeof r);                                                               \
    ffi_call(&cif, FFI_FN(N##_r6), &r, v6);                                                   \
    ok(RESULT_##K(T, &r, N##_r6(i, d, a, j, e, b)), #N " f(int, double, " #N ", int, double, " #N ")"); \
                                                                                              \
    T x[12];                                                                                  \
    ffi_type *t12[12];                                                                        \
    void *v12[12], *v12_copy[12];                                                             \
    for (int k = 0; k < 12; k++) {                                                            \
      x[k] = F(T, k % 2 ? a : b, (T)k);                                                       \
      t12[k] = &FT;                                                                           \
      v12[k] = &x[k];                                                                         \
    }                                                                                         \
    T x_copy[12];                                                                             \
    memcpy(x_copy, x, sizeof x);                                                              \
    memcpy(v12_copy, v12, sizeof v12);                                                        \
    prep(&cif, 12, &FT, t12);                                                                 \
    memset(&r, 0xa5, sizeof r);                                                               \
    ffi_call(&cif, FFI_FN(N##_r12), &r, v12);                                                 \
    ok(RESULT_##K(T, &r, N##_r12(x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11])), \
       #N " f(" #N " x 12)");                                                                 \
    int same = memcmp(v12, v12_copy, sizeof v12) == 0;                                        \
    for (int k = 0; k < 12; k++) same &= x[k] == x_copy[k]; /* values: padding may change */  \
    ok(same &&                                                                                \
           a == a0 && b == b0,                                                                \
       #N ": avalue and the arguments unchanged");                                            \
                                                                                              \
    ffi_type *t3[] = {&FT, &ffi_type_sint, &FT};                                              \
    void *v3[] = {&a, &i, &b};                                                                \
    prep(&cif, 3, &FT, t3);                                                                   \
    N##_sink = (T)0;                                                                          \
    ffi_call(&cif, FFI_FN(N##_side), NULL, v3);                                               \
    T got = N##_sink;                                                                         \
    ok(got == N##_side(a, i, b), #N " result to a NULL rvalue");                              \
                                                                                              \
    ffi_type *tv[] = {&ffi_type_double, &FT, &FT};                                            \
    void *vv[] = {&d, &a, &b};                                                                \
    prep(&cif, 3, &ffi_type_void, tv);                                                        \
    N##_sink = (T)0;                                                                          \
    memset(&r, 0xa5, sizeof r);                                                               \
    ffi_call(&cif, FFI_FN(N##_void), &r, vv);                                                 \
    got = N##_sink;                                                                           \
    N##_void(d, a, b);                                                                        \
    ok(got == N##_sink && r.bytes[0] == 0xa5 && r.bytes[15] == 0xa5,                          \
       "void f(double, " #N ", " #N ")");                                                    \
  }
SCALAR_TYPES(DEFINE_TEST)

/* Pointers: their own arithmetic.  */
static NOINLINE void *ptr_r6(int i, double d, void *a, int j, double e, void *b)
{
  scramble();
  return (void *)((uintptr_t)a * 3 + (uintptr_t)b + (uintptr_t)(i + j) + (uintptr_t)(d - e));
}

static void test_pointer(void)
{
  ffi_cif cif;
  union result r;
  int i = 5, j = -9;
  double d = 100.0, e = 1.0;
  void *a = (void *)(uintptr_t)0x8000123456789abcull, *b = &cif;
  ffi_type *t6[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_pointer, &ffi_type_sint, &ffi_type_double,
                    &ffi_type_pointer};
  void *v6[] = {&i, &d, &a, &j, &e, &b};
  prep(&cif, 6, &ffi_type_pointer, t6);
  memset(&r, 0xa5, sizeof r);
  ffi_call(&cif, FFI_FN(ptr_r6), &r, v6);
  ok(*(void **)&r == ptr_r6(i, d, a, j, e, b), "pointer f(int, double, pointer, int, double, pointer)");
}

/* Floats and doubles mixed with integers, beyond the registers of either
   convention (four on Win64; eight vector registers on System V).  */
static NOINLINE double mix12(float a, double b, int c, float d, double e, long long f, float g, double h,
                             signed char i, float j, double k, short l)
{
  scramble();
  return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * (double)f + 7 * g + 8 * h + 9 * i + 10 * j + 11 * k + 12 * l;
}

static NOINLINE float fd14(float a0, double a1, float a2, double a3, float a4, double a5, float a6,
                           double a7, float a8, double a9, float a10, double a11, float a12, double a13)
{
  scramble();
  return (float)(a0 - a1 * 2 + a2 * 3 - a3 * 4 + a4 * 5 - a5 * 6 + a6 * 7 - a7 * 8 + a8 * 9 - a9 * 10 +
                 a10 * 11 - a11 * 12 + a12 * 13 - a13 * 14);
}

static void test_mixes(void)
{
  ffi_cif cif;
  union result r;
  float a = 1.5f, d = -2.25f, g = 1e-3f, j = 77.0f;
  double b = -3.125, e = 1e10, h = 0.5, k = -1e-5;
  int c = -123456;
  long long f = 1234567890123ll;
  signed char i = -100;
  short l = 32000;
  ffi_type *t[] = {&ffi_type_float, &ffi_type_double, &ffi_type_sint, &ffi_type_float,
                   &ffi_type_double, &ffi_type_sint64, &ffi_type_float, &ffi_type_double,
                   &ffi_type_schar, &ffi_type_float, &ffi_type_double, &ffi_type_sshort};
  void *v[] = {&a, &b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &l};
  prep(&cif, 12, &ffi_type_double, t);
  memset(&r, 0xa5, sizeof r);
  ffi_call(&cif, FFI_FN(mix12), &r, v);
  double want = mix12(a, b, c, d, e, f, g, h, i, j, k, l);
  ok(*(double *)&r == want, "double f(float, double, int, float, double, long long, float, double, schar, "
                            "float, double, short)");

  float fx[7];
  double dx[7];
  ffi_type *t14[14];
  void *v14[14];
  for (int n = 0; n < 7; n++) {
    fx[n] = 0.5f + (float)n * 1.25f;
    dx[n] = -100.0 / (n + 3);
    t14[2 * n] = &ffi_type_float;
    t14[2 * n + 1] = &ffi_type_double;
    v14[2 * n] = &fx[n];
    v14[2 * n + 1] = &dx[n];
  }
  prep(&cif, 14, &ffi_type_float, t14);
  memset(&r, 0xa5, sizeof r);
  ffi_call(&cif, FFI_FN(fd14), &r, v14);
  float fwant = fd14(fx[0], dx[0], fx[1], dx[1], fx[2], dx[2], fx[3], dx[3], fx[4], dx[4], fx[5], dx[5],
                     fx[6], dx[6]);
  ok(*(float *)&r == fwant, "float f(float, double x 7 alternating)");
}

/* A function of no arguments (avalue may be NULL) and a void result into
   a NULL rvalue.  */
static int called;
static NOINLINE void nothing(void)
{
  scramble();
  called++;
}

static void test_nothing(void)
{
  ffi_cif cif;
  prep(&cif, 0, &ffi_type_void, NULL);
  ffi_call(&cif, FFI_FN(nothing), NULL, NULL);
  ok(called == 1, "void f(void), avalue and rvalue NULL");
}

/* The predefined types are constants: programs put their addresses in
   static initializers (on Windows, only if ffi.h does not mark them
   dllimport for GCC, as libffi's header does not).  */
typedef struct { unsigned char a; unsigned short b; } small_pair;
static ffi_type *pair_elements[] = {&ffi_type_uint8, &ffi_type_uint16, NULL};
static ffi_type pair_type = {0, 0, FFI_TYPE_STRUCT, pair_elements};

static NOINLINE unsigned pair_sum(small_pair p)
{
  scramble();
  return p.a * 1000u + p.b;
}

static void test_static_types(void)
{
  ffi_type *args[] = {&pair_type};
  ffi_cif cif;
  prep(&cif, 1, &ffi_type_uint32, args);
  small_pair p = {7, 4242};
  void *values[] = {&p};
  ffi_arg r = 0;
  ffi_call(&cif, FFI_FN(pair_sum), &r, values);
  ok((unsigned)r == pair_sum(p), "types in static initializers: struct { uint8, uint16 } by value");
}

int main(void)
{
  tap_start();
#define RUN(N, T, FT, F, K, A, B) test_##N();
  SCALAR_TYPES(RUN)
  test_pointer();
  test_mixes();
  test_nothing();
  test_static_types();
  return tap_finish();
}
