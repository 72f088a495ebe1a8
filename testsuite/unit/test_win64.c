/* test_win64.c -- FFI_WIN64 and FFI_GNUW64 on x86-64 Linux: where ffi_call
   puts each argument for a Microsoft x64 callee and where it takes the
   result from (ms_capture_callee records what arrived), and closures
   called by compiled ms_abi code.  The rules are those of
   arch/x86_64-win64/win64_plan.cc (R1-R10, from Microsoft's x64 calling
   convention, as GCC's ms_abi implements it).  */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ffi.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "capture_ms.h"
#include "pattern.h"

#define MS __attribute__((ms_abi))

enum { GPR, XMM, STACK, REF };

/* ARG's bytes [SRC, SRC+LEN) must be in register/stack WHERE/INDEX at byte
   AT; REF: the slot INDEX (0-3 a GPR, else stack slot) holds a pointer to
   a copy of the whole argument.  Stack INDEX counts bytes from the home
   area (slot 4 is at 32).  */
struct expect {
  int arg, src, len;
  int where, index, at;
};

static uint64_t slot_value(int slot)
{
  if (slot < 4) return ms_captured.gpr[slot];
  uint64_t v;
  memcpy(&v, ms_captured.stack + 8 * slot, 8);
  return v;
}

/* Call ms_capture_callee through CIF with every argument byte distinct,
   the result to RVALUE (if not NULL), and check each of the NROWS ROWS
   against what it recorded.  */
static void check_rows(ffi_cif *cif, const struct expect *rows, size_t nrows, void *rvalue)
{
  static unsigned char storage[16][64] __attribute__((aligned(16)));
  unsigned char copy[16][64];
  void *values[16];
  cr_assert(cif->nargs <= ARRAY_LEN(values));
  for (unsigned i = 0; i < cif->nargs; i++) values[i] = storage[i];
  /* Every argument byte differs from every other (pattern.h). */
  fill_pattern(cif->nargs, cif->arg_types, values, sizeof storage[0]);
  memcpy(copy, storage, sizeof copy);
  memset(&ms_captured, 0xee, sizeof ms_captured);
  ffi_arg ret[4];
  ffi_call(cif, FFI_FN(ms_capture_callee), rvalue ? rvalue : ret, values);
  cr_assert_eq(ms_captured.rsp % 16, 8, "rsp not 16-byte aligned at the call");
  for (int r = 0; r < (int)nrows; r++) {
    const struct expect *e = &rows[r];
    cr_assert(e->arg >= 0 && (unsigned)e->arg < cif->nargs, "row %d: no argument %d", r, e->arg);
    if (e->where == REF) {
      /* The copy was in ffi_call's frame, gone now: find it in what the
         callee recorded of the stack above it. */
      uint64_t p = slot_value(e->index), base = ms_captured.rsp + 8;
      size_t size = cif->arg_types[e->arg]->size;
      cr_assert(p != (uintptr_t)storage[e->arg], "row %d: arg %d passed by reference to the caller's own memory", r, e->arg);
      cr_assert_eq(p % 16, 0, "row %d: the copy of arg %d is not 16-byte aligned", r, e->arg);
      cr_assert(p >= base && p + size <= base + sizeof ms_captured.stack, "row %d: arg %d's copy is not in the caller's frame", r, e->arg);
      cr_assert(memcmp(ms_captured.stack + (p - base), storage[e->arg], size) == 0,
                "row %d: slot %d does not point to a copy of arg %d", r, e->index, e->arg);
      continue;
    }
    /* Only bytes the pattern filled are unique: a row must stay inside its argument. */
    cr_assert(e->src >= 0 && e->len > 0 && (size_t)(e->src + e->len) <= cif->arg_types[e->arg]->size,
              "row %d: bytes %d..%d are not all argument %d's", r, e->src, e->src + e->len, e->arg);
    const uint8_t *got = e->where == GPR ? (const uint8_t *)&ms_captured.gpr[e->index]
                         : e->where == XMM ? ms_captured.xmm[e->index]
                                           : ms_captured.stack + e->index;
    cr_assert(memcmp(got + e->at, storage[e->arg] + e->src, e->len) == 0,
              "row %d: arg %d bytes %d..%d not found in %s %d at byte %d", r, e->arg, e->src, e->src + e->len,
              e->where == GPR ? "gpr" : e->where == XMM ? "xmm" : "stack", e->index, e->at);
  }
  cr_assert(memcmp(copy, storage, sizeof copy) == 0, "ffi_call modified an argument value");
}

