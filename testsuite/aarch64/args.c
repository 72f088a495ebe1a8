/* args.c -- where each argument byte goes: one case per rule of AAPCS64
   (ARM IHI 0055, 2023Q3) §6.8.2, "Parameter passing rules", stages B and
   C.  Each case names the rules it checks; its rows say where the bytes
   must be (and, for a register or slot the rules leave unused, where they
   must not be), and its compiled call shows that GCC agrees.  */
#include <complex.h>
#include <ffi.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

static ffi_type mk(ffi_type **elements) { ffi_type t = {0, 0, FFI_TYPE_STRUCT, elements}; return t; }

/* The C types of the composites, and their ffi_types' members.  */
struct hfa4f { float a, b, c, d; };
struct hfa3f { float a, b, c; };
struct hfa2f { float a, b; };
struct hfa2d { double a, b; };
struct hfa2q { long double a, b; };
struct i3 { int32_t a, b, c; };
struct c3 { char a, b, c; };
struct fi { float f; int32_t i; };
struct l2 { int64_t a, b; };
struct l3 { int64_t a, b, c; };
struct ch { char c; };
struct qc { long double q; char c; };
static ffi_type *hfa4f_e[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
static ffi_type *hfa3f_e[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
static ffi_type *hfa2f_e[] = {&ffi_type_float, &ffi_type_float, NULL};
static ffi_type *hfa2d_e[] = {&ffi_type_double, &ffi_type_double, NULL};
static ffi_type *hfa2q_e[] = {&ffi_type_longdouble, &ffi_type_longdouble, NULL};
static ffi_type *i3_e[] = {&ffi_type_sint32, &ffi_type_sint32, &ffi_type_sint32, NULL};
static ffi_type *c3_e[] = {&ffi_type_schar, &ffi_type_schar, &ffi_type_schar, NULL};
static ffi_type *fi_e[] = {&ffi_type_float, &ffi_type_sint32, NULL};
static ffi_type *l2_e[] = {&ffi_type_sint64, &ffi_type_sint64, NULL};
static ffi_type *l3_e[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, NULL};
static ffi_type *ch_e[] = {&ffi_type_schar, NULL};
static ffi_type *qc_e[] = {&ffi_type_longdouble, &ffi_type_schar, NULL};

/* ---------------------------------------------------------------- integers */

typedef void ints_fn(int32_t, int64_t, void *, uint16_t, int8_t, uint64_t, uint32_t, int64_t, int32_t, int64_t);
static void ints_direct(void **values)
{
  CALL(ints_fn)(V(int32_t, 0), V(int64_t, 1), V(void *, 2), V(uint16_t, 3), V(int8_t, 4), V(uint64_t, 5),
                V(uint32_t, 6), V(int64_t, 7), V(int32_t, 8), V(int64_t, 9));
}

static void integers(void)
{
  ffi_type *t[] = {&ffi_type_sint32, &ffi_type_sint64, &ffi_type_pointer, &ffi_type_uint16, &ffi_type_sint8,
                   &ffi_type_uint64, &ffi_type_uint32, &ffi_type_sint64, &ffi_type_sint32, &ffi_type_sint64};
  static const struct row rows[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 8, IN_X, 1, 0}, {2, 0, 8, IN_X, 2, 0}, {3, 0, 2, IN_X, 3, 0},
      {4, 0, 1, IN_X, 4, 0}, {5, 0, 8, IN_X, 5, 0}, {6, 0, 4, IN_X, 6, 0}, {7, 0, 8, IN_X, 7, 0},
      {8, 0, 4, IN_STACK, 0, 0}, {9, 0, 8, IN_STACK, 8, 0},
  };
  run_args(&(struct args_case){
      .name = "C.9: integers and pointers in the low bytes of x0-x7; C.13, C.16, C.17: the 9th and 10th in "
              "8-byte stack slots (0, 8)",
      .nargs = ARRAY_LEN(t), .types = t, .direct = ints_direct, ROWS(rows)});
}

/* C.9 leaves the bits above a narrow integer unspecified; libffi fills
   them with the sign or zero extension to 64 bits, and so does ffix, so
   a callee that (wrongly) relies on extension sees the same value with
   either.  The top bit of each value is set in the first six and clear
   in the last two, so sign and zero extension differ.  */
typedef void narrow_fn(int8_t, uint8_t, int16_t, uint16_t, int32_t, uint32_t, int8_t, uint16_t);
static void narrow_direct(void **values)
{
  CALL(narrow_fn)(V(int8_t, 0), V(uint8_t, 1), V(int16_t, 2), V(uint16_t, 3), V(int32_t, 4), V(uint32_t, 5),
                  V(int8_t, 6), V(uint16_t, 7));
}

static void narrow_adjust(void **values, ffi_type **types)
{
  for (int i = 0; i < 8; i++) {
    unsigned char *top = (unsigned char *)values[i] + types[i]->size - 1;
    *top = i < 6 ? (unsigned char)(*top | 0x80) : (unsigned char)(*top & 0x7f);
  }
}

static void narrow_integers(void)
{
  ffi_type *t[] = {&ffi_type_sint8, &ffi_type_uint8, &ffi_type_sint16, &ffi_type_uint16,
                   &ffi_type_sint32, &ffi_type_uint32, &ffi_type_sint8, &ffi_type_uint16};
  static const struct row rows[] = {
      {0, 0, 1, IN_X, 0, 0}, {1, 0, 1, IN_X, 1, 0}, {2, 0, 2, IN_X, 2, 0}, {3, 0, 2, IN_X, 3, 0},
      {4, 0, 4, IN_X, 4, 0}, {5, 0, 4, IN_X, 5, 0}, {6, 0, 1, IN_X, 6, 0}, {7, 0, 2, IN_X, 7, 0},
      {0, 0, 1, EXTENDED_X, 0, 0}, {1, 0, 1, EXTENDED_X, 1, 0}, {2, 0, 2, EXTENDED_X, 2, 0},
      {3, 0, 2, EXTENDED_X, 3, 0}, {4, 0, 4, EXTENDED_X, 4, 0}, {5, 0, 4, EXTENDED_X, 5, 0},
      {6, 0, 1, EXTENDED_X, 6, 0}, {7, 0, 2, EXTENDED_X, 7, 0},
  };
  run_args(&(struct args_case){
      .name = "C.9: narrow integers in x0-x7; libffi's and ffix's choice for the unspecified upper bits: "
              "sign or zero extension to 64 bits (not checked for the compiled call)",
      .nargs = ARRAY_LEN(t), .types = t, .direct = narrow_direct, ROWS(rows), .adjust = narrow_adjust});
}

/* ---------------------------------------------------------------- floating point */

typedef void fp_fn(float, double, long double, float, double, double, float, double, float, long double, double);
static void fp_direct(void **values)
{
  CALL(fp_fn)(V(float, 0), V(double, 1), V(long double, 2), V(float, 3), V(double, 4), V(double, 5), V(float, 6),
              V(double, 7), V(float, 8), V(long double, 9), V(double, 10));
}

static void floating_point(void)
{
  ffi_type *t[] = {&ffi_type_float, &ffi_type_double, &ffi_type_longdouble, &ffi_type_float,
                   &ffi_type_double, &ffi_type_double, &ffi_type_float, &ffi_type_double,
                   &ffi_type_float, &ffi_type_longdouble, &ffi_type_double};
  static const struct row rows[] = {
      {0, 0, 4, IN_V, 0, 0}, {1, 0, 8, IN_V, 1, 0}, {2, 0, 16, IN_V, 2, 0}, {3, 0, 4, IN_V, 3, 0},
      {4, 0, 8, IN_V, 4, 0}, {5, 0, 8, IN_V, 5, 0}, {6, 0, 4, IN_V, 6, 0}, {7, 0, 8, IN_V, 7, 0},
      {8, 0, 4, IN_STACK, 0, 0}, {9, 0, 16, IN_STACK, 16, 0}, {10, 0, 8, IN_STACK, 32, 0},
  };
  run_args(&(struct args_case){
      .name = "C.1: float, double and long double (binary128, all of q2) in the low bits of v0-v7; then C.5, "
              "C.6: a float in an 8-byte stack slot (0), C.4: a long double at a 16-aligned NSAA (16), a double "
              "at 32",
      .nargs = ARRAY_LEN(t), .types = t, .direct = fp_direct, ROWS(rows)});
}

typedef void mixed_fn(int32_t, double, int64_t, float, void *, long double);
static void mixed_direct(void **values)
{
  CALL(mixed_fn)(V(int32_t, 0), V(double, 1), V(int64_t, 2), V(float, 3), V(void *, 4), V(long double, 5));
}

static void mixed(void)
{
  ffi_type *t[] = {&ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_float, &ffi_type_pointer,
                   &ffi_type_longdouble};
  static const struct row rows[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 8, IN_V, 0, 0}, {2, 0, 8, IN_X, 1, 0},
      {3, 0, 4, IN_V, 1, 0}, {4, 0, 8, IN_X, 2, 0}, {5, 0, 16, IN_V, 2, 0},
  };
  run_args(&(struct args_case){
      .name = "C.1, C.9: NGRN and NSRN count apart: integers in x0-x2, floating-point values in v0-v2",
      .nargs = ARRAY_LEN(t), .types = t, .direct = mixed_direct, ROWS(rows)});
}

