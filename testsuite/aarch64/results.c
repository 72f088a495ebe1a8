/* results.c -- where each result byte comes from: AAPCS64 (ARM IHI 0055,
   2023Q3) §6.9, "Result return": a result that void f(T) would pass in
   registers comes back in the same registers (x0/x1, or v0-v3 for an
   HFA or HVA, one member per register); any other goes to memory whose
   address the caller passes in x8.  a64_capture_callee returns distinct
   bytes in x0, x1 and q0-q3, and writes known bytes through x8 when the
   case says so; the rows say which of them the result holds.  */
#include <complex.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static ffi_type mk(ffi_type **elements) { ffi_type t = {0, 0, FFI_TYPE_STRUCT, elements}; return t; }

#define DIRECT_RESULT(name, T) \
  static void name(void *out) \
  { \
    typedef T fn(void); \
    T r = CALL(fn)(); \
    memcpy(out, &r, sizeof r); \
  }

/* ---------------------------------------------------------------- integers */

DIRECT_RESULT(ret_s8, int8_t)
DIRECT_RESULT(ret_u8, uint8_t)
DIRECT_RESULT(ret_s16, int16_t)
DIRECT_RESULT(ret_u16, uint16_t)
DIRECT_RESULT(ret_s32, int32_t)
DIRECT_RESULT(ret_u32, uint32_t)
DIRECT_RESULT(ret_s64, int64_t)
DIRECT_RESULT(ret_u64, uint64_t)
DIRECT_RESULT(ret_ptr, void *)

/* An integral result is in the low bytes of x0 (C.9); libffi's rule,
   which ffix keeps, widens one narrower than ffi_arg to a whole ffi_arg,
   sign- or zero-extended by its type, whatever the callee left in the
   bits above.  x0 has every top bit set, then every top bit clear, so
   each width's sign and zero extension differ.  */
static void integers(void)
{
  static const struct {
    ffi_type *type;
    void (*direct)(void *);
    int size, is_signed;
    const char *name;
  } types[] = {
      {&ffi_type_sint8, ret_s8, 1, 1, "int8_t"},     {&ffi_type_uint8, ret_u8, 1, 0, "uint8_t"},
      {&ffi_type_sint16, ret_s16, 2, 1, "int16_t"},  {&ffi_type_uint16, ret_u16, 2, 0, "uint16_t"},
      {&ffi_type_sint32, ret_s32, 4, 1, "int32_t"},  {&ffi_type_uint32, ret_u32, 4, 0, "uint32_t"},
      {&ffi_type_sint64, ret_s64, 8, 1, "int64_t"},  {&ffi_type_uint64, ret_u64, 8, 0, "uint64_t"},
      {&ffi_type_pointer, ret_ptr, 8, 0, "pointer"},
  };
  for (int top = 1; top >= 0; top--)
    for (size_t i = 0; i < ARRAY_LEN(types); i++) {
      uint64_t x0 = top ? 0xf8f7f6f5f4f3f2f1u : 0x7877767574737271u;
      unsigned bits = 8 * (unsigned)types[i].size;
      uint64_t want = bits < 64 ? x0 & ((UINT64_C(1) << bits) - 1) : x0;
      if (bits < 64 && types[i].is_signed && top) want |= ~(uint64_t)0 << bits;
      char name[160];
      snprintf(name, sizeof name,
               "§6.9, C.9: %s result from the low %d bytes of x0 (top bits %s), widened to a whole ffi_arg",
               types[i].name, types[i].size, top ? "set" : "clear");
      struct rrow rows[] = {{FROM_X, 0, 0, types[i].size, 0}};
      run_result(&(struct result_case){.name = name, .rtype = types[i].type, .direct = types[i].direct,
                                       ROWS(rows), .x0 = x0, .widen = 1, .want = (ffi_arg)want});
    }
}

/* ---------------------------------------------------------------- floating point */

DIRECT_RESULT(ret_float, float)
DIRECT_RESULT(ret_double, double)
DIRECT_RESULT(ret_ldouble, long double)
DIRECT_RESULT(ret_cdouble, double _Complex)

