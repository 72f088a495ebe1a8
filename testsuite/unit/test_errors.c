/* test_errors.c -- every ffi_status a malformed description gets, and that
   nothing is written through a bad description.  */
#include <criterion/criterion.h>
#include <ffi.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "unit.h"

static ffi_status prep1(ffi_type *arg)
{
  ffi_cif cif;
  ffi_type *a[] = {arg};
  return ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a);
}

Test(errors, abi_out_of_range)
{
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_FIRST_ABI, 0, &ffi_type_void, NULL), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_LAST_ABI, 0, &ffi_type_void, NULL), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_cif(&cif, (ffi_abi)0, 0, &ffi_type_void, NULL), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_cif(&cif, (ffi_abi)-1, 0, &ffi_type_void, NULL), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_cif(&cif, (ffi_abi)1000, 0, &ffi_type_void, NULL), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_OK);
}

Test(errors, null_pointers)
{
  ffi_cif cif;
  ffi_type *a[] = {NULL};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, NULL, NULL), FFI_BAD_TYPEDEF);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, NULL), FFI_BAD_TYPEDEF);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, a), FFI_BAD_TYPEDEF);
  cr_assert_eq(ffi_prep_cif(NULL, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_BAD_TYPEDEF);
}

Test(errors, struct_without_elements)
{
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, NULL};
  cr_assert_eq(prep1(&s), FFI_BAD_TYPEDEF);
  ffi_type *none[] = {NULL};
  ffi_type empty = {0, 0, FFI_TYPE_STRUCT, none};
  cr_assert_eq(prep1(&empty), FFI_BAD_TYPEDEF, "a zero-sized struct");
  ffi_type sized = {8, 8, FFI_TYPE_STRUCT, NULL};
  cr_assert_eq(prep1(&sized), FFI_BAD_TYPEDEF);
}

Test(errors, cycles)
{
  ffi_type *e[] = {NULL, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  e[0] = &s;
  cr_assert_eq(prep1(&s), FFI_BAD_TYPEDEF);
  /* A cycle through a struct whose size is already set. */
  ffi_type *e2[] = {NULL, NULL};
  ffi_type inner = {8, 8, FFI_TYPE_STRUCT, e2};
  ffi_type *e1[] = {&inner, NULL};
  ffi_type outer = {8, 8, FFI_TYPE_STRUCT, e1};
  e2[0] = &outer;
  cr_assert_eq(prep1(&outer), FFI_BAD_TYPEDEF);
}

Test(errors, sizes_that_overflow)
{
  ffi_type huge = {SIZE_MAX / 2, 8, FFI_TYPE_STRUCT, (ffi_type *[]){&ffi_type_sint64, NULL}};
  ffi_type *e[] = {&huge, &huge, &huge, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  cr_assert_eq(prep1(&huge), FFI_BAD_TYPEDEF);
  cr_assert_eq(prep1(&s), FFI_BAD_TYPEDEF);
  /* Legal but too large to pass on the stack: refused, not a crash. */
  ffi_type big = {64u << 20, 8, FFI_TYPE_STRUCT, (ffi_type *[]){&ffi_type_sint64, NULL}};
  cr_assert_eq(prep1(&big), FFI_BAD_TYPEDEF);
}

Test(errors, unknown_type_codes_and_bad_scalars)
{
  ffi_type unknown = {4, 4, 99, NULL};
  cr_assert_eq(prep1(&unknown), FFI_BAD_TYPEDEF);
  ffi_type last = {4, 4, FFI_TYPE_LAST + 1, NULL};
  cr_assert_eq(prep1(&last), FFI_BAD_TYPEDEF);
  ffi_type wrong_size = {3, 4, FFI_TYPE_SINT32, NULL};
  cr_assert_eq(prep1(&wrong_size), FFI_BAD_TYPEDEF);
  ffi_type bad_align = {4, 3, FFI_TYPE_SINT32, NULL};
  cr_assert_eq(prep1(&bad_align), FFI_BAD_TYPEDEF);
  ffi_type zero_void = ffi_type_void;
  zero_void.size = 0;
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &zero_void, NULL), FFI_BAD_TYPEDEF);
}

/* ffi_prep_cif recognises a scalar by comparing its size, alignment and
   code with its code's predefined type, found by the code's low bits: a
   code beyond them that shares those bits with a scalar's, with that
   scalar's size and alignment, is refused all the same.  */
