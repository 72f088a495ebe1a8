/* test_placement.c -- where ffi_call puts each argument and where it takes
   the return value from, on x86-64 System V.  Each row is a signature with
   the registers and stack bytes the psABI (AMD64 psABI 1.0, §3.2.3)
   prescribes; capture_callee records what really arrived.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <stdint.h>
#include <string.h>

#include "capture.h"
#include "pattern.h"


enum { GPR, XMM, STACK };

/* ARG's bytes [SRC, SRC+LEN) must sit in register or stack slot WHERE/INDEX
   at byte AT.  */
struct expect {
  int arg, src, len;
  int where, index, at;
};

static const uint8_t *slot(int where, int index)
{
  switch (where) {
  case GPR: return (const uint8_t *)&captured.gpr[index];
  case XMM: return captured.xmm[index];
  default: return captured.stack + index;
  }
}

/* Call capture_callee through CIF with every argument byte distinct, and
   check each of the NROWS ROWS against what it recorded.  */
static void check_rows(ffi_cif *cif, const struct expect *rows, size_t nrows)
{
  unsigned char storage[16][64] __attribute__((aligned(16)));
  unsigned char copy[16][64];
  void *values[16];
  cr_assert(cif->nargs <= ARRAY_LEN(values));
  for (unsigned i = 0; i < cif->nargs; i++) values[i] = storage[i];
  /* Every argument byte differs from every other (pattern.h). */
  fill_pattern(cif->nargs, cif->arg_types, values, sizeof storage[0]);
  memcpy(copy, storage, sizeof copy);
  memset(&captured, 0xee, sizeof captured);
  memset(&ret_regs, 0, sizeof ret_regs);
  ffi_arg ret[4];
  ffi_call(cif, FFI_FN(capture_callee), ret, values);
  for (int r = 0; r < (int)nrows; r++) {
    const struct expect *e = &rows[r];
    /* Only bytes the pattern filled are unique: a row must stay inside its argument. */
    cr_assert(e->arg >= 0 && (unsigned)e->arg < cif->nargs && e->src >= 0 && e->len > 0 &&
                  (size_t)(e->src + e->len) <= cif->arg_types[e->arg]->size,
              "row %d: bytes %d..%d are not all argument %d's", r, e->src, e->src + e->len, e->arg);
    const uint8_t *got = slot(e->where, e->index) + e->at;
    cr_assert(memcmp(got, storage[e->arg] + e->src, e->len) == 0,
              "row %d: arg %d bytes %d..%d not found in %s %d at byte %d", r, e->arg, e->src,
              e->src + e->len, e->where == GPR ? "gpr" : e->where == XMM ? "xmm" : "stack", e->index,
              e->at);
  }
  cr_assert(memcmp(copy, storage, sizeof copy) == 0, "ffi_call modified an argument value");
}

/* ROWS is an array: its length is counted, not typed. */
#define call_and_check(cif, rows) check_rows((cif), (rows), ARRAY_LEN(rows))

static ffi_cif prep(ffi_type *rtype, unsigned n, ffi_type **args)
{
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, rtype, args), FFI_OK);
  return cif;
}

/* §3.2.3 INTEGER: the next available of rdi, rsi, rdx, rcx, r8, r9; the
   seventh goes to the stack, in an eightbyte slot.  */
Test(placement, integers_fill_gprs_then_stack)
{
  ffi_type *a[] = {&ffi_type_sint32, &ffi_type_sint64, &ffi_type_pointer, &ffi_type_uint64,
                   &ffi_type_sint64, &ffi_type_uint32, &ffi_type_sint64, &ffi_type_sint64};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {
      {0, 0, 4, GPR, 0, 0}, {1, 0, 8, GPR, 1, 0}, {2, 0, 8, GPR, 2, 0}, {3, 0, 8, GPR, 3, 0},
      {4, 0, 8, GPR, 4, 0}, {5, 0, 4, GPR, 5, 0}, {6, 0, 8, STACK, 0, 0}, {7, 0, 8, STACK, 8, 0},
  };
  call_and_check(&cif, rows);
  cr_assert_eq(captured.rax & 0xff, 0, "%%al counts SSE registers: none here");
}

