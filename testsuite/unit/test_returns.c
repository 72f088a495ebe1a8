/* test_returns.c -- which registers ffi_call reads a return value from
   (AMD64 psABI §3.2.3, "Returning of Values"), and how it widens and copies
   it into rvalue.  capture_callee returns the patterns the test sets.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <stdint.h>
#include <string.h>

#include "capture.h"


/* The return registers hold 48 different bytes: byte K of rax, rdx, xmm0,
   xmm1 taken in that order is 0xb1 + K (0xb1 to 0xe0), or 0x31 + K with
   SIGN clear.  So a value read from the wrong register, or the wrong half
   of one, cannot match what the right one holds; with SIGN set every byte
   has its top bit set and with it clear none has, so sign and zero
   extension differ at every width; and no byte is 0x00, or the 0xab the
   tests fill their buffers with.  */
static void set_patterns_signed(int sign)
{
  uint8_t bytes[48];
  for (int k = 0; k < 48; k++) bytes[k] = (uint8_t)((sign ? 0xb1 : 0x31) + k);
  memset(&ret_regs, 0, sizeof ret_regs);
  memcpy(&ret_regs.rax, bytes, 8);
  memcpy(&ret_regs.rdx, bytes + 8, 8);
  memcpy(ret_regs.xmm0, bytes + 16, 16);
  memcpy(ret_regs.xmm1, bytes + 32, 16);
}

static void set_patterns(void) { set_patterns_signed(1); }

static void call(ffi_type *rtype, void *rvalue)
{
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, rtype, NULL), FFI_OK);
  ffi_call(&cif, FFI_FN(capture_callee), rvalue, NULL);
}

/* Integral values narrower than ffi_arg are widened to a full ffi_arg:
   sign-extended for the signed types, zero-extended for the unsigned
   ones, from the low bytes of rax (what C's conversions of rax's value
   give), with the top bits of each width set and clear.  */
Test(returns, narrow_integers_widened)
{
  for (int sign = 0; sign <= 1; sign++) {
    set_patterns_signed(sign);
    uint64_t rax = ret_regs.rax;
    struct { ffi_type *t; ffi_arg want; } rows[] = {
        {&ffi_type_sint8, (ffi_arg)(int64_t)(int8_t)rax},
        {&ffi_type_uint8, (ffi_arg)(uint8_t)rax},
        {&ffi_type_sint16, (ffi_arg)(int64_t)(int16_t)rax},
        {&ffi_type_uint16, (ffi_arg)(uint16_t)rax},
        {&ffi_type_sint32, (ffi_arg)(int64_t)(int32_t)rax},
        {&ffi_type_uint32, (ffi_arg)(uint32_t)rax},
        {&ffi_type_sint64, (ffi_arg)rax},
        {&ffi_type_uint64, (ffi_arg)rax},
        {&ffi_type_pointer, (ffi_arg)rax},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
      ffi_arg r = 0;
      call(rows[i].t, &r);
      cr_assert_eq(r, rows[i].want, "row %zu (top bits %s): got %#lx, want %#lx", i, sign ? "set" : "clear",
                   (unsigned long)r, (unsigned long)rows[i].want);
    }
  }
}

/* SSE class values come from xmm0: float writes exactly 4 bytes. */
Test(returns, float_and_double_from_xmm0)
{
  set_patterns();
  float f = 1.0f;
  float fv = 2.5f;
  memcpy(ret_regs.xmm0, &fv, 4);
  unsigned char buf[8];
  memset(buf, 0xab, sizeof buf);
  call(&ffi_type_float, buf);
  memcpy(&f, buf, 4);
  cr_assert_eq(f, 2.5f);
  cr_assert_eq(buf[4], 0xab, "a float return wrote past 4 bytes");
  double d, dv = -7.25;
  memcpy(ret_regs.xmm0, &dv, 8);
  call(&ffi_type_double, &d);
  cr_assert_eq(d, -7.25);
}

/* X87 comes back in st0; COMPLEX_X87 in st0 (real) and st1 (imaginary). */
Test(returns, x87_values)
{
  set_patterns();
  ret_regs.nx87 = 1;
  ret_regs.st0 = 1.0L / 3;
  long double r = 0;
  call(&ffi_type_longdouble, &r);
  cr_assert_eq(r, 1.0L / 3);
  ret_regs.nx87 = 2;
  ret_regs.st0 = 1.5L;
  ret_regs.st1 = -2.5L;
  long double _Complex z = 0;
  call(&ffi_type_complex_longdouble, &z);
  cr_assert_eq(__real__ z, 1.5L);
  cr_assert_eq(__imag__ z, -2.5L);
}

/* struct { long double } is class X87: st0, not rax:rdx (libffi 3.4.4 and
   3.8.0 read rax:rdx here; the compiler uses st0).  */