/* ROWS is an array: its length is counted, not typed. */
#define call_and_check(cif, rows, rvalue) check_rows((cif), (rows), ARRAY_LEN(rows), (rvalue))

static ffi_type *struct_of(ffi_type *st, ffi_type **elems)
{
  st->size = 0;
  st->alignment = 0;
  st->type = FFI_TYPE_STRUCT;
  st->elements = elems;
  return st;
}

/* Both ABIs place arguments the same way. */
ParameterizedTestParameters(win64, integers_then_stack)
{
  static int abis[] = {FFI_WIN64, FFI_GNUW64};
  return cr_make_param_array(int, abis, ARRAY_LEN(abis));
}

/* R1, R2, R6: rcx, rdx, r8, r9, then the stack above the 32-byte home area. */
ParameterizedTest(int *abi, win64, integers_then_stack)
{
  ffi_type *a[] = {&ffi_type_sint32, &ffi_type_sint64, &ffi_type_pointer, &ffi_type_uint16,
                   &ffi_type_sint64, &ffi_type_uint32, &ffi_type_sint8};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, *abi, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(cif.bytes, 56, "cif->bytes: libffi's 8 per slot");
  struct expect rows[] = {
      {0, 0, 4, GPR, 0, 0}, {1, 0, 8, GPR, 1, 0}, {2, 0, 8, GPR, 2, 0}, {3, 0, 2, GPR, 3, 0},
      {4, 0, 8, STACK, 32, 0}, {5, 0, 4, STACK, 40, 0}, {6, 0, 1, STACK, 48, 0},
  };
  call_and_check(&cif, rows, NULL);
}

/* R3: floating-point arguments take the XMM register of their slot. */
Test(win64, floats_share_slots)
{
  ffi_type *a[] = {&ffi_type_sint32, &ffi_type_double, &ffi_type_float, &ffi_type_sint64,
                   &ffi_type_double, &ffi_type_float};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  struct expect rows[] = {
      {0, 0, 4, GPR, 0, 0}, {1, 0, 8, XMM, 1, 0}, {2, 0, 4, XMM, 2, 0},
      {3, 0, 8, GPR, 3, 0}, {4, 0, 8, STACK, 32, 0}, {5, 0, 4, STACK, 40, 0},
  };
  call_and_check(&cif, rows, NULL);
}

/* R2, R4: aggregates of 1, 2, 4, 8 bytes as integers; others (3, 16, 12
   bytes, long double, __int128) by reference to a caller-made copy. */
Test(win64, aggregates_by_size)
{
  static ffi_type *e1[] = {&ffi_type_uint8, NULL}, *e2[] = {&ffi_type_uint8, &ffi_type_uint8, NULL},
                  *e3[] = {&ffi_type_uint8, &ffi_type_uint8, &ffi_type_uint8, NULL},
                  *e8[] = {&ffi_type_double, NULL}, *e16[] = {&ffi_type_double, &ffi_type_double, NULL},
                  *e4[] = {&ffi_type_float, NULL};
  ffi_type s1, s2, s3, s8, s16, s4;
  ffi_type *a[] = {struct_of(&s1, e1), struct_of(&s3, e3), struct_of(&s8, e8), struct_of(&s2, e2),
                   struct_of(&s16, e16), struct_of(&s4, e4), &ffi_type_longdouble, &ffi_type_sint128,
                   &ffi_type_complex_float, &ffi_type_complex_double};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  struct expect rows[] = {
      {0, 0, 1, GPR, 0, 0}, {1, 0, 0, REF, 1, 0}, {2, 0, 8, GPR, 2, 0}, {3, 0, 2, GPR, 3, 0},
      {4, 0, 0, REF, 4, 0}, {5, 0, 4, STACK, 40, 0}, {6, 0, 0, REF, 6, 0}, {7, 0, 0, REF, 7, 0},
      {8, 0, 8, STACK, 64, 0}, {9, 0, 0, REF, 9, 0},
  };
  call_and_check(&cif, rows, NULL);
}

/* R2, R4, R8, R9 for complex numbers of integer parts, under both ABIs:
   _Complex char, short and int (2, 4, 8 bytes) go as integers of their
   size, _Complex long long and __int128 (16, 32 bytes) by reference; a
   4- or 8-byte one comes back in rax at its exact size, a 16-byte one
   through the hidden pointer in rcx.  */