/* Narrow integers are widened to the full register (what Clang relies on;
   the psABI leaves the upper bits undefined).  */
Test(placement, narrow_integers_are_extended)
{
  ffi_type *a[] = {&ffi_type_sint8, &ffi_type_uint8, &ffi_type_sint16, &ffi_type_uint16,
                   &ffi_type_sint32, &ffi_type_uint32};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  int8_t s8 = -2; uint8_t u8 = 0xfe; int16_t s16 = -3; uint16_t u16 = 0xfffd;
  int32_t s32 = -4; uint32_t u32 = 0xfffffffc;
  void *v[] = {&s8, &u8, &s16, &u16, &s32, &u32};
  ffi_call(&cif, FFI_FN(capture_callee), NULL, v);
  cr_assert_eq((int64_t)captured.gpr[0], -2);
  cr_assert_eq(captured.gpr[1], 0xfe);
  cr_assert_eq((int64_t)captured.gpr[2], -3);
  cr_assert_eq(captured.gpr[3], 0xfffd);
  cr_assert_eq((int64_t)captured.gpr[4], -4);
  cr_assert_eq(captured.gpr[5], 0xfffffffcu);
}

/* §3.2.3 SSE: the next of xmm0-xmm7, then the stack; %al = registers used. */
Test(placement, doubles_fill_xmm_then_stack)
{
  ffi_type *a[10];
  for (int i = 0; i < (int)ARRAY_LEN(a); i++) a[i] = i == 3 ? &ffi_type_float : &ffi_type_double;
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {
      {0, 0, 8, XMM, 0, 0}, {3, 0, 4, XMM, 3, 0}, {7, 0, 8, XMM, 7, 0},
      {8, 0, 8, STACK, 0, 0}, {9, 0, 8, STACK, 8, 0},
  };
  call_and_check(&cif, rows);
  cr_assert_eq(captured.rax & 0xff, 8);
}

static ffi_type mk(ffi_type **elems) { ffi_type t = {0, 0, FFI_TYPE_STRUCT, elems}; return t; }

/* Rule 4(f): two floats share one SSE eightbyte.  */
Test(placement, struct_of_two_floats_in_one_xmm)
{
  ffi_type *e[] = {&ffi_type_float, &ffi_type_float, NULL};
  ffi_type s = mk(e);
  ffi_type *a[] = {&s};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {{0, 0, 8, XMM, 0, 0}};
  call_and_check(&cif, rows);
}

/* Rule 4(d): INTEGER wins when a float and an int share an eightbyte.  */
Test(placement, float_and_int_share_a_gpr)
{
  ffi_type *e[] = {&ffi_type_float, &ffi_type_sint32, NULL};
  ffi_type s = mk(e);
  ffi_type *a[] = {&s};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {{0, 0, 8, GPR, 0, 0}};
  call_and_check(&cif, rows);
}

/* Each eightbyte is classified on its own: {double, long} -> xmm0 + rdi,
   {long, double} -> rdi + xmm0.  */
Test(placement, mixed_eightbytes_split_between_files)
{
  ffi_type *e1[] = {&ffi_type_double, &ffi_type_sint64, NULL};
  ffi_type *e2[] = {&ffi_type_sint64, &ffi_type_double, NULL};
  ffi_type s1 = mk(e1), s2 = mk(e2);
  ffi_type *a[] = {&s1, &s2};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {
      {0, 0, 8, XMM, 0, 0}, {0, 8, 8, GPR, 0, 0}, {1, 0, 8, GPR, 1, 0}, {1, 8, 8, XMM, 1, 0},
  };
  call_and_check(&cif, rows);
}