Test(errors, unknown_codes_that_share_low_bits_with_a_scalar)
{
  ffi_type d = {8, 8, FFI_TYPE_DOUBLE + 32, NULL};
  cr_assert_eq(prep1(&d), FFI_BAD_TYPEDEF);
  ffi_type i = {4, 4, FFI_TYPE_SINT32 + 64, NULL};
  cr_assert_eq(prep1(&i), FFI_BAD_TYPEDEF);
  ffi_type v = {1, 1, FFI_TYPE_VOID + 32, NULL};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &v, NULL), FFI_BAD_TYPEDEF);
  cr_assert_eq(cif.flags, 0);
}

static double halve(double x) { return x / 2; }

/* A scalar whose alignment differs from its predefined type's (a power
   of two: i386 lays double out at 4) is not found that way, but prepared
   the general way, and called like the predefined one.  */
Test(errors, scalar_of_another_alignment)
{
  ffi_type d4 = {8, 4, FFI_TYPE_DOUBLE, NULL};
  ffi_type *a[] = {&d4};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &d4, a), FFI_OK);
  double x = 7.25, r = 0;
  void *v[] = {&x};
  ffi_call(&cif, FFI_FN(halve), &r, v);
  cr_assert_eq(r, halve(x));
  ffi_type d3 = {8, 3, FFI_TYPE_DOUBLE, NULL};
  cr_assert_eq(prep1(&d3), FFI_BAD_TYPEDEF);
}

/* A type with a bad alignment is refused even when a well-formed type of
   the same code was prepared before (ffi_prep_cif's quick path finds
   signatures it has seen).  */
Test(errors, bad_alignment_after_a_good_one)
{
  cr_assert_eq(prep1(&ffi_type_sint32), FFI_OK);
  ffi_type bad = {4, 3, FFI_TYPE_SINT32, NULL};
  cr_assert_eq(prep1(&bad), FFI_BAD_TYPEDEF);
  cr_assert_eq(prep1(&bad), FFI_BAD_TYPEDEF);
  ffi_type big = {8, 4, FFI_TYPE_SINT32, NULL};
  cr_assert_eq(prep1(&big), FFI_BAD_TYPEDEF);
}

Test(errors, vectors)
{
#if defined(X86_64)
  /* x86-64 System V passes vectors of up to 16 bytes (SSE), no wider. */
  ffi_type *eight[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float,
                       &ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type v32 = {0, 0, FFI_TYPE_VECTOR, eight};
  cr_assert_eq(prep1(&v32), FFI_BAD_TYPEDEF, "32-byte vectors are not passed on System V");
#endif
  /* Malformed vectors, refused on every target: lanes of two types, no
     lanes, lanes that are not numbers.  */
  ffi_type *mixed[] = {&ffi_type_float, &ffi_type_sint32, NULL};
  ffi_type vm = {0, 0, FFI_TYPE_VECTOR, mixed};
  cr_assert_eq(prep1(&vm), FFI_BAD_TYPEDEF);
  ffi_type *none[] = {NULL};
  ffi_type ve = {0, 0, FFI_TYPE_VECTOR, none};
  cr_assert_eq(prep1(&ve), FFI_BAD_TYPEDEF);
  ffi_type *ptrs[] = {&ffi_type_pointer, &ffi_type_pointer, NULL};
  ffi_type vp = {0, 0, FFI_TYPE_VECTOR, ptrs};
  cr_assert_eq(prep1(&vp), FFI_BAD_TYPEDEF);
}

Test(errors, complex_of_a_struct)
{
  ffi_type *e[] = {&ffi_type_sint32, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  ffi_type *parts[] = {&s, NULL};
  ffi_type c = {0, 0, FFI_TYPE_COMPLEX, parts};
  cr_assert_eq(prep1(&c), FFI_BAD_TYPEDEF);
  ffi_type cnull = {0, 0, FFI_TYPE_COMPLEX, NULL};
  cr_assert_eq(prep1(&cnull), FFI_BAD_TYPEDEF);
}

Test(errors, variadic_arguments)
{
  ffi_cif cif;
  ffi_type *f[] = {&ffi_type_pointer, &ffi_type_float};
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, f), FFI_BAD_ARGTYPE);
  ffi_type *s[] = {&ffi_type_pointer, &ffi_type_sint16};
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, s), FFI_BAD_ARGTYPE);
  ffi_type *fixed_float[] = {&ffi_type_float, &ffi_type_double};
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, fixed_float), FFI_OK);
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 2, &ffi_type_void, fixed_float), FFI_BAD_ARGTYPE);
}

