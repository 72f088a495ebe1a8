/* structs.c -- structs by value through ffi_call with FFI_DEFAULT_ABI,
   for every layout of layouts.h (byte arrays of 1 to 33 bytes, padding,
   floating-point members, nesting, long double), each compared with a
   direct call of the same callee:
   - three of the struct among other arguments, the last one past the
     fourth argument (on the stack on Win64);
   - returned (in registers or through the hidden pointer), with no byte
     of rvalue written past the struct;
   - passed seventh (on the stack in both conventions) and returned;
   - returned into a NULL rvalue.
   Each callee scribbles over its by-value arguments afterwards: the
   caller's objects (what avalue points to) must not change, since the
   callee owns a copy (Win64 passes large structs by reference to a copy
   the caller makes).  */
#include "tap.h"
#include "layouts.h"

static int last_k;

#define DEFINE_CALLEES(L)                                                                       \
  static NOINLINE uint64_t L##_take(int i, struct L s, double d, struct L t, int j, struct L u) \
  {                                                                                             \
    scramble();                                                                                 \
    uint64_t h = L##_hash(&s) * 3 + L##_hash(&t) * 5 + L##_hash(&u) * 7 + (uint64_t)(i - j) +   \
                 (uint64_t)(int64_t)(d * 4);                                                    \
    memset(&s, 0xee, sizeof s);                                                                 \
    memset(&t, 0xee, sizeof t);                                                                 \
    memset(&u, 0xee, sizeof u);                                                                 \
    TOUCHED(&s);                                                                                \
    TOUCHED(&t);                                                                                \
    TOUCHED(&u);                                                                                \
    return h;                                                                                   \
  }                                                                                             \
  static NOINLINE struct L L##_ret(int k, double d)                                             \
  {                                                                                             \
    struct L s;                                                                                 \
    scramble();                                                                                 \
    last_k = k + (int)d;                                                                        \
    L##_fill(&s, (unsigned)last_k);                                                             \
    return s;                                                                                   \
  }                                                                                             \
  static NOINLINE struct L L##_ret7(int a, int b, int c, int d, int e, int f, struct L s)       \
  {                                                                                             \
    struct L r;                                                                                 \
    scramble();                                                                                 \
    L##_fill(&r, (unsigned)(L##_hash(&s) % 1000 + (uint64_t)(a + b + c + d + e + f)));          \
    memset(&s, 0xee, sizeof s);                                                                 \
    TOUCHED(&s);                                                                                \
    return r;                                                                                   \
  }
LAYOUTS(DEFINE_CALLEES)

#define DEFINE_TEST(L)                                                                          \
  static void test_##L(void)                                                                    \
  {                                                                                             \
    ffi_cif cif;                                                                                \
    struct L s, t, u, saved[3];                                                                 \
    int i = -5, j = 77, k = 3;                                                                  \
    double d = 2.75;                                                                            \
    L##_fill(&s, 1);                                                                            \
    L##_fill(&t, 2);                                                                            \
    L##_fill(&u, 3);                                                                            \
    saved[0] = s;                                                                               \
    saved[1] = t;                                                                               \
    saved[2] = u;                                                                               \
                                                                                                \
    ffi_type *tt[] = {&ffi_type_sint, &L##_type, &ffi_type_double, &L##_type, &ffi_type_sint, &L##_type}; \
    void *vt[] = {&i, &s, &d, &t, &j, &u};                                                      \
    prep(&cif, 6, &ffi_type_uint64, tt);                                                        \
    uint64_t got = 0;                                                                           \
    ffi_call(&cif, FFI_FN(L##_take), &got, vt);                                                 \
    /* Members only: the compiler may change padding whenever it stores. */                    \
    int same = L##_hash(&s) == L##_hash(&saved[0]) && L##_hash(&t) == L##_hash(&saved[1]) &&    \
               L##_hash(&u) == L##_hash(&saved[2]);                                             \
    ok(got == L##_take(i, s, d, t, j, u), #L " (%u bytes) by value: f(int, s, double, s, int, s)", \
       (unsigned)sizeof(struct L));                                                             \
    ok(same, #L ": the arguments unchanged by a callee that writes to its copies");             \
                                                                                                \
    ffi_type *tr[] = {&ffi_type_sint, &ffi_type_double};                                        \
    void *vr[] = {&k, &d};                                                                      \
    prep(&cif, 2, &L##_type, tr);                                                               \
    unsigned char buf[sizeof(struct L) + 32] __attribute__((aligned(16)));                      \
    memset(buf, 0xa5, sizeof buf);                                                              \
    ffi_call(&cif, FFI_FN(L##_ret), buf, vr);                                                   \
    struct L want = L##_ret(k, d);                                                              \
    int tail = 1;                                                                               \
    for (size_t n = sizeof(struct L); n < sizeof buf; n++) tail &= buf[n] == 0xa5;              \
    ok(L##_hash((struct L *)buf) == L##_hash(&want), #L " returned");                           \
    ok(tail, #L " returned: nothing written past the struct in rvalue");                        \
                                                                                                \
    last_k = 0;                                                                                 \
    ffi_call(&cif, FFI_FN(L##_ret), NULL, vr);                                                  \
    ok(last_k == k + (int)d, #L " returned into a NULL rvalue");                                \
                                                                                                \
    int a[6] = {1, -2, 3, -4, 5, 600};                                                          \
    ffi_type *t7[] = {&ffi_type_sint, &ffi_type_sint, &ffi_type_sint, &ffi_type_sint,           \
                      &ffi_type_sint, &ffi_type_sint, &L##_type};                               \
    void *v7[] = {&a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &s};                                \
    prep(&cif, 7, &L##_type, t7);                                                               \
    memset(buf, 0xa5, sizeof buf);                                                              \
    ffi_call(&cif, FFI_FN(L##_ret7), buf, v7);                                                  \
    want = L##_ret7(a[0], a[1], a[2], a[3], a[4], a[5], s);                                     \
    ok(L##_hash((struct L *)buf) == L##_hash(&want) && L##_hash(&s) == L##_hash(&saved[0]),     \
       #L " seventh argument and returned");                                                    \
  }
LAYOUTS(DEFINE_TEST)

/* The offsets ffi_get_struct_offsets reports are the compiler's.  */
static void test_offsets(void)
{
  size_t off[4];
  int good = ffi_get_struct_offsets(FFI_DEFAULT_ABI, &clc_type, off) == FFI_OK &&
             off[0] == offsetof(struct clc, a) && off[1] == offsetof(struct clc, b) &&
             off[2] == offsetof(struct clc, c) && clc_type.size == sizeof(struct clc) &&
             clc_type.alignment == _Alignof(struct clc);
  good &= ffi_get_struct_offsets(FFI_DEFAULT_ABI, &dld_type, off) == FFI_OK &&
          off[1] == offsetof(struct dld, x) && dld_type.size == sizeof(struct dld) &&
          dld_type.alignment == _Alignof(struct dld);
  good &= ffi_get_struct_offsets(FFI_DEFAULT_ABI, &bsbi_type, off) == FFI_OK &&
          off[0] == offsetof(struct bsbi, a) && off[1] == offsetof(struct bsbi, b) &&
          off[2] == offsetof(struct bsbi, c) && off[3] == offsetof(struct bsbi, d) &&
          bsbi_type.size == sizeof(struct bsbi);
  ok(good, "ffi_get_struct_offsets, sizes and alignments match the compiler's layouts");
}

int main(void)
{
  tap_start();
  init_layouts();
#define RUN(L) test_##L();
  LAYOUTS(RUN)
  test_offsets();
  return tap_finish();
}