Test(win64, complex_integers)
{
  static ffi_type *p8[] = {&ffi_type_sint8, NULL}, *p16[] = {&ffi_type_uint16, NULL},
                  *p32[] = {&ffi_type_sint32, NULL}, *p64[] = {&ffi_type_uint64, NULL},
                  *p128[] = {&ffi_type_sint128, NULL};
  ffi_type c8 = {0, 0, FFI_TYPE_COMPLEX, p8}, c16 = {0, 0, FFI_TYPE_COMPLEX, p16};
  ffi_type c32 = {0, 0, FFI_TYPE_COMPLEX, p32}, c64 = {0, 0, FFI_TYPE_COMPLEX, p64};
  ffi_type c128 = {32, 16, FFI_TYPE_COMPLEX, p128};
  ffi_type *a[] = {&c8, &c16, &c32, &c64, &c128, &c32};
  for (int abi = FFI_WIN64; abi <= FFI_GNUW64; abi++) {
    ffi_cif cif;
    cr_assert_eq(ffi_prep_cif(&cif, abi, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
    struct expect rows[] = {
        {0, 0, 2, GPR, 0, 0}, {1, 0, 4, GPR, 1, 0}, {2, 0, 8, GPR, 2, 0}, {3, 0, 0, REF, 3, 0},
        {4, 0, 0, REF, 4, 0}, {5, 0, 8, STACK, 40, 0},
    };
    call_and_check(&cif, rows, NULL);

    uint8_t rax_bytes[8];
    for (int k = 0; k < 8; k++) rax_bytes[k] = (uint8_t)(0xb1 + k);
    memcpy(&ms_ret.rax, rax_bytes, 8);
    ffi_type *small[] = {&c16, &c32};
    for (int i = 0; i < 2; i++) {
      uint8_t out[16];
      memset(out, 0x55, sizeof out);
      cr_assert_eq(ffi_prep_cif(&cif, abi, 0, small[i], NULL), FFI_OK);
      ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
      size_t n = small[i]->size;
      cr_assert(memcmp(out, rax_bytes, n) == 0 && (n == 8 || out[n] == 0x55), "abi %d: %zu-byte complex result", abi, n);
    }
    ffi_type *b[] = {&ffi_type_sint32};
    cr_assert_eq(ffi_prep_cif(&cif, abi, 1, &c64, b), FFI_OK);
    unsigned char result[16] __attribute__((aligned(16)));
    struct expect brows[] = {{0, 0, 4, GPR, 1, 0}};
    call_and_check(&cif, brows, result);
    cr_assert_eq(ms_captured.gpr[0], (uint64_t)(uintptr_t)result, "abi %d: rcx is not rvalue", abi);
  }
}

/* R4: a copy is aligned as its type asks, above 16 too. */
Test(win64, overaligned_copy)
{
  static ffi_type *e[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double, NULL};
  ffi_type a32 = {32, 32, FFI_TYPE_STRUCT, e};
  ffi_type s3;
  static ffi_type *e3[] = {&ffi_type_uint8, &ffi_type_uint8, &ffi_type_uint8, NULL};
  ffi_type *a[] = {struct_of(&s3, e3), &a32, &ffi_type_sint32, &ffi_type_sint32, &a32};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  struct expect rows[] = {{0, 0, 0, REF, 0, 0}, {1, 0, 0, REF, 1, 0}, {2, 0, 4, GPR, 2, 0}, {4, 0, 0, REF, 4, 0}};
  call_and_check(&cif, rows, NULL);
  cr_assert_eq(ms_captured.gpr[1] % 32, 0, "the copy of a 32-byte-aligned struct is not 32-byte aligned");
  cr_assert_eq(slot_value(4) % 32, 0, "the second copy is not 32-byte aligned");
}

/* R5: variadic floating-point arguments in both registers. */
Test(win64, variadic_doubles_duplicated)
{
  ffi_type *a[] = {&ffi_type_double, &ffi_type_sint32, &ffi_type_double, &ffi_type_double, &ffi_type_double};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_GNUW64, 1, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  struct expect rows[] = {
      {0, 0, 8, XMM, 0, 0}, {1, 0, 4, GPR, 1, 0}, {2, 0, 8, XMM, 2, 0}, {2, 0, 8, GPR, 2, 0},
      {3, 0, 8, XMM, 3, 0}, {3, 0, 8, GPR, 3, 0}, {4, 0, 8, STACK, 32, 0},
  };
  call_and_check(&cif, rows, NULL);
}

/* R9: a large aggregate result: its address in rcx, the arguments one slot
   later; long double and complex double the same way, under both ABIs. */
Test(win64, hidden_pointer)
{
  static ffi_type *e24[] = {&ffi_type_double, &ffi_type_double, &ffi_type_sint64, NULL};
  ffi_type s24;
  ffi_type *rtypes[] = {struct_of(&s24, e24), &ffi_type_longdouble, &ffi_type_complex_double};
  ffi_type *a[] = {&ffi_type_sint64, &ffi_type_double, &ffi_type_sint32, &ffi_type_sint32};
  for (int abi = FFI_WIN64; abi <= FFI_GNUW64; abi++)
    for (int r = 0; r < (int)ARRAY_LEN(rtypes); r++) {
      ffi_cif cif;
      cr_assert_eq(ffi_prep_cif(&cif, abi, ARRAY_LEN(a), rtypes[r], a), FFI_OK);
      cr_assert_eq(cif.bytes, 40);
      unsigned char result[32] __attribute__((aligned(16)));
      struct expect rows[] = {{0, 0, 8, GPR, 1, 0}, {1, 0, 8, XMM, 2, 0}, {2, 0, 4, GPR, 3, 0}, {3, 0, 4, STACK, 32, 0}};
      call_and_check(&cif, rows, result);
      cr_assert_eq(ms_captured.gpr[0], (uint64_t)(uintptr_t)result, "abi %d rtype %d: rcx is not rvalue", abi, r);
    }
}

/* R7, R8, R10: results, widened or stored at their exact size.  rax and
   xmm0 hold 24 different bytes (0xb1 to 0xc8, each with its top bit set,
   none the 0x55 of the output buffers), so a result taken from the wrong
   register, or from the wrong bytes of the right one, cannot match.  */
Test(win64, results)
{
  uint8_t rax_bytes[8], xmm0_bytes[16];
  for (int k = 0; k < 8; k++) rax_bytes[k] = (uint8_t)(0xb1 + k);
  for (int k = 0; k < 16; k++) xmm0_bytes[k] = (uint8_t)(0xb9 + k);
  memcpy(&ms_ret.rax, rax_bytes, 8);
  memcpy(ms_ret.xmm0, xmm0_bytes, 16);
  const uint64_t rax = ms_ret.rax;
  ffi_cif cif;
  uint64_t out[2];
  /* What C's conversions make of rax's value. */
  struct { ffi_type *t; uint64_t want; } ints[] = {
      {&ffi_type_sint8, (uint64_t)(int64_t)(int8_t)rax}, {&ffi_type_uint8, (uint8_t)rax},
      {&ffi_type_sint16, (uint64_t)(int64_t)(int16_t)rax}, {&ffi_type_uint16, (uint16_t)rax},
      {&ffi_type_sint32, (uint64_t)(int64_t)(int32_t)rax}, {&ffi_type_uint32, (uint32_t)rax},
      {&ffi_type_sint64, rax}, {&ffi_type_pointer, rax},
  };
  for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 0, ints[i].t, NULL), FFI_OK);
    out[0] = 0;
    ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
    cr_assert_eq(out[0], ints[i].want, "integer result %u: %llx", i, (unsigned long long)out[0]);
  }
  cr_assert_eq(ffi_prep_cif(&cif, FFI_WIN64, 0, &ffi_type_double, NULL), FFI_OK);
  ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
  cr_assert(memcmp(out, xmm0_bytes, 8) == 0, "double from xmm0");
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 0, &ffi_type_sint128, NULL), FFI_OK);
  ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
  cr_assert(memcmp(out, xmm0_bytes, 16) == 0, "__int128 from all of xmm0");
  /* 1-, 2-, 4-byte structs: exactly that many bytes of rax */
  static ffi_type *e[] = {&ffi_type_uint8, &ffi_type_uint8, &ffi_type_uint8, &ffi_type_uint8, NULL};
  static ffi_type *f[] = {&ffi_type_float, NULL};
  for (int n = 1; n <= 4; n *= 2) {
    ffi_type *saved = e[n];
    e[n] = NULL;
    ffi_type st;
    cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 0, struct_of(&st, e), NULL), FFI_OK);
    memset(out, 0x55, sizeof out);
    ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
    cr_assert(memcmp(out, rax_bytes, n) == 0 && ((uint8_t *)out)[n] == 0x55, "%d-byte struct result", n);
    e[n] = saved;
  }
  ffi_type sf;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 0, struct_of(&sf, f), NULL), FFI_OK);
  memset(out, 0x55, sizeof out);
  ffi_call(&cif, FFI_FN(ms_capture_callee), out, NULL);
  cr_assert(memcmp(out, rax_bytes, 4) == 0 && ((uint8_t *)out)[4] == 0x55, "struct { float } comes back in eax, not xmm0");
}