/* ---------------------------------------------------------------- HFA and HVA */

typedef void hfa4f_fn(struct hfa4f, double);
static void hfa4f_direct(void **values) { CALL(hfa4f_fn)(V(struct hfa4f, 0), V(double, 1)); }

static void hfa_of_four_floats(void)
{
  ffi_type s = mk(hfa4f_e);
  ffi_type *t[] = {&s, &ffi_type_double};
  static const struct row rows[] = {
      {0, 0, 4, IN_V, 0, 0}, {0, 4, 4, IN_V, 1, 0}, {0, 8, 4, IN_V, 2, 0}, {0, 12, 4, IN_V, 3, 0},
      {1, 0, 8, IN_V, 4, 0},
  };
  run_args(&(struct args_case){
      .name = "C.2: an HFA of four floats takes s0-s3, one member per register; a double after it d4",
      .nargs = ARRAY_LEN(t), .types = t, .direct = hfa4f_direct, ROWS(rows)});
}

typedef void hfa2d_fn(float, struct hfa2d, int32_t);
static void hfa2d_direct(void **values) { CALL(hfa2d_fn)(V(float, 0), V(struct hfa2d, 1), V(int32_t, 2)); }

static void hfa_of_two_doubles(void)
{
  ffi_type s = mk(hfa2d_e);
  ffi_type *t[] = {&ffi_type_float, &s, &ffi_type_sint32};
  static const struct row rows[] = {
      {0, 0, 4, IN_V, 0, 0}, {1, 0, 8, IN_V, 1, 0}, {1, 8, 8, IN_V, 2, 0}, {2, 0, 4, IN_X, 0, 0},
  };
  run_args(&(struct args_case){
      .name = "C.2: an HFA of two doubles takes d1-d2 after a float in s0; C.9: an int still takes x0",
      .nargs = ARRAY_LEN(t), .types = t, .direct = hfa2d_direct, ROWS(rows)});
}

