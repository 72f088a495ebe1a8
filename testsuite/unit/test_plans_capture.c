/* test_plans_capture.c -- a call plan (ffi_call_plan_invoke) puts every
   argument byte where ffi_call does and takes the result from the same
   registers, on x86-64 System V: capture_callee (capture.S) records both
   calls.  The target-independent call-plan tests are in test_plans.c.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <stdint.h>
#include <string.h>

#include "capture.h"
#include "pattern.h"
#include "unit.h"

static void same_as_ffi_call(ffi_cif *cif, void **values)
{
  ffi_call_plan *plan = ffi_call_plan_alloc(cif);
  cr_assert_not_null(plan);
  struct captured by_call, by_plan;
  ffi_arg r1[4], r2[4];
  /* 48 different bytes in rax, rdx, xmm0 and xmm1: a result taken from
     another register, or another half of one, than ffi_call takes it
     from cannot match.  */
  uint8_t bytes[48];
  for (int k = 0; k < 48; k++) bytes[k] = (uint8_t)(0xb1 + k);
  memset(&ret_regs, 0, sizeof ret_regs);
  memcpy(&ret_regs.rax, bytes, 8);
  memcpy(&ret_regs.rdx, bytes + 8, 8);
  memcpy(ret_regs.xmm0, bytes + 16, 16);
  memcpy(ret_regs.xmm1, bytes + 32, 16);
  memset(&captured, 0xee, sizeof captured);
  ffi_call(cif, FFI_FN(capture_callee), r1, values);
  by_call = captured;
  memset(&captured, 0xee, sizeof captured);
  ffi_call_plan_invoke(plan, FFI_FN(capture_callee), r2, values);
  by_plan = captured;
  cr_assert(memcmp(by_call.gpr, by_plan.gpr, sizeof by_call.gpr) == 0);
  cr_assert(memcmp(by_call.xmm, by_plan.xmm, sizeof by_call.xmm) == 0);
  cr_assert(cif->bytes <= sizeof by_call.stack);
  cr_assert(memcmp(by_call.stack, by_plan.stack, cif->bytes) == 0);
  cr_assert_eq(by_call.rax & 0xff, by_plan.rax & 0xff);
  cr_assert(memcmp(r1, r2, cif->rtype->size < sizeof r1 ? (cif->rtype->size > 8 ? cif->rtype->size : 8) : sizeof r1) == 0);
  ffi_call_plan_free(plan);
}

Test(plans, registers_stack_and_struct_returns)
{
  ffi_type *e[] = {&ffi_type_double, &ffi_type_sint64, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  ffi_type *a[] = {&ffi_type_sint8, &ffi_type_double, &s, &ffi_type_sint64, &ffi_type_sint64,
                   &ffi_type_sint64, &ffi_type_sint64, &ffi_type_float, &ffi_type_longdouble};
  unsigned char storage[ARRAY_LEN(a)][32] __attribute__((aligned(16)));
  void *values[ARRAY_LEN(a)];
  for (size_t i = 0; i < ARRAY_LEN(a); i++) values[i] = storage[i];
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &s, a), FFI_OK);
  /* Every argument byte differs from every other (pattern.h; s is laid
     out now): an argument the plan puts elsewhere than ffi_call does
     cannot go unnoticed. */
  fill_pattern(ARRAY_LEN(a), a, values, sizeof storage[0]);
  same_as_ffi_call(&cif, values);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_sint16, a), FFI_OK);
  same_as_ffi_call(&cif, values);
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 2, 7, &ffi_type_double, a), FFI_OK);
  same_as_ffi_call(&cif, values);
}