Test(returns, struct_of_long_double_in_st0)
{
  ffi_type *e[] = {&ffi_type_longdouble, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  set_patterns();
  ret_regs.nx87 = 1;
  ret_regs.st0 = 42.75L;
  struct { long double x; } r = {0};
  call(&s, &r);
  cr_assert_eq(r.x, 42.75L);
}

/* Two eightbytes: INTEGER ones from rax then rdx, SSE ones from xmm0 then
   xmm1; a 12-byte struct copies exactly 12 bytes.  */
Test(returns, two_eightbyte_structs)
{
  ffi_type *dl[] = {&ffi_type_double, &ffi_type_sint64, NULL};
  ffi_type *ld[] = {&ffi_type_sint64, &ffi_type_double, NULL};
  ffi_type *ll[] = {&ffi_type_sint64, &ffi_type_sint64, NULL};
  ffi_type *fff[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type sdl = {0, 0, FFI_TYPE_STRUCT, dl}, sld = {0, 0, FFI_TYPE_STRUCT, ld};
  ffi_type sll = {0, 0, FFI_TYPE_STRUCT, ll}, sfff = {0, 0, FFI_TYPE_STRUCT, fff};
  uint64_t out[3];
  uint64_t x0, x1;

  set_patterns();
  /* The low eightbytes of xmm0 and xmm1: each SSE eightbyte comes from the
     low half of the next register, never from a high half.  */
  memcpy(&x0, ret_regs.xmm0, 8);
  memcpy(&x1, ret_regs.xmm1, 8);
  call(&sdl, out);
  cr_assert(out[0] == x0 && out[1] == ret_regs.rax, "{double, long}: xmm0, rax");
  call(&sld, out);
  cr_assert(out[0] == ret_regs.rax && out[1] == x0, "{long, double}: rax, xmm0");
  call(&sll, out);
  cr_assert(out[0] == ret_regs.rax && out[1] == ret_regs.rdx, "{long, long}: rax, rdx");
  memset(out, 0xab, sizeof out);
  call(&sfff, out);
  cr_assert(out[0] == x0, "{float, float, float}: the first two from xmm0");
  cr_assert_eq((uint32_t)out[1], (uint32_t)x1, "{float, float, float}: the third from xmm1");
  cr_assert_eq(out[1] >> 32, 0xababababu, "12-byte struct return wrote past its size");
}

/* Complex numbers of integer parts are INTEGER eightbytes (§3.2.3, rule
   4: two members of the part type), returned in rax, then rdx: _Complex
   char, short and int from the low bytes of rax, _Complex long from rax
   and rdx; each copies exactly its size.  _Complex __int128 is MEMORY:
   its address goes in rdi, and comes back in rax.  */
Test(returns, complex_integers_in_rax_rdx)
{
  ffi_type *p8[] = {&ffi_type_uint8, NULL}, *p16[] = {&ffi_type_sint16, NULL};
  ffi_type *p32[] = {&ffi_type_uint32, NULL}, *p64[] = {&ffi_type_sint64, NULL};
  ffi_type c8 = {0, 0, FFI_TYPE_COMPLEX, p8}, c16 = {0, 0, FFI_TYPE_COMPLEX, p16};
  ffi_type c32 = {0, 0, FFI_TYPE_COMPLEX, p32}, c64 = {0, 0, FFI_TYPE_COMPLEX, p64};
  struct { ffi_type *t; size_t size; } rows[] = {{&c8, 2}, {&c16, 4}, {&c32, 8}, {&c64, 16}};
  set_patterns();
  uint8_t want[16];
  memcpy(want, &ret_regs.rax, 8);
  memcpy(want + 8, &ret_regs.rdx, 8);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint8_t out[24];
    memset(out, 0xab, sizeof out);
    call(rows[i].t, out);
    cr_assert_eq(rows[i].t->size, rows[i].size);
    cr_assert(memcmp(out, want, rows[i].size) == 0, "row %zu: not rax:rdx", i);
    cr_assert_eq(out[rows[i].size], 0xab, "row %zu: wrote past its %zu bytes", i, rows[i].size);
  }

  ffi_type *p128[] = {&ffi_type_sint128, NULL};
  ffi_type c128 = {32, 16, FFI_TYPE_COMPLEX, p128};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &c128, NULL), FFI_OK);
  _Complex __int128 z;
  memset(&z, 0xab, sizeof z);
  memset(&captured, 0, sizeof captured);
  ffi_call(&cif, FFI_FN(capture_callee), &z, NULL);
  cr_assert_eq(captured.gpr[0], (uint64_t)(uintptr_t)&z, "_Complex __int128: its address in rdi");
}

/* NULL rvalue: the result is discarded, even for x87 and memory returns. */
Test(returns, null_rvalue)
{
  ffi_type *e[] = {&ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64, NULL};
  ffi_type big = {0, 0, FFI_TYPE_STRUCT, e};
  set_patterns();
  call(&ffi_type_sint32, NULL);
  call(&big, NULL);
  ret_regs.nx87 = 1;
  ret_regs.st0 = 1;
  for (int i = 0; i < 20; i++) call(&ffi_type_longdouble, NULL);  /* would overflow the x87 stack if not popped */
  long double r;
  ret_regs.st0 = 3.5L;
  call(&ffi_type_longdouble, &r);
  cr_assert_eq(r, 3.5L);
}