Test(errors, struct_offsets)
{
  size_t off[4];
  ffi_type *e[] = {&ffi_type_sint8, &ffi_type_double, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  struct { int8_t c; double d; } c_struct;
  cr_assert_eq(ffi_get_struct_offsets(FFI_LAST_ABI, &s, off), FFI_BAD_ABI);
  cr_assert_eq(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &ffi_type_sint32, off), FFI_BAD_TYPEDEF);
  cr_assert_eq(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &s, NULL), FFI_OK, "offsets may be NULL: the struct is laid out");
  cr_assert_eq(s.size, sizeof c_struct);
  cr_assert_eq(s.alignment, _Alignof(__typeof__(c_struct)));
}

/* A cif whose preparation failed cannot be called: ffi_call stops the
   program with a message instead of running with garbage.  */
/* What a call of a bad cif must never reach: it exits rather than abort,
   so that the tests below tell ffix's stop from a call made.  */
static void must_not_be_called(void) { _exit(7); }

Test(errors, calling_a_failed_cif_aborts, .signal = SIGABRT)
{
  ffi_cif cif;
  ffi_type bad = {3, 4, FFI_TYPE_SINT32, NULL};
  ffi_type *a[] = {&bad};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_BAD_TYPEDEF);
  ffi_call(&cif, FFI_FN(must_not_be_called), NULL, NULL);
}

/* A cif whose flags were overwritten: an index past every plan handed
   out, within the table's reservation (on Windows its pages past the
   last plan are not even readable), then one past the reservation.  Both
   stop with the message; neither faults nor calls.  */
static void call_with_flags(unsigned delta)
{
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_OK);
  cif.flags += delta;
  ffi_call(&cif, FFI_FN(must_not_be_called), NULL, NULL);
}

Test(errors, calling_a_cif_with_flags_past_the_plans_aborts, .signal = SIGABRT) { call_with_flags(1u << 20); }

Test(errors, calling_a_cif_with_garbage_flags_aborts, .signal = SIGABRT) { call_with_flags(0xfffffff0u); }

/* ffi_prep_cif's found path (a signature prepared before, found again
   without the general way): each type is checked again at every call, and
   a type changed since is never taken for the old one.  */
struct lll { long a, b, c; };
struct dld { double a; long b; double c; };
static long sum3(struct lll s) { return s.a + 2 * s.b + 3 * s.c; }
static double sumd(struct dld s) { return s.a + 2 * s.b + 3 * s.c; }

Test(errors, found_signature_checks_its_types_again)
{
  ffi_cif cif;
  ffi_type mine = {sizeof(int), _Alignof(int), FFI_TYPE_SINT32, NULL};
  ffi_type *a[] = {&ffi_type_sint64, &mine};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_void, a), FFI_OK);
  mine.size = 8;  /* no longer an int32_t */
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_void, a), FFI_BAD_TYPEDEF);
  mine.size = sizeof(int);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_void, a), FFI_OK);
  a[1] = NULL;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_void, a), FFI_BAD_TYPEDEF);
  /* A variadic float, found fixed before.  */
  ffi_type *v[] = {&ffi_type_sint, &ffi_type_float};
  for (int i = 0; i < 3; i++)
    cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 2, 2, &ffi_type_void, v), FFI_OK);
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, v), FFI_BAD_ARGTYPE);
}

Test(errors, found_struct_changed_between_calls)
{
  ffi_cif cif;
  ffi_type *e[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  ffi_type *a[] = {&s};
  struct lll in = {5, -7, 1000};
  void *av[] = {&in};
  ffi_arg r = 0;
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_slong, a), FFI_OK);
    ffi_call(&cif, FFI_FN(sum3), &r, av);
    cr_assert_eq((long)r, sum3(in));
  }
  unsigned long plan_of_longs = cif.flags;
  /* The same ffi_type object, now {double, long, double}: the same size,
     a different classification (SSE, INTEGER, SSE on x86-64).  */
  e[0] = e[2] = &ffi_type_double;
  struct dld m = {0.5, -3, 2.25};
  av[0] = &m;
  double d = 0;
  for (int i = 0; i < 3; i++) {
    cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, a), FFI_OK);
    cr_assert_neq(cif.flags, plan_of_longs);
    ffi_call(&cif, FFI_FN(sumd), &d, av);
    cr_assert_eq(d, sumd(m));
  }
  /* A member that is no type any more.  */
  e[1] = NULL;
  e[2] = NULL;
  cr_assert_eq(s.size, 24);
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, a), FFI_OK);  /* now {double}, trusted size */
  ffi_type bad = {3, 4, FFI_TYPE_SINT32, NULL};
  e[1] = &bad;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_double, a), FFI_BAD_TYPEDEF);
}
