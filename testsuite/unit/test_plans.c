/* test_plans.c -- the call-plan API (libffi 3.7/3.8): a plan invokes as a
   compiled call does, is shareable, and reports its size.  On any target;
   test_plans_capture.c compares a plan's registers and stack with
   ffi_call's on x86-64.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "unit.h"

/* Enough arguments of every kind to use every register class and the
   stack on any target, a struct of three members by value and a struct
   result.  */
struct dl { double d; long l; };
struct three { long a, b, c; };
static struct dl mixed(signed char c, double d, struct dl m, long a, long b, long e, long f, long g, long h,
                       float x, long double y, struct three t, double z)
{
  struct dl r = {c + d * 3 + m.d * 5 + x * 7 + (double)y * 11 + z * 13,
                 a + 2 * b + 3 * e + 4 * f + 5 * g + 6 * h + 7 * m.l + 8 * t.a + 9 * t.b + 10 * t.c};
  return r;
}

Test(plans, invokes_as_a_direct_call)
{
  ffi_type *dl_e[] = {&ffi_type_double, &ffi_type_slong, NULL};
  ffi_type *three_e[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
  ffi_type dl_t = {0, 0, FFI_TYPE_STRUCT, dl_e}, three_t = {0, 0, FFI_TYPE_STRUCT, three_e};
  ffi_type *a[] = {&ffi_type_schar, &ffi_type_double, &dl_t, &ffi_type_slong, &ffi_type_slong,
                   &ffi_type_slong, &ffi_type_slong, &ffi_type_slong, &ffi_type_slong, &ffi_type_float,
                   &ffi_type_longdouble, &three_t, &ffi_type_double};
  signed char c = -100;
  double d = 0.125, z = -1e6;
  struct dl m = {-3.5, 1L << 40};
  long l[6] = {-1, 1000, -70000, 1L << 33, -(1L << 35), 123456789};
  float x = 2.5f;
  long double y = 1.0L / 3;
  struct three t = {-7, 77, -777};
  void *values[] = {&c, &d, &m, &l[0], &l[1], &l[2], &l[3], &l[4], &l[5], &x, &y, &t, &z};
  cr_assert_eq(ARRAY_LEN(values), ARRAY_LEN(a));
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &dl_t, a), FFI_OK);
  ffi_call_plan *plan = ffi_call_plan_alloc(&cif);
  cr_assert_not_null(plan);
  struct dl want = mixed(c, d, m, l[0], l[1], l[2], l[3], l[4], l[5], x, y, t, z), by_plan, by_call;
  memset(&by_plan, 0xa5, sizeof by_plan);
  memset(&by_call, 0x5a, sizeof by_call);
  ffi_call_plan_invoke(plan, FFI_FN(mixed), &by_plan, values);
  ffi_call(&cif, FFI_FN(mixed), &by_call, values);
  cr_assert(by_plan.d == want.d && by_plan.l == want.l, "plan: {%g, %ld}, compiled call: {%g, %ld}", by_plan.d,
            by_plan.l, want.d, want.l);
  cr_assert(by_call.d == want.d && by_call.l == want.l, "ffi_call: {%g, %ld}, compiled call: {%g, %ld}", by_call.d,
            by_call.l, want.d, want.l);
  ffi_call_plan_free(plan);
}

static long gp6(long a, long b, long c, long d, long e, long f) { return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f; }

static ffi_call_plan *shared_plan;

static void *invoke_many(void *arg)
{
  long base = (long)(intptr_t)arg;
  for (long k = 0; k < 5000; k++) {
    long v[6];
    void *p[6];
    for (int i = 0; i < 6; i++) {
      v[i] = base + k + i;
      p[i] = &v[i];
    }
    ffi_arg r;
    ffi_call_plan_invoke(shared_plan, FFI_FN(gp6), &r, p);
    if ((long)r != gp6(v[0], v[1], v[2], v[3], v[4], v[5])) return (void *)1;
  }
  return NULL;
}

