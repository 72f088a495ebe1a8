/* test_layout.c -- struct layout as the C compiler does it: sizes,
   alignments and member offsets, nested structs, arrays as repeated
   elements, complex and vector types, and sharing of plans.  */
#include <complex.h>
#include <criterion/criterion.h>
#include <ffi.h>
#include <stddef.h>

#include "unit.h"

#define ELEMS(...) ((ffi_type *[]){__VA_ARGS__, NULL})

struct inner { char c; double d; };
struct outer { short s; struct inner in; char tail[3]; };
struct withcomplex { float f; double _Complex z; };

Test(layout, nested_struct_with_array)
{
  ffi_type in = {0, 0, FFI_TYPE_STRUCT, ELEMS(&ffi_type_schar, &ffi_type_double)};
  ffi_type out = {0, 0, FFI_TYPE_STRUCT,
                  ELEMS(&ffi_type_sshort, &in, &ffi_type_schar, &ffi_type_schar, &ffi_type_schar)};
  size_t off[5];
  cr_assert_eq(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &out, off), FFI_OK);
  cr_assert_eq(out.size, sizeof(struct outer));
  cr_assert_eq(out.alignment, _Alignof(struct outer));
  cr_assert_eq(in.size, sizeof(struct inner));
  cr_assert_eq(off[0], offsetof(struct outer, s));
  cr_assert_eq(off[1], offsetof(struct outer, in));
  cr_assert_eq(off[2], offsetof(struct outer, tail));
  cr_assert_eq(off[4], offsetof(struct outer, tail) + 2);
}

Test(layout, prep_cif_lays_out_in_place)
{
  ffi_type in = {0, 0, FFI_TYPE_STRUCT, ELEMS(&ffi_type_schar, &ffi_type_double)};
  ffi_type *a[] = {&in};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(in.size, 16);
  cr_assert_eq(in.alignment, 8);
  cr_assert_eq(cif.nargs, 1);
  cr_assert_eq(cif.arg_types, a);
  cr_assert_eq(cif.rtype, &ffi_type_void);
  cr_assert_eq(cif.abi, FFI_DEFAULT_ABI);
}

Test(layout, complex_members)
{
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, ELEMS(&ffi_type_float, &ffi_type_complex_double)};
  size_t off[2];
  cr_assert_eq(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &s, off), FFI_OK);
  cr_assert_eq(s.size, sizeof(struct withcomplex));
  cr_assert_eq(off[1], offsetof(struct withcomplex, z));
  cr_assert_eq(ffi_type_complex_longdouble.size, sizeof(long double _Complex));
}

Test(layout, vector_sizes_round_to_powers_of_two)
{
  ffi_type v3 = {0, 0, FFI_TYPE_VECTOR, ELEMS(&ffi_type_float, &ffi_type_float, &ffi_type_float)};
  ffi_type *a[] = {&v3};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(v3.size, 16);
  cr_assert_eq(v3.alignment, 16);
  ffi_type v2 = {0, 0, FFI_TYPE_VECTOR, ELEMS(&ffi_type_uint8, &ffi_type_uint8)};
  a[0] = &v2;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(v2.size, 2);
  cr_assert_eq(v2.alignment, 2);
}

Test(layout, predefined_types)
{
  cr_assert_eq(sizeof(ffi_type), 24);
  cr_assert_eq(ffi_type_longdouble.size, 16);
  cr_assert_eq(ffi_type_longdouble.alignment, 16);
  cr_assert_eq(ffi_type_sint128.size, 16);
  cr_assert_eq(ffi_type_uint128.type, FFI_TYPE_UINT128);
  cr_assert_eq(ffi_type_pointer.size, sizeof(void *));
  cr_assert_eq(ffi_type_void.size, 1);
  cr_assert_eq(ffi_type_complex_float.elements[0], &ffi_type_float);
  cr_assert_eq(ffi_get_closure_size(), 56);
  cr_assert_str_eq(ffi_get_version(), "3.8.0");
  cr_assert_eq(ffi_get_version_number(), 30800);
  cr_assert_eq(ffi_get_default_abi(), FFI_UNIX64);
}

/* Identical signatures share one plan (memory is bounded by distinct
   signatures); different ones do not.  The plan index is in cif.flags.  */
Test(layout, identical_signatures_share_a_plan)
{
  ffi_cif c1, c2, c3;
  ffi_type *a[] = {&ffi_type_sint32, &ffi_type_double};
  ffi_type *b[] = {&ffi_type_sint32, &ffi_type_sint32};
  cr_assert_eq(ffi_prep_cif(&c1, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_sint32, a), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&c2, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_sint32, a), FFI_OK);
  cr_assert_eq(ffi_prep_cif(&c3, FFI_DEFAULT_ABI, ARRAY_LEN(b), &ffi_type_sint32, b), FFI_OK);
  cr_assert_eq(c1.flags, c2.flags);
  cr_assert_neq(c1.flags, c3.flags);
  cr_assert_neq(c1.flags, 0);
  unsigned first = 0;
  for (int i = 0; i < 10000; i++) {
    ffi_type s = {0, 0, FFI_TYPE_STRUCT, ELEMS(&ffi_type_sint32, &ffi_type_double)};
    ffi_type *sa[] = {&s};
    cr_assert_eq(ffi_prep_cif(&c3, FFI_DEFAULT_ABI, ARRAY_LEN(sa), &ffi_type_void, sa), FFI_OK);
    if (i == 0) first = c3.flags;
    cr_assert_eq(c3.flags, first, "a fresh struct type of the same shape reuses the plan");
  }
}

Test(layout, cif_bytes_counts_stack_arguments)
{
  ffi_type *a[8];
  for (int i = 0; i < (int)ARRAY_LEN(a); i++) a[i] = &ffi_type_sint64;
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(cif.bytes, 16);
}