/* Rule 1: larger than 16 bytes -> MEMORY, copied to the stack.  Arrays are
   their element repeated.  */
Test(placement, big_struct_goes_on_stack)
{
  ffi_type *e[25];
  for (int i = 0; i < (int)ARRAY_LEN(e) - 1; i++) e[i] = &ffi_type_uint8;
  e[ARRAY_LEN(e) - 1] = NULL;
  ffi_type s = mk(e);
  ffi_type *a[] = {&ffi_type_sint32, &s, &ffi_type_sint32};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {{0, 0, 4, GPR, 0, 0}, {1, 0, 24, STACK, 0, 0}, {2, 0, 4, GPR, 1, 0}};
  call_and_check(&cif, rows);
}

/* X87 and X87UP go in memory; 16-byte aligned stack slot.  */
Test(placement, long_double_goes_on_stack_aligned)
{
  ffi_type *b[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                   &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_longdouble};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(b), b);
  struct expect rows[] = {{6, 0, 8, STACK, 0, 0}, {7, 0, 10, STACK, 16, 0}};
  call_and_check(&cif, rows);
}

/* If an argument does not fit in the registers left, all of it goes to the
   stack, and later arguments still use the registers.  __int128 is two
   INTEGER eightbytes, 16-byte aligned in memory.  */
Test(placement, int128_needs_two_gprs_or_none)
{
  ffi_type *a[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
                   &ffi_type_sint64, &ffi_type_sint128, &ffi_type_sint64};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {{4, 0, 8, GPR, 4, 0}, {5, 0, 16, STACK, 0, 0}, {6, 0, 8, GPR, 5, 0}};
  call_and_check(&cif, rows);
}

/* complex float: one SSE eightbyte; complex double: two.  */
Test(placement, complex_numbers)
{
  ffi_type *a[] = {&ffi_type_complex_float, &ffi_type_complex_double, &ffi_type_complex_longdouble};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {
      {0, 0, 8, XMM, 0, 0}, {1, 0, 8, XMM, 1, 0}, {1, 8, 8, XMM, 2, 0},
      {2, 0, 10, STACK, 0, 0}, {2, 16, 10, STACK, 16, 0},  /* COMPLEX_X87: memory */
  };
  call_and_check(&cif, rows);
}

/* A complex number of integer parts classifies as two members of its
   part type (§3.2.3, rule 4): _Complex char, short and int fit one
   INTEGER eightbyte, _Complex long is two INTEGER eightbytes, and
   _Complex __int128 (32 bytes) is MEMORY by rule 1.  */
Test(placement, complex_integers)
{
  ffi_type *p8[] = {&ffi_type_sint8, NULL}, *p16[] = {&ffi_type_uint16, NULL};
  ffi_type *p32[] = {&ffi_type_sint32, NULL}, *p64[] = {&ffi_type_sint64, NULL};
  ffi_type *p128[] = {&ffi_type_uint128, NULL};
  ffi_type c8 = {0, 0, FFI_TYPE_COMPLEX, p8}, c16 = {0, 0, FFI_TYPE_COMPLEX, p16};
  ffi_type c32 = {0, 0, FFI_TYPE_COMPLEX, p32}, c64 = {0, 0, FFI_TYPE_COMPLEX, p64};
  ffi_type c128 = {32, 16, FFI_TYPE_COMPLEX, p128};
  ffi_type *a[] = {&c8, &c32, &c64, &c128, &c16, &c64};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  cr_assert(c8.size == 2 && c16.size == 4 && c32.size == 8 && c64.size == 16 && c64.alignment == 8);
  struct expect rows[] = {
      {0, 0, 2, GPR, 0, 0}, {1, 0, 8, GPR, 1, 0}, {2, 0, 8, GPR, 2, 0}, {2, 8, 8, GPR, 3, 0},
      {3, 0, 32, STACK, 0, 0}, {4, 0, 4, GPR, 4, 0},
      {5, 0, 16, STACK, 32, 0},  /* two eightbytes, one GPR left: all of it on the stack */
  };
  call_and_check(&cif, rows);
}

