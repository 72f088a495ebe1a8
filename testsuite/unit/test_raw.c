/* test_raw.c -- the raw and Java raw APIs: ffi_raw_call and
   ffi_java_raw_call, the array conversions and sizes, and raw closures.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"

#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

struct pair { int a; double b; };

static double f(signed char c, long l, double d, struct pair *p, void *ptr)
{
  return c + l + d + p->a + p->b + (ptr == (void *)0x1234);
}
static double g(int i, long long ll, double d, float fl, void *ptr)
{
  return i + (double)ll + d + fl + (ptr == (void *)0x1234);
}

Test(raw, raw_call_and_conversions)
{
  ffi_type *pe[] = {&ffi_type_sint, &ffi_type_double, NULL};
  ffi_type pt = {0, 0, FFI_TYPE_STRUCT, pe};
  ffi_type *a[] = {&ffi_type_schar, &ffi_type_slong, &ffi_type_double, &ffi_type_pointer, &ffi_type_pointer};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_double, a), FFI_OK);
  cr_assert_eq(ffi_raw_size(&cif), 5 * sizeof(ffi_raw));
  signed char c = -3;
  long l = 40;
  double d = 0.5;
  struct pair p = {2, 0.25};
  struct pair *pp = &p;
  void *ptr = (void *)0x1234;
  void *values[] = {&c, &l, &d, &pp, &ptr};
  ffi_raw raw[5];
  ffi_ptrarray_to_raw(&cif, values, raw);
  cr_assert_eq(raw[0].sint, -3);
  cr_assert_eq(raw[1].sint, 40);
  cr_assert_eq(raw[3].ptr, (void *)pp);
  double r;
  ffi_raw_call(&cif, FFI_FN(f), &r, raw);
  cr_assert_eq(r, f(c, l, d, pp, ptr));
  void *back[5];
  ffi_raw_to_ptrarray(&cif, raw, back);
  cr_assert_eq(*(long *)back[1], 40);
  cr_assert_eq(*(double *)back[2], 0.5);
  (void)pt;
}

Test(raw, java_raw_call)
{
  ffi_type *a[] = {&ffi_type_sint, &ffi_type_sint64, &ffi_type_double, &ffi_type_float, &ffi_type_pointer};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_double, a), FFI_OK);
  /* 64-bit integers and doubles take two slots. */
  cr_assert_eq(ffi_java_raw_size(&cif), 7 * sizeof(ffi_java_raw));
  int i = -7;
  long long ll = 1LL << 40;
  double d = 0.75;
  float fl = 0.5f;
  void *ptr = (void *)0x1234;
  void *values[] = {&i, &ll, &d, &fl, &ptr};
  ffi_java_raw raw[7];
  ffi_java_ptrarray_to_raw(&cif, values, raw);
  double r;
  ffi_java_raw_call(&cif, FFI_FN(g), &r, raw);
  cr_assert_eq(r, g(i, ll, d, fl, ptr));
}

static void raw_handler(ffi_cif *cif, void *ret, ffi_raw *raw, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(raw[0].sint * 100 + raw[1].sint + (long)(intptr_t)user);
}

static void java_handler(ffi_cif *cif, void *ret, ffi_java_raw *raw, void *user)
{
  (void)cif;
  long long wide;
  memcpy(&wide, raw[1].data, sizeof wide);  /* two slots */
  *(ffi_arg *)ret = (ffi_arg)(raw[0].sint * 100 + wide + raw[3].sint + (long)(intptr_t)user);
}

Test(raw, raw_and_java_closures)
{
  ffi_type *a[] = {&ffi_type_sint, &ffi_type_sint};
  ffi_type *j[] = {&ffi_type_sint, &ffi_type_sint64, &ffi_type_sint};
  static ffi_cif cif, jcif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_slong, a), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&jcif, FFI_DEFAULT_ABI, ARRAY_LEN(j), &ffi_type_slong, j), FFI_OK);
  void *code, *jcode;
  ffi_raw_closure *rc = ffi_closure_alloc(sizeof(ffi_raw_closure), &code);
  ffi_java_raw_closure *jc = ffi_closure_alloc(sizeof(ffi_java_raw_closure), &jcode);
  cr_assert_eq(ffi_prep_raw_closure_loc(rc, &cif, raw_handler, (void *)7, code), FFI_OK);
  cr_assert_eq(ffi_prep_java_raw_closure_loc(jc, &jcif, java_handler, (void *)9, jcode), FFI_OK);
  cr_assert_eq(((long (*)(int, int))code)(3, 4), 311);
  cr_assert_eq(((long (*)(int, long long, int))jcode)(2, 1000, 5), 1214);
  ffi_closure_free(rc);
  ffi_closure_free(jc);
}