typedef void hfa2q_fn(struct hfa2q, float);
static void hfa2q_direct(void **values) { CALL(hfa2q_fn)(V(struct hfa2q, 0), V(float, 1)); }

static void hfa_of_two_long_doubles(void)
{
  ffi_type s = mk(hfa2q_e);
  ffi_type *t[] = {&s, &ffi_type_float};
  static const struct row rows[] = {{0, 0, 16, IN_V, 0, 0}, {0, 16, 16, IN_V, 1, 0}, {1, 0, 4, IN_V, 2, 0}};
  run_args(&(struct args_case){
      .name = "C.2: an HFA of two long doubles takes all of q0 and q1; a float after it s2",
      .nargs = ARRAY_LEN(t), .types = t, .direct = hfa2q_direct, ROWS(rows)});
}

#ifdef HAVE_VECTOR_TYPE
typedef float v4sf __attribute__((vector_size(16)));
typedef int32_t v2si __attribute__((vector_size(8)));
struct hva2q { v4sf a, b; };
struct hva3d { v2si a, b, c; };
typedef void hva_fn(struct hva2q, v2si, struct hva3d);
static void hva_direct(void **values) { CALL(hva_fn)(V(struct hva2q, 0), V(v2si, 1), V(struct hva3d, 2)); }
#endif