/* __m128 (SSE + SSEUP) is one whole XMM register; __m64 is SSE.  */
Test(placement, vectors)
{
  ffi_type *l4[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type *l2[] = {&ffi_type_sint32, &ffi_type_sint32, NULL};
  ffi_type v16 = {0, 0, FFI_TYPE_VECTOR, l4}, v8 = {0, 0, FFI_TYPE_VECTOR, l2};
  ffi_type *a[] = {&v8, &v16};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  cr_assert_eq(v16.size, 16);
  cr_assert_eq(v16.alignment, 16);
  struct expect rows[] = {{0, 0, 8, XMM, 0, 0}, {1, 0, 16, XMM, 1, 0}};
  call_and_check(&cif, rows);
}

/* Small structs travel in the low bytes of a register.  */
Test(placement, odd_sized_struct_in_gpr)
{
  ffi_type *e[] = {&ffi_type_uint8, &ffi_type_uint8, &ffi_type_uint8, NULL};
  ffi_type s = mk(e);
  ffi_type *a[] = {&s};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {{0, 0, 3, GPR, 0, 0}};
  call_and_check(&cif, rows);
}

/* libffi 3.4.4's bug (TESTING.md): an INTEGER eightbyte landing in r9 with
   its SSE half in an XMM register must not disturb the earlier double.  */
Test(placement, integer_part_in_r9_keeps_earlier_double)
{
  ffi_type *c[] = {&ffi_type_schar, NULL};
  ffi_type *cd[] = {&ffi_type_schar, &ffi_type_double, NULL};
  ffi_type sc = mk(c), scd = mk(cd);
  ffi_type *a[] = {&ffi_type_slong, &ffi_type_double, &ffi_type_slong, &ffi_type_slong,
                   &sc, &ffi_type_slong, &scd};
  ffi_cif cif = prep(&ffi_type_void, ARRAY_LEN(a), a);
  struct expect rows[] = {
      {1, 0, 8, XMM, 0, 0}, {4, 0, 1, GPR, 3, 0}, {5, 0, 8, GPR, 4, 0},
      {6, 0, 1, GPR, 5, 0}, {6, 8, 8, XMM, 1, 0},
  };
  call_and_check(&cif, rows);
  cr_assert_eq(captured.rax & 0xff, 2);
}

/* A MEMORY return value's address is a hidden first argument in rdi. */
Test(placement, memory_return_takes_rdi)
{
  ffi_type *e[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, NULL};
  ffi_type s = mk(e);
  ffi_type *a[] = {&ffi_type_sint64};
  ffi_cif cif = prep(&s, ARRAY_LEN(a), a);
  long v = 77, out[3];
  void *values[] = {&v};
  ffi_call(&cif, FFI_FN(capture_callee), out, values);
  cr_assert_eq(captured.gpr[0], (uint64_t)(uintptr_t)out);
  cr_assert_eq(captured.gpr[1], 77);
}

/* Variadic calls: %al is an upper bound of the vector registers used; a
   struct may be among the variadic arguments.  */
Test(placement, variadic_sets_al)
{
  ffi_type *e[] = {&ffi_type_double, &ffi_type_double, NULL};
  ffi_type s = mk(e);
  ffi_type *a[] = {&ffi_type_pointer, &ffi_type_double, &s, &ffi_type_sint32};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, ARRAY_LEN(a), &ffi_type_sint32, a), FFI_OK);
  struct expect rows[] = {
      {0, 0, 8, GPR, 0, 0}, {1, 0, 8, XMM, 0, 0}, {2, 0, 8, XMM, 1, 0}, {2, 8, 8, XMM, 2, 0},
      {3, 0, 4, GPR, 1, 0},
  };
  call_and_check(&cif, rows);
  cr_assert_eq(captured.rax & 0xff, 3);
}