static void floating_point(void)
{
  static const struct rrow f[] = {{FROM_Q, 0, 0, 4, 0}};
  static const struct rrow d[] = {{FROM_Q, 0, 0, 8, 0}};
  static const struct rrow q[] = {{FROM_Q, 0, 0, 16, 0}};
  static const struct rrow cd[] = {{FROM_Q, 0, 0, 8, 0}, {FROM_Q, 1, 0, 8, 8}};
  run_result(&(struct result_case){.name = "§6.9, C.1: a float result from s0", .rtype = &ffi_type_float,
                                   .direct = ret_float, ROWS(f)});
  run_result(&(struct result_case){.name = "§6.9, C.1: a double result from d0", .rtype = &ffi_type_double,
                                   .direct = ret_double, ROWS(d)});
  run_result(&(struct result_case){.name = "§6.9, C.1: a long double result from all of q0",
                                   .rtype = &ffi_type_longdouble, .direct = ret_ldouble, ROWS(q)});
  run_result(&(struct result_case){.name = "§6.9, C.2: a complex double result from d0 (real) and d1 (imaginary)",
                                   .rtype = &ffi_type_complex_double, .direct = ret_cdouble, ROWS(cd)});
}

/* ---------------------------------------------------------------- composites */

struct i3 { int32_t a, b, c; };
struct c3 { char a, b, c; };
struct fi { float f; int32_t i; };
struct l2 { int64_t a, b; };
struct hfa4f { float a, b, c, d; };
struct hfa3d { double a, b, c; };
struct hfa2q { long double a, b; };
struct l3 { int64_t a, b, c; };
struct qc { long double q; char c; };
DIRECT_RESULT(ret_i3, struct i3)
DIRECT_RESULT(ret_c3, struct c3)
DIRECT_RESULT(ret_fi, struct fi)
DIRECT_RESULT(ret_l2, struct l2)
DIRECT_RESULT(ret_hfa4f, struct hfa4f)
DIRECT_RESULT(ret_hfa3d, struct hfa3d)
DIRECT_RESULT(ret_hfa2q, struct hfa2q)
DIRECT_RESULT(ret_l3, struct l3)
DIRECT_RESULT(ret_qc, struct qc)

static void small_composites(void)
{
  ffi_type *i3e[] = {&ffi_type_sint32, &ffi_type_sint32, &ffi_type_sint32, NULL};
  ffi_type *c3e[] = {&ffi_type_schar, &ffi_type_schar, &ffi_type_schar, NULL};
  ffi_type *fie[] = {&ffi_type_float, &ffi_type_sint32, NULL};
  ffi_type *l2e[] = {&ffi_type_sint64, &ffi_type_sint64, NULL};
  ffi_type i3 = mk(i3e), c3 = mk(c3e), fi = mk(fie), l2 = mk(l2e);
  static const struct rrow r_i3[] = {{FROM_X, 0, 0, 8, 0}, {FROM_X, 1, 0, 4, 8}};
  static const struct rrow r_c3[] = {{FROM_X, 0, 0, 3, 0}};
  static const struct rrow r_fi[] = {{FROM_X, 0, 0, 8, 0}};
  static const struct rrow r_l2[] = {{FROM_X, 0, 0, 8, 0}, {FROM_X, 1, 0, 8, 8}};
  run_result(&(struct result_case){.name = "§6.9, C.12: a 12-byte composite result from x0 and the low 4 bytes of x1",
                                   .rtype = &i3, .direct = ret_i3, ROWS(r_i3)});
  run_result(&(struct result_case){.name = "§6.9, C.12: a 3-byte composite result from the low bytes of x0",
                                   .rtype = &c3, .direct = ret_c3, ROWS(r_c3)});
  run_result(&(struct result_case){.name = "§6.9, C.12: {float, int32} (not an HFA) from x0, not s0",
                                   .rtype = &fi, .direct = ret_fi, ROWS(r_fi)});
  run_result(&(struct result_case){.name = "§6.9, C.12: {int64, int64} from x0 and x1", .rtype = &l2,
                                   .direct = ret_l2, ROWS(r_l2)});
}