static void hvas(void)
{
  const char *name = "C.2: an HVA of two 16-byte vectors takes q0-q1; C.1: an 8-byte vector d2; C.2: an HVA of "
                     "three 8-byte vectors d3-d5";
#ifdef HAVE_VECTOR_TYPE
  ffi_type *f4[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type *i2[] = {&ffi_type_sint32, &ffi_type_sint32, NULL};
  ffi_type vq = {0, 0, FFI_TYPE_VECTOR, f4}, vd = {0, 0, FFI_TYPE_VECTOR, i2};
  ffi_type *hq[] = {&vq, &vq, NULL}, *hd[] = {&vd, &vd, &vd, NULL};
  ffi_type sq = mk(hq), sd = mk(hd);
  ffi_type *t[] = {&sq, &vd, &sd};
  static const struct row rows[] = {
      {0, 0, 16, IN_V, 0, 0}, {0, 16, 16, IN_V, 1, 0}, {1, 0, 8, IN_V, 2, 0},
      {2, 0, 8, IN_V, 3, 0}, {2, 8, 8, IN_V, 4, 0}, {2, 16, 8, IN_V, 5, 0},
  };
  run_args(&(struct args_case){.name = name, .nargs = ARRAY_LEN(t), .types = t, .direct = hva_direct, ROWS(rows)});
#else
  skip_case(name, "no FFI_TYPE_VECTOR in this ffi.h");
#endif
}

typedef void hfa_spill_fn(double, double, double, double, double, double, struct hfa3f, double, int32_t);
static void hfa_spill_direct(void **values)
{
  CALL(hfa_spill_fn)(V(double, 0), V(double, 1), V(double, 2), V(double, 3), V(double, 4), V(double, 5),
                     V(struct hfa3f, 6), V(double, 7), V(int32_t, 8));
}

static void hfa_that_does_not_fit(void)
{
  ffi_type s = mk(hfa3f_e);
  ffi_type *t[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                   &ffi_type_double, &s, &ffi_type_double, &ffi_type_sint32};
  static const struct row rows[] = {
      {5, 0, 8, IN_V, 5, 0}, {6, 0, 12, IN_STACK, 0, 0}, {7, 0, 8, IN_STACK, 16, 0}, {8, 0, 4, IN_X, 0, 0},
  };
  run_args(&(struct args_case){
      .name = "C.3: an HFA of three floats with two v registers left goes whole to the stack and NSRN becomes 8; "
              "C.4, C.6: at 0, 12 bytes rounded up to 16; a later double goes on the stack too (16, not "
              "d6); C.9: an int still takes x0",
      .nargs = ARRAY_LEN(t), .types = t, .direct = hfa_spill_direct, ROWS(rows)});
}

typedef void hfa_stack_fn(double, double, double, double, double, double, double, double, float, struct hfa2q);
static void hfa_stack_direct(void **values)
{
  CALL(hfa_stack_fn)(V(double, 0), V(double, 1), V(double, 2), V(double, 3), V(double, 4), V(double, 5),
                     V(double, 6), V(double, 7), V(float, 8), V(struct hfa2q, 9));
}

static void hfa_on_the_stack_aligned(void)
{
  ffi_type s = mk(hfa2q_e);
  ffi_type *t[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                   &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_float, &s};
  static const struct row rows[] = {
      {7, 0, 8, IN_V, 7, 0}, {8, 0, 4, IN_STACK, 0, 0}, {9, 0, 32, IN_STACK, 16, 0},
  };
  run_args(&(struct args_case){
      .name = "C.3, C.4, C.6: with v0-v7 taken, an HFA of two long doubles goes to the stack at a 16-aligned NSAA "
              "(16, after a float at 0)",
      .nargs = ARRAY_LEN(t), .types = t, .direct = hfa_stack_direct, ROWS(rows)});
}

typedef void complex_fn(float _Complex, double _Complex, long double _Complex);
static void complex_direct(void **values)
{
  CALL(complex_fn)(V(float _Complex, 0), V(double _Complex, 1), V(long double _Complex, 2));
}

static void complex_numbers(void)
{
  ffi_type *t[] = {&ffi_type_complex_float, &ffi_type_complex_double, &ffi_type_complex_longdouble};
  static const struct row rows[] = {
      {0, 0, 4, IN_V, 0, 0}, {0, 4, 4, IN_V, 1, 0}, {1, 0, 8, IN_V, 2, 0}, {1, 8, 8, IN_V, 3, 0},
      {2, 0, 16, IN_V, 4, 0}, {2, 16, 16, IN_V, 5, 0},
  };
  run_args(&(struct args_case){
      .name = "C.2: complex numbers are HFAs of their two parts (the C mapping lays _Complex T out as two Ts): s0-s1, "
              "d2-d3, q4-q5",
      .nargs = ARRAY_LEN(t), .types = t, .direct = complex_direct, ROWS(rows)});
}

/* Complex numbers of integer parts are composites of two members of
   their part type (the C mapping), never HFAs: up to 16 bytes in x
   registers by C.12, over 16 (GCC's _Complex __int128) by reference
   (B.4).  */
#ifdef HAVE_INT128_TYPE
typedef void cint_fn(_Complex signed char, _Complex int, _Complex long long, _Complex __int128, _Complex short);
static void cint_direct(void **values)
{
  CALL(cint_fn)(V(_Complex signed char, 0), V(_Complex int, 1), V(_Complex long long, 2), V(_Complex __int128, 3),
                V(_Complex short, 4));
}
#endif

static void complex_integers(void)
{
  const char *name = "B.4, B.5, C.12: complex integers are composites: _Complex char in the low 2 bytes of x0, "
                     "_Complex int in x1, _Complex long long in x2-x3; _Complex __int128 (32 bytes) is copied "
                     "and passed by reference in x4; _Complex short in the low 4 bytes of x5";
#ifdef HAVE_INT128_TYPE
  ffi_type *p8[] = {&ffi_type_schar, NULL}, *p16[] = {&ffi_type_sshort, NULL}, *p32[] = {&ffi_type_sint, NULL};
  ffi_type *p64[] = {&ffi_type_sint64, NULL}, *p128[] = {&ffi_type_sint128, NULL};
  ffi_type c8 = {0, 0, FFI_TYPE_COMPLEX, p8}, c16 = {0, 0, FFI_TYPE_COMPLEX, p16};
  ffi_type c32 = {0, 0, FFI_TYPE_COMPLEX, p32}, c64 = {0, 0, FFI_TYPE_COMPLEX, p64};
  ffi_type c128 = {32, 16, FFI_TYPE_COMPLEX, p128};
  ffi_type *t[] = {&c8, &c32, &c64, &c128, &c16};
  static const struct row rows[] = {
      {0, 0, 2, IN_X, 0, 0}, {1, 0, 8, IN_X, 1, 0}, {2, 0, 8, IN_X, 2, 0}, {2, 8, 8, IN_X, 3, 0},
      {3, 0, 32, IN_DEREF, 0, 0}, {3, 0, 8, REF_X, 4, 0}, {4, 0, 4, IN_X, 5, 0},
  };
  run_args(&(struct args_case){.name = name, .nargs = ARRAY_LEN(t), .types = t, .direct = cint_direct, ROWS(rows),
                               .deref_src = 4, .deref_len = 32});
#else
  skip_case(name, "no ffi_type_sint128 in this ffi.h");
#endif
}

/* ---------------------------------------------------------------- composites in x registers */

typedef void small_fn(int32_t, struct i3, struct c3, struct fi, int64_t);
static void small_direct(void **values)
{
  CALL(small_fn)(V(int32_t, 0), V(struct i3, 1), V(struct c3, 2), V(struct fi, 3), V(int64_t, 4));
}

static void small_composites(void)
{
  ffi_type s12 = mk(i3_e), s3 = mk(c3_e), sfi = mk(fi_e);
  ffi_type *t[] = {&ffi_type_sint32, &s12, &s3, &sfi, &ffi_type_sint64};
  static const struct row rows[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 8, IN_X, 1, 0}, {1, 8, 4, IN_X, 2, 0}, {2, 0, 3, IN_X, 3, 0},
      {3, 0, 8, IN_X, 4, 0}, {4, 0, 8, IN_X, 5, 0},
  };
  run_args(&(struct args_case){
      .name = "C.12: a 12-byte composite in x1 and the low 4 bytes of x2, a 3-byte one in the low bytes of x3, "
              "{float, int32} (not an HFA) in x4; C.9: an int then x5",
      .nargs = ARRAY_LEN(t), .types = t, .direct = small_direct, ROWS(rows)});
}