Test(win64, vectors_refused)
{
  static ffi_type *lanes[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type v = {16, 16, FFI_TYPE_VECTOR, lanes};
  ffi_type *a[] = {&v};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_WIN64, 1, &ffi_type_void, a), FFI_BAD_TYPEDEF);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 0, &v, NULL), FFI_BAD_TYPEDEF);
}

/* ---- closures, called by the compiler's own ms_abi code. */

typedef struct { char c[3]; } s3;
typedef struct { double a, b, c; } s24;
typedef struct { float f; } sf;

static void handler_mixed(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  cr_assert_eq(user, (void *)0x1234);
  double d = *(double *)args[0];
  float f = *(float *)args[1];
  int8_t c = *(int8_t *)args[2];
  s3 s = *(s3 *)args[3];
  long double ld = *(long double *)args[4];
  s24 big = *(s24 *)args[5];
  double d6 = *(double *)args[6];
  float f7 = *(float *)args[7];
  sf small = *(sf *)args[8];
  __int128 q = *(__int128 *)args[9];
  *(double *)ret = d + f + c + s.c[0] + s.c[1] + s.c[2] + (double)ld + big.a + big.b + big.c + d6 + f7 +
                   small.f + (double)q;
}

Test(win64_closure, mixed_arguments)
{
  static ffi_type *e3[] = {&ffi_type_sint8, &ffi_type_sint8, &ffi_type_sint8, NULL};
  static ffi_type *e24[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, NULL};
  static ffi_type *ef[] = {&ffi_type_float, NULL};
  ffi_type t3, t24, tf;
  ffi_type *a[] = {&ffi_type_double, &ffi_type_float, &ffi_type_sint8, struct_of(&t3, e3), &ffi_type_longdouble,
                   struct_of(&t24, e24), &ffi_type_double, &ffi_type_float, struct_of(&tf, ef), &ffi_type_sint128};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, ARRAY_LEN(a), &ffi_type_double, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_not_null(cl);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, handler_mixed, (void *)0x1234, code), FFI_OK);
  typedef double MS (*fn_t)(double, float, int8_t, s3, long double, s24, double, float, sf, __int128);
  s3 s = {{1, 2, 3}};
  s24 big = {10, 20, 30};
  sf small = {0.25f};
  double got = ((fn_t)code)(0.5, 1.5f, -7, s, 100.0L, big, 1000.0, 2000.0f, small, (__int128)5 << 2);
  cr_assert_eq(got, 0.5 + 1.5 - 7 + 6 + 100 + 60 + 1000 + 2000 + 0.25 + 20);
  ffi_closure_free(cl);
}