static void hfas(void)
{
  ffi_type *h4f[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type *h3d[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, NULL};
  ffi_type *h2q[] = {&ffi_type_longdouble, &ffi_type_longdouble, NULL};
  ffi_type s4f = mk(h4f), s3d = mk(h3d), s2q = mk(h2q);
  static const struct rrow r4f[] = {
      {FROM_Q, 0, 0, 4, 0}, {FROM_Q, 1, 0, 4, 4}, {FROM_Q, 2, 0, 4, 8}, {FROM_Q, 3, 0, 4, 12}};
  static const struct rrow r3d[] = {{FROM_Q, 0, 0, 8, 0}, {FROM_Q, 1, 0, 8, 8}, {FROM_Q, 2, 0, 8, 16}};
  static const struct rrow r2q[] = {{FROM_Q, 0, 0, 16, 0}, {FROM_Q, 1, 0, 16, 16}};
  run_result(&(struct result_case){.name = "§6.9, C.2: an HFA of four floats from s0-s3", .rtype = &s4f,
                                   .direct = ret_hfa4f, ROWS(r4f)});
  run_result(&(struct result_case){.name = "§6.9, C.2: an HFA of three doubles (24 bytes, not in memory) from d0-d2",
                                   .rtype = &s3d, .direct = ret_hfa3d, ROWS(r3d)});
  run_result(&(struct result_case){.name = "§6.9, C.2: an HFA of two long doubles from q0-q1", .rtype = &s2q,
                                   .direct = ret_hfa2q, ROWS(r2q)});
}

#ifdef HAVE_VECTOR_TYPE
typedef float v4sf __attribute__((vector_size(16)));
struct hva2q { v4sf a, b; };
DIRECT_RESULT(ret_hva2q, struct hva2q)
#endif
#ifdef HAVE_INT128_TYPE
DIRECT_RESULT(ret_i128, __int128)
#endif

static void ffix_types(void)
{
  const char *hva = "§6.9, C.2: an HVA of two 16-byte vectors from q0-q1";
  const char *i128 = "§6.9, C.11: __int128 from x0 (low half) and x1";
#ifdef HAVE_VECTOR_TYPE
  ffi_type *f4[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type vq = {0, 0, FFI_TYPE_VECTOR, f4};
  ffi_type *he[] = {&vq, &vq, NULL};
  ffi_type h = mk(he);
  static const struct rrow rh[] = {{FROM_Q, 0, 0, 16, 0}, {FROM_Q, 1, 0, 16, 16}};
  run_result(&(struct result_case){.name = hva, .rtype = &h, .direct = ret_hva2q, ROWS(rh)});
#else
  skip_case(hva, "no FFI_TYPE_VECTOR in this ffi.h");
#endif
#ifdef HAVE_INT128_TYPE
  static const struct rrow ri[] = {{FROM_X, 0, 0, 8, 0}, {FROM_X, 1, 0, 8, 8}};
  run_result(&(struct result_case){.name = i128, .rtype = &ffi_type_sint128, .direct = ret_i128, ROWS(ri)});
#else
  skip_case(i128, "no ffi_type_sint128 in this ffi.h");
#endif
}

static void in_memory(void)
{
  ffi_type *l3e[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, NULL};
  ffi_type *qce[] = {&ffi_type_longdouble, &ffi_type_schar, NULL};
  ffi_type l3 = mk(l3e), qc = mk(qce);
  static const struct rrow r_l3[] = {{FROM_X8, 0, 0, 24, 0}};
  static const struct rrow r_qc[] = {{FROM_X8, 0, 0, 17, 0}};
  run_result(&(struct result_case){
      .name = "§6.9: a 24-byte composite result is written to memory at x8: the callee's bytes arrive in rvalue",
      .rtype = &l3, .direct = ret_l3, ROWS(r_l3), .x8_len = 24});
  run_result(&(struct result_case){
      .name = "§6.9: {long double, char} (32 bytes, 16-aligned, not an HFA) is written to memory at x8",
      .rtype = &qc, .direct = ret_qc, ROWS(r_qc), .x8_len = 32});
  run_result(&(struct result_case){
      .name = "§6.9 with a NULL rvalue: x8 still points to memory the callee may write (24 bytes)",
      .rtype = &l3, .direct = ret_l3, .x8_len = 24, .null_rvalue = 1});
}

void results_cases(void)
{
  integers();
  floating_point();
  small_composites();
  hfas();
  ffix_types();
  in_memory();
}