#ifdef HAVE_INT128_TYPE
struct q128 { __int128 q; };
typedef void aligned_fn(int64_t, struct q128, int64_t);
static void aligned_direct(void **values) { CALL(aligned_fn)(V(int64_t, 0), V(struct q128, 1), V(int64_t, 2)); }

typedef void int128_fn(int32_t, __int128, int32_t, __int128);
static void int128_direct(void **values)
{
  CALL(int128_fn)(V(int32_t, 0), V(__int128, 1), V(int32_t, 2), V(__int128, 3));
}

typedef void int128_spill_fn(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, __int128, int64_t);
static void int128_spill_direct(void **values)
{
  CALL(int128_spill_fn)(V(int64_t, 0), V(int64_t, 1), V(int64_t, 2), V(int64_t, 3), V(int64_t, 4), V(int64_t, 5),
                        V(int64_t, 6), V(__int128, 7), V(int64_t, 8));
}

typedef void nsaa_fn(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, __int128,
                     int32_t);
static void nsaa_direct(void **values)
{
  CALL(nsaa_fn)(V(int64_t, 0), V(int64_t, 1), V(int64_t, 2), V(int64_t, 3), V(int64_t, 4), V(int64_t, 5),
                V(int64_t, 6), V(int64_t, 7), V(int64_t, 8), V(__int128, 9), V(int32_t, 10));
}
#endif