static void handler_ret(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)user;
  int64_t x = *(int64_t *)args[0];
  switch (cif->rtype->type) {
  case FFI_TYPE_SINT8: *(ffi_sarg *)ret = (int8_t)x; break;
  case FFI_TYPE_UINT16: *(ffi_arg *)ret = (uint16_t)x; break;
  case FFI_TYPE_FLOAT: *(float *)ret = (float)x; break;
  case FFI_TYPE_DOUBLE: *(double *)ret = (double)x; break;
  case FFI_TYPE_LONGDOUBLE: *(long double *)ret = (long double)x; break;
  case FFI_TYPE_SINT128: *(__int128 *)ret = (__int128)x << 64 | 7; break;
  case FFI_TYPE_COMPLEX: *(_Complex double *)ret = (double)x + 2.0i; break;
  default: /* structs */
    if (cif->rtype->size == 3) { s3 s = {{(char)x, (char)(x + 1), (char)(x + 2)}}; *(s3 *)ret = s; }
    else if (cif->rtype->size == 4) { sf s = {(float)x}; *(sf *)ret = s; }
    else { s24 s = {(double)x, 2.0 * x, 3.0 * x}; *(s24 *)ret = s; }
  }
}

#define CLOSURE_FOR(rt, cl, code)                                                                  \
  do {                                                                                             \
    static ffi_type *one[] = {&ffi_type_sint64};                                                   \
    cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, 1, (rt), one), FFI_OK);                             \
    cr_assert_eq(ffi_prep_closure_loc((cl), &cif, handler_ret, NULL, (code)), FFI_OK);              \
  } while (0)