/* Pair steps: one step loads two arguments into a register and the next of
   its class.  Every pair of kinds at every first register, each value
   checked whole (narrow integers extended).  The registers before are
   filled so that none is left waiting for a partner: a 3-byte struct (its
   register loads through a scratch slot) or a 16-byte vector (all of one
   XMM register) first when the count is odd, then 8-byte scalars, which
   pair among themselves.  */
static ffi_type *c3_elems[] = {&ffi_type_uchar, &ffi_type_uchar, &ffi_type_uchar, NULL};
static ffi_type *dl_elems[] = {&ffi_type_double, &ffi_type_sint64, NULL}; /* SSE, INTEGER */
static ffi_type *ld_elems[] = {&ffi_type_sint64, &ffi_type_double, NULL}; /* INTEGER, SSE */
static ffi_type *f4_elems[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};

/* The 64 bits kind K (below) of the argument at S puts in its GPR.  */
static uint64_t gpr_value(int k, const unsigned char *s)
{
  int8_t s8; uint8_t u8; int16_t s16; uint16_t u16; int32_t s32; uint32_t u32; uint64_t u64;
  switch (k) {
  case 0: memcpy(&s8, s, 1); return (uint64_t)(int64_t)s8;
  case 1: memcpy(&u8, s, 1); return u8;
  case 2: memcpy(&s16, s, 2); return (uint64_t)(int64_t)s16;
  case 3: memcpy(&u16, s, 2); return u16;
  case 4: memcpy(&s32, s, 4); return (uint64_t)(int64_t)s32;
  case 5: memcpy(&u32, s, 4); return u32;
  case 6: memcpy(&u64, s, 8); return u64;
  default: memcpy(&u64, s + 8, 8); return u64; /* the INTEGER half of {double, int64} */
  }
}

static void call_filled(ffi_cif *cif, unsigned char (*storage)[16], void **values)
{
  for (unsigned i = 0; i < cif->nargs; i++) {
    for (int j = 0; j < 16; j++) storage[i][j] = (unsigned char)(0x81 + 16 * i + j); /* high bits set */
    values[i] = storage[i];
  }
  memset(&captured, 0xee, sizeof captured);
  ffi_call(cif, FFI_FN(capture_callee), NULL, values);
}