static void sixteen_byte_alignment(void)
{
  const char *names[] = {
      "C.10, C.12: a 16-byte-aligned composite (struct {__int128}) starts at an even register: x2-x3 after x0; "
      "x1 is skipped, and not back-filled by the next int (x4)",
      "C.10, C.11: __int128 in an even pair, x[NGRN] holding the lower-addressed half: x2:x3 after x0, x6:x7 "
      "after x4",
      "C.10, C.11, C.13: __int128 with only x7 left: NGRN becomes 8, the value goes to the stack (C.14, C.17: at "
      "0) and so does a later int (16, not x7)",
      "C.14: a 16-byte-aligned argument on the stack at a 16-aligned NSAA: an int at 0, __int128 at 16 (8 bytes "
      "skipped), an int at 32",
  };
#ifdef HAVE_INT128_TYPE
  ffi_type *qe[] = {&ffi_type_sint128, NULL};
  ffi_type q = mk(qe);
  ffi_type *t1[] = {&ffi_type_sint64, &q, &ffi_type_sint64};
  static const struct row r1[] = {
      {0, 0, 8, IN_X, 0, 0}, {1, 0, 8, IN_X, 2, 0}, {1, 8, 8, IN_X, 3, 0}, {2, 0, 8, IN_X, 4, 0},
  };
  run_args(&(struct args_case){.name = names[0], .nargs = ARRAY_LEN(t1), .types = t1, .direct = aligned_direct,
                               ROWS(r1)});

  ffi_type *t2[] = {&ffi_type_sint32, &ffi_type_sint128, &ffi_type_sint32, &ffi_type_sint128};
  static const struct row r2[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 8, IN_X, 2, 0}, {1, 8, 8, IN_X, 3, 0}, {2, 0, 4, IN_X, 4, 0},
      {3, 0, 8, IN_X, 6, 0}, {3, 8, 8, IN_X, 7, 0},
  };
  run_args(&(struct args_case){.name = names[1], .nargs = ARRAY_LEN(t2), .types = t2, .direct = int128_direct,
                               ROWS(r2)});

  ffi_type *t3[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                    &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint128, &ffi_type_sint64};
  static const struct row r3[] = {
      {6, 0, 8, IN_X, 6, 0}, {7, 0, 16, IN_STACK, 0, 0}, {8, 0, 8, IN_STACK, 16, 0},
  };
  run_args(&(struct args_case){.name = names[2], .nargs = ARRAY_LEN(t3), .types = t3,
                               .direct = int128_spill_direct, ROWS(r3)});

  ffi_type *t4[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                    &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                    &ffi_type_sint64, &ffi_type_sint128, &ffi_type_sint32};
  static const struct row r4[] = {
      {7, 0, 8, IN_X, 7, 0}, {8, 0, 8, IN_STACK, 0, 0}, {9, 0, 16, IN_STACK, 16, 0}, {10, 0, 4, IN_STACK, 32, 0},
  };
  run_args(&(struct args_case){.name = names[3], .nargs = ARRAY_LEN(t4), .types = t4, .direct = nsaa_direct,
                               ROWS(r4)});
#else
  for (size_t i = 0; i < ARRAY_LEN(names); i++) skip_case(names[i], "no ffi_type_sint128 in this ffi.h");
#endif
}

/* ---------------------------------------------------------------- by reference, and on the stack */