Test(win64_closure, results)
{
  ffi_cif cif;
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  CLOSURE_FOR(&ffi_type_sint8, cl, code);
  cr_assert_eq(((int8_t MS (*)(int64_t))code)(-5), -5);
  CLOSURE_FOR(&ffi_type_uint16, cl, code);
  cr_assert_eq(((uint16_t MS (*)(int64_t))code)(65535), 65535);
  CLOSURE_FOR(&ffi_type_float, cl, code);
  cr_assert_eq(((float MS (*)(int64_t))code)(3), 3.0f);
  CLOSURE_FOR(&ffi_type_double, cl, code);
  cr_assert_eq(((double MS (*)(int64_t))code)(-9), -9.0);
  CLOSURE_FOR(&ffi_type_longdouble, cl, code);
  cr_assert_eq(((long double MS (*)(int64_t))code)(12), 12.0L);
  CLOSURE_FOR(&ffi_type_sint128, cl, code);
  cr_assert(((__int128 MS (*)(int64_t))code)(3) == ((__int128)3 << 64 | 7), "__int128 in all of xmm0");
  CLOSURE_FOR(&ffi_type_complex_double, cl, code);
  _Complex double z = ((_Complex double MS (*)(int64_t))code)(4);
  cr_assert(z == 4.0 + 2.0i);
  static ffi_type *e3[] = {&ffi_type_sint8, &ffi_type_sint8, &ffi_type_sint8, NULL};
  static ffi_type *ef[] = {&ffi_type_float, NULL};
  static ffi_type *e24[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, NULL};
  ffi_type t3, tf, t24;
  CLOSURE_FOR(struct_of(&t3, e3), cl, code);
  s3 a = ((s3 MS (*)(int64_t))code)(40);
  cr_assert(a.c[0] == 40 && a.c[1] == 41 && a.c[2] == 42);
  CLOSURE_FOR(struct_of(&tf, ef), cl, code);
  cr_assert_eq(((sf MS (*)(int64_t))code)(8).f, 8.0f);
  CLOSURE_FOR(struct_of(&t24, e24), cl, code);
  s24 b = ((s24 MS (*)(int64_t))code)(5);
  cr_assert(b.a == 5 && b.b == 10 && b.c == 15);
  ffi_closure_free(cl);
}

/* A Microsoft x64 caller keeps values in rdi, rsi and xmm6-xmm15 across
   the call; the System V handler may not. */
static void handler_clobber(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif; (void)user;
  __asm__ volatile("movq $-1, %%rdi; movq $-1, %%rsi; pcmpeqd %%xmm6, %%xmm6; pcmpeqd %%xmm15, %%xmm15"
                   ::: "rdi", "rsi", "xmm6", "xmm15");
  *(ffi_arg *)ret = *(uint64_t *)args[0] + *(uint64_t *)args[1];
}

Test(win64_closure, preserves_callee_saved_registers)
{
  ffi_type *a[] = {&ffi_type_uint64, &ffi_type_uint64};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_WIN64, ARRAY_LEN(a), &ffi_type_uint64, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, handler_clobber, NULL, code), FFI_OK);
  cr_assert_eq(ms_call_preserving(code, 1, 2), 0u, "callee-saved registers changed");
  ffi_closure_free(cl);
}

/* Go closures: the closure in r10, for ffi_call_go and for the handler. */
static void handler_go(ffi_cif *cif, void *ret, void **args, void *closure)
{
  (void)cif;
  *(ffi_arg *)ret = *(uint32_t *)args[0] * 3 + (((ffi_go_closure *)closure)->cif == cif);
}

Test(win64_closure, go)
{
  ffi_type *a[] = {&ffi_type_uint32};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_GNUW64, ARRAY_LEN(a), &ffi_type_uint32, a), FFI_OK);
  ffi_go_closure gc;
  cr_assert_eq(ffi_prep_go_closure(&gc, &cif, handler_go), FFI_OK);
  uint32_t x = 14;
  void *args[] = {&x};
  ffi_arg out = 0;
  ffi_call_go(&cif, FFI_FN(gc.tramp), &out, args, &gc);
  cr_assert_eq(out, 43);
  memset(&ms_captured, 0, sizeof ms_captured);
  ffi_call_go(&cif, FFI_FN(ms_capture_callee), &out, args, &gc);
  cr_assert_eq(ms_captured.r10, (uint64_t)(uintptr_t)&gc, "the static chain is r10");
}