Test(plans, shared_across_threads)
{
  static ffi_type *a[6] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong,
                           &ffi_type_slong, &ffi_type_slong, &ffi_type_slong};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_slong, a), FFI_OK);
  shared_plan = ffi_call_plan_alloc(&cif);
  pthread_t t[8];
  for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, invoke_many, (void *)(intptr_t)(i * 100000));
  for (int i = 0; i < 8; i++) {
    void *r;
    pthread_join(t[i], &r);
    cr_assert_null(r);
  }
  ffi_call_plan_free(shared_plan);
}

/* ffi_call_plan_size(3) (man/ffi_call_plan_alloc.3): the number of bytes
   allocated for the plan, 0 for NULL.  In ffix a plan is a handle on the
   library's shared plan and the size is the handle's, "8 bytes on x86-64,
   not of the shared plan" (NOTES).  So it is the same for every
   signature -- a plan with no arguments, one of 2, one of 20 mixed ones
   with a struct result, one made from a failed or a NULL cif -- where the
   size of the shared plan, of the cif or of anything per-argument would
   vary, and on x86-64 it is the man page's 8.  */
Test(plans, size_and_free)
{
  ffi_type *e[] = {&ffi_type_double, &ffi_type_sint8, &ffi_type_longdouble, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  ffi_type *many[20];
  for (size_t i = 0; i < ARRAY_LEN(many); i++)
    many[i] = i % 4 == 0 ? &ffi_type_double : i % 4 == 1 ? &s : i % 4 == 2 ? &ffi_type_sint32 : &ffi_type_longdouble;
  ffi_type *two[] = {&ffi_type_uint64, &ffi_type_uint64};
  ffi_type bad = {3, 4, FFI_TYPE_SINT32, NULL};
  ffi_type *bad_args[] = {&bad};
  ffi_cif cif0, cif2, cif20, cif_bad;
  cr_assert_eq(ffi_prep_cif(&cif0, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&cif2, FFI_DEFAULT_ABI, ARRAY_LEN(two), &ffi_type_uint64, two), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&cif20, FFI_DEFAULT_ABI, ARRAY_LEN(many), &s, many), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&cif_bad, FFI_DEFAULT_ABI, ARRAY_LEN(bad_args), &ffi_type_void, bad_args), FFI_BAD_TYPEDEF);
  ffi_call_plan *plans[] = {ffi_call_plan_alloc(&cif0), ffi_call_plan_alloc(&cif2), ffi_call_plan_alloc(&cif20),
                            ffi_call_plan_alloc(&cif2), ffi_call_plan_alloc(&cif_bad), ffi_call_plan_alloc(NULL)};
  for (size_t i = 0; i < ARRAY_LEN(plans); i++) cr_assert_not_null(plans[i], "plan %zu: NULL only when out of memory", i);
  size_t size = ffi_call_plan_size(plans[0]);
#if defined(__x86_64__)
  cr_assert_eq(size, 8, "the handle is 8 bytes on x86-64 (ffi_call_plan_alloc(3)), not %zu", size);
#else
  /* The man page gives no number elsewhere; a handle holds at least the
     pointer to its shared plan.  */
  cr_assert_geq(size, sizeof(void *), "a handle of %zu bytes cannot hold a pointer to its plan", size);
#endif
  for (size_t i = 1; i < ARRAY_LEN(plans); i++)
    cr_assert_eq(ffi_call_plan_size(plans[i]), size,
                 "plan %zu is %zu bytes, plan 0 %zu: a handle's size does not depend on its signature", i,
                 ffi_call_plan_size(plans[i]), size);
  cr_assert_eq(ffi_call_plan_size(NULL), 0);
  for (size_t i = 0; i < ARRAY_LEN(plans); i++) ffi_call_plan_free(plans[i]);
  ffi_call_plan_free(NULL);
}

Test(plans, plan_of_a_failed_cif_stops_when_invoked, .signal = SIGABRT)
{
  ffi_cif cif;
  ffi_type bad = {3, 4, FFI_TYPE_SINT32, NULL};
  ffi_type *a[] = {&bad};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, a), FFI_BAD_TYPEDEF);
  ffi_call_plan *plan = ffi_call_plan_alloc(&cif);
  cr_assert_not_null(plan, "NULL only when out of memory");
  ffi_call_plan_invoke(plan, FFI_FN(gp6), NULL, NULL);
}