typedef void big_fn(int32_t, struct l3, int32_t);
static void big_direct(void **values) { CALL(big_fn)(V(int32_t, 0), V(struct l3, 1), V(int32_t, 2)); }

static void by_reference(void)
{
  ffi_type s = mk(l3_e);
  ffi_type *t[] = {&ffi_type_sint32, &s, &ffi_type_sint32};
  static const struct row rows[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 24, IN_DEREF, 0, 0}, {1, 0, 8, REF_X, 1, 0}, {2, 0, 4, IN_X, 2, 0},
  };
  run_args(&(struct args_case){
      .name = "B.4, C.9: a composite over 16 bytes is copied and passed by reference: x1 holds the copy's address "
              "(not avalue[1]), the copy holds the argument; the next int takes x2",
      .nargs = ARRAY_LEN(t), .types = t, .direct = big_direct, ROWS(rows), .deref_src = 1, .deref_len = 24});
}

typedef void ref_stack_fn(int64_t, int64_t, int64_t, int64_t, int64_t, struct ch, int64_t, int64_t, int64_t,
                          struct qc);
static void ref_stack_direct(void **values)
{
  CALL(ref_stack_fn)(V(int64_t, 0), V(int64_t, 1), V(int64_t, 2), V(int64_t, 3), V(int64_t, 4), V(struct ch, 5),
                     V(int64_t, 6), V(int64_t, 7), V(int64_t, 8), V(struct qc, 9));
}

/* TESTING.md: libffi 3.4.4 and 3.8.0 hand the callee garbage here, or
   crash in ffi_call.  */
static void reference_on_the_stack(void)
{
  ffi_type sc = mk(ch_e), big = mk(qc_e);
  ffi_type *t[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                   &sc, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &big};
  static const struct row rows[] = {
      {5, 0, 1, IN_X, 5, 0}, {7, 0, 8, IN_X, 7, 0}, {8, 0, 8, IN_STACK, 0, 0},
      {9, 0, 16, IN_DEREF, 0, 0}, {9, 16, 1, IN_DEREF, 0, 16}, {9, 0, 8, REF_STACK, 8, 0},
  };
  run_args(&(struct args_case){
      .name = "B.4, C.13, C.14, C.17: with x0-x7 taken, the address of a by-reference copy ({long double, char}) "
              "goes in the next 8-byte stack slot (8, after an int at 0)",
      .nargs = ARRAY_LEN(t), .types = t, .direct = ref_stack_direct, ROWS(rows),
      .deref_src = 16 + 1, .deref_len = 17});
}

typedef void no_room_fn(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, struct l2, int32_t);
static void no_room_direct(void **values)
{
  CALL(no_room_fn)(V(int64_t, 0), V(int64_t, 1), V(int64_t, 2), V(int64_t, 3), V(int64_t, 4), V(int64_t, 5),
                   V(int64_t, 6), V(struct l2, 7), V(int32_t, 8));
}

static void composite_that_does_not_fit(void)
{
  ffi_type s = mk(l2_e);
  ffi_type *t[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                   &ffi_type_sint64, &ffi_type_sint64, &s, &ffi_type_sint32};
  static const struct row rows[] = {
      {6, 0, 8, IN_X, 6, 0}, {7, 0, 16, IN_STACK, 0, 0}, {8, 0, 4, IN_STACK, 16, 0},
  };
  run_args(&(struct args_case){
      .name = "C.12, C.13: a 16-byte composite with only x7 left goes whole to the stack (never split) and NGRN "
              "becomes 8: C.15 at 0, a later int at 16 (C.17), not x7",
      .nargs = ARRAY_LEN(t), .types = t, .direct = no_room_direct, ROWS(rows)});
}

/* ---------------------------------------------------------------- variadic calls */

/* §6.8.2 makes no difference between named and variadic arguments but
   for Pure Scalable Types (C.7: "if the argument is named"), and the
   va_list of Appendix B reads variadic arguments from both register
   files: on Linux a variadic double or HFA takes v registers.  (Apple's
   arm64 passes every variadic argument on the stack; not this ABI.)  */
typedef void var1_fn(int32_t, ...);
static void var1_direct(void **values)
{
  CALL(var1_fn)(V(int32_t, 0), V(double, 1), V(struct hfa2f, 2), V(int64_t, 3), V(struct hfa2d, 4), V(struct i3, 5));
}