Test(placement, pair_steps_every_kind_and_register)
{
  ffi_type c3 = mk(c3_elems), dl = mk(dl_elems), ld = mk(ld_elems);
  ffi_type v16 = {0, 0, FFI_TYPE_VECTOR, f4_elems};
  ffi_type *gk[8] = {&ffi_type_sint8, &ffi_type_uint8, &ffi_type_sint16, &ffi_type_uint16,
                     &ffi_type_sint32, &ffi_type_uint32, &ffi_type_sint64, &dl};
  ffi_type *xk[3] = {&ffi_type_float, &ffi_type_double, &ld};
  static const int xlen[3] = {4, 8, 8}, xsrc[3] = {0, 0, 8};
  unsigned char storage[10][16] __attribute__((aligned(16)));
  void *values[10];
  for (int r = 0; r < 5; r++)
    for (int k1 = 0; k1 < 8; k1++)
      for (int k2 = 0; k2 < 8; k2++) {
        ffi_type *a[10];
        int n = 0;
        for (int f = 0; f < r; f++) a[n++] = f == 0 && r % 2 ? &c3 : &ffi_type_sint64;
        a[n++] = gk[k1];
        a[n++] = gk[k2];
        ffi_cif cif = prep(&ffi_type_void, (unsigned)n, a);
        call_filled(&cif, storage, values);
        cr_assert_eq(captured.gpr[r], gpr_value(k1, storage[n - 2]), "kinds %d,%d at gpr %d: first", k1, k2, r);
        cr_assert_eq(captured.gpr[r + 1], gpr_value(k2, storage[n - 1]), "kinds %d,%d at gpr %d: second", k1, k2, r);
        for (int f = 0; f < r; f++)
          cr_assert(memcmp(&captured.gpr[f], storage[f], a[f]->size) == 0, "filler gpr %d", f);
      }
  for (int r = 0; r < 7; r++)
    for (int k1 = 0; k1 < 3; k1++)
      for (int k2 = 0; k2 < 3; k2++) {
        ffi_type *a[10];
        int n = 0;
        for (int f = 0; f < r; f++) a[n++] = f == 0 && r % 2 ? &v16 : &ffi_type_double;
        a[n++] = xk[k1];
        a[n++] = xk[k2];
        ffi_cif cif = prep(&ffi_type_void, (unsigned)n, a);
        call_filled(&cif, storage, values);
        cr_assert(memcmp(captured.xmm[r], storage[n - 2] + xsrc[k1], (size_t)xlen[k1]) == 0,
                  "kinds %d,%d at xmm %d: first", k1, k2, r);
        cr_assert(memcmp(captured.xmm[r + 1], storage[n - 1] + xsrc[k2], (size_t)xlen[k2]) == 0,
                  "kinds %d,%d at xmm %d: second", k1, k2, r);
        for (int f = 0; f < r; f++)
          cr_assert(memcmp(captured.xmm[f], storage[f], a[f] == &v16 ? 16 : 8) == 0, "filler xmm %d", f);
      }
}

/* Three to six 64-bit integers or pointers: ffi_call loads avalue[i] into
   the i-th GPR in one stub; every result kind, and a NULL rvalue.  */
Test(placement, word_arguments_every_count_and_result)
{
  ffi_type *rets[] = {&ffi_type_void, &ffi_type_sint32, &ffi_type_uint32, &ffi_type_sint64,
                      &ffi_type_double, &ffi_type_float};
  for (unsigned n = 3; n <= 6; n++)
    for (unsigned r = 0; r < ARRAY_LEN(rets); r++)
      for (int null_rvalue = 0; null_rvalue < 2; null_rvalue++) {
        ffi_type *a[6];
        uint64_t v[6];
        void *values[6];
        for (unsigned i = 0; i < n; i++) {
          a[i] = i % 2 ? &ffi_type_pointer : &ffi_type_uint64;
          v[i] = 0x8070605040302010ull * (i + 1) + i;
          values[i] = &v[i];
        }
        ffi_cif cif = prep(rets[r], n, a);
        memset(&captured, 0xee, sizeof captured);
        memset(&ret_regs, 0, sizeof ret_regs);
        ret_regs.rax = 0xfedcba9887654321ull;
        memcpy(ret_regs.xmm0, &v[2], 8);
        uint64_t out = 0x1111111111111111ull;
        ffi_call(&cif, FFI_FN(capture_callee), null_rvalue ? NULL : &out, values);
        for (unsigned i = 0; i < n; i++)
          cr_assert_eq(captured.gpr[i], v[i], "%u words, result %u: gpr %u", n, r, i);
        uint64_t want = 0x1111111111111111ull;
        if (!null_rvalue) {
          if (rets[r] == &ffi_type_sint32) want = (uint64_t)(int64_t)(int32_t)ret_regs.rax;
          else if (rets[r] == &ffi_type_uint32) want = (uint32_t)ret_regs.rax;
          else if (rets[r] == &ffi_type_sint64) want = ret_regs.rax;
          else if (rets[r] == &ffi_type_double) want = v[2];
          else if (rets[r] == &ffi_type_float) want = (want & ~0xffffffffull) | (v[2] & 0xffffffffu);
        }
        cr_assert_eq(out, want, "%u words, result %u%s", n, r, null_rvalue ? ", NULL rvalue" : "");
      }
}