static void variadic_registers(void)
{
  ffi_type h2f = mk(hfa2f_e), h2d = mk(hfa2d_e), s12 = mk(i3_e);
  ffi_type *t[] = {&ffi_type_sint32, &ffi_type_double, &h2f, &ffi_type_sint64, &h2d, &s12};
  static const struct row rows[] = {
      {0, 0, 4, IN_X, 0, 0}, {1, 0, 8, IN_V, 0, 0}, {2, 0, 4, IN_V, 1, 0}, {2, 4, 4, IN_V, 2, 0},
      {3, 0, 8, IN_X, 1, 0}, {4, 0, 8, IN_V, 3, 0}, {4, 8, 8, IN_V, 4, 0}, {5, 0, 8, IN_X, 2, 0},
      {5, 8, 4, IN_X, 3, 0},
  };
  run_args(&(struct args_case){
      .name = "variadic, §6.8.2 as for named arguments: a variadic double in d0 (C.1), an HFA of two floats in "
              "s1-s2 and one of two doubles in d3-d4 (C.2), an int in x1 (C.9), a 12-byte composite in x2-x3 "
              "(C.12)",
      .nargs = ARRAY_LEN(t), .types = t, .nfixed = 1, .direct = var1_direct, ROWS(rows)});
}

typedef void var2_fn(void *, ...);
static void var2_direct(void **values)
{
  CALL(var2_fn)(V(void *, 0), V(double, 1), V(double, 2), V(double, 3), V(double, 4), V(double, 5), V(double, 6),
                V(double, 7), V(double, 8), V(double, 9), V(int32_t, 10), V(struct l3, 11));
}

static void variadic_stack_and_reference(void)
{
  ffi_type s = mk(l3_e);
  ffi_type *t[] = {&ffi_type_pointer, &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                   &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                   &ffi_type_sint32, &s};
  static const struct row rows[] = {
      {0, 0, 8, IN_X, 0, 0}, {8, 0, 8, IN_V, 7, 0}, {9, 0, 8, IN_STACK, 0, 0}, {10, 0, 4, IN_X, 1, 0},
      {11, 0, 24, IN_DEREF, 0, 0}, {11, 0, 8, REF_X, 2, 0},
  };
  run_args(&(struct args_case){
      .name = "variadic: the 9th variadic double goes to the stack (C.6, at 0), an int takes x1 (C.9), a "
              "composite over 16 bytes goes by reference in x2 (B.4)",
      .nargs = ARRAY_LEN(t), .types = t, .nfixed = 1, .direct = var2_direct, ROWS(rows), .deref_src = 2,
      .deref_len = 24});
}

/* ---------------------------------------------------------------- ffi_call_go */

/* A closure address no argument byte can pass for.  */
static char go_closure[16];

typedef void go_fn(int64_t, double, struct i3);
static void go_direct(void **values)
{
  __builtin_call_with_static_chain(CALL(go_fn)(V(int64_t, 0), V(double, 1), V(struct i3, 2)), go_closure);
}

static void go_static_chain(void)
{
  ffi_type s = mk(i3_e);
  ffi_type *t[] = {&ffi_type_sint64, &ffi_type_double, &s};
  static const struct row rows[] = {
      {0, 0, 8, IN_X, 0, 0}, {1, 0, 8, IN_V, 0, 0}, {2, 0, 8, IN_X, 1, 0}, {2, 8, 4, IN_X, 2, 0},
  };
  run_args(&(struct args_case){
      .name = "ffi_call_go: the closure in x18, GCC's static chain register (AAPCS64 \"General-purpose registers\" "
              "leaves r18 to the platform); the arguments as for ffi_call",
      .nargs = ARRAY_LEN(t), .types = t, .direct = go_direct, ROWS(rows), .chain = go_closure});
}

void args_cases(void)
{
  integers();
  narrow_integers();
  floating_point();
  mixed();
  hfa_of_four_floats();
  hfa_of_two_doubles();
  hfa_of_two_long_doubles();
  hvas();
  hfa_that_does_not_fit();
  hfa_on_the_stack_aligned();
  complex_numbers();
  complex_integers();
  small_composites();
  sixteen_byte_alignment();
  by_reference();
  reference_on_the_stack();
  composite_that_does_not_fit();
  variadic_registers();
  variadic_stack_and_reference();
  go_static_chain();
}
