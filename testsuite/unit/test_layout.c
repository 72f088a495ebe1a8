/* test_layout.c -- struct layout as the C compiler does it: sizes,
   alignments and member offsets, nested structs, arrays as repeated
   elements, complex and vector types, and sharing of plans.  Expected
   values come from the compiler or the target's ffi.h; the few that are
   facts of one target (x86-64's closure size, its stack arguments) are
   checked on that target.  */
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
  cr_assert_eq(in.size, sizeof(struct inner));
  cr_assert_eq(in.alignment, _Alignof(struct inner));
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

/* Vector types are ffix's extension for x86-64 System V, passed in XMM
   registers (Win64 refuses them; other targets decide for themselves):
   laid out as the compiler's vectors of the next power-of-two size.  */
#if defined(X86_64)
typedef float v4sf __attribute__((vector_size(16)));
typedef unsigned char v2qi __attribute__((vector_size(2)));

Test(layout, vector_sizes_round_to_powers_of_two)
{
  ffi_type v3 = {0, 0, FFI_TYPE_VECTOR, ELEMS(&ffi_type_float, &ffi_type_float, &ffi_type_float)};
  ffi_type *a[] = {&v3};
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(v3.size, sizeof(v4sf), "three floats: the size of four");
  cr_assert_eq(v3.alignment, _Alignof(v4sf));
  ffi_type v2 = {0, 0, FFI_TYPE_VECTOR, ELEMS(&ffi_type_uint8, &ffi_type_uint8)};
  a[0] = &v2;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(v2.size, sizeof(v2qi));
  cr_assert_eq(v2.alignment, _Alignof(v2qi));
}
#endif

/* The predefined types against the compiler's types, and libffi's ABI
   facts of this target.  */
Test(layout, predefined_types)
{
  /* libffi's ffi_type on every 64-bit target: size_t, two unsigned
     shorts, a pointer.  */
  cr_assert_eq(sizeof(ffi_type), sizeof(void *) == 8 ? 24 : 12);
  cr_assert_eq(ffi_type_longdouble.size, sizeof(long double));
  cr_assert_eq(ffi_type_longdouble.alignment, _Alignof(long double));
#if defined(__x86_64__)
  /* x87 extended precision in 16 bytes (on Linux, and GNU's Win64). */
  cr_assert_eq(ffi_type_longdouble.size, 16);
  cr_assert_eq(ffi_type_longdouble.alignment, 16);
  cr_assert_eq(ffi_type_longdouble.type, FFI_TYPE_LONGDOUBLE);
#endif
#ifdef FFI_TARGET_HAS_INT128
  cr_assert_eq(ffi_type_sint128.size, sizeof(__int128));
  cr_assert_eq(ffi_type_sint128.alignment, _Alignof(__int128));
  cr_assert_eq(ffi_type_sint128.type, FFI_TYPE_SINT128);
  cr_assert_eq(ffi_type_uint128.size, sizeof(unsigned __int128));
  cr_assert_eq(ffi_type_uint128.type, FFI_TYPE_UINT128);
#endif
  cr_assert_eq(ffi_type_pointer.size, sizeof(void *));
  cr_assert_eq(ffi_type_void.size, 1);
  cr_assert_eq(ffi_type_complex_float.elements[0], &ffi_type_float);
  /* ffi_closure is libffi's: the trampoline (FFI_TRAMPOLINE_SIZE bytes,
     in a union with a pointer), then cif, fun and user_data.  Computed
     from the header's FFI_TRAMPOLINE_SIZE, so a library built with
     another, or a closure of another layout, is caught on any target.  */
  size_t tramp = (FFI_TRAMPOLINE_SIZE + sizeof(void *) - 1) / sizeof(void *) * sizeof(void *);
  cr_assert_eq(sizeof(ffi_closure), tramp + 3 * sizeof(void *));
  cr_assert_eq(ffi_get_closure_size(), tramp + 3 * sizeof(void *));
#if defined(__x86_64__)
  /* libffi's x86-64 values (both conventions). */
  cr_assert_eq(FFI_TRAMPOLINE_SIZE, 32);
  cr_assert_eq(ffi_get_closure_size(), 56);
#endif
  cr_assert_str_eq(ffi_get_version(), "3.8.0");
  cr_assert_eq(ffi_get_version_number(), 30800);
  cr_assert_eq(ffi_get_default_abi(), FFI_DEFAULT_ABI);
#if defined(X86_64)
  cr_assert_eq(ffi_get_default_abi(), FFI_UNIX64, "x86-64 Linux: System V");
#endif
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

/* cif->bytes: the bytes of stack arguments.  On x86-64 System V six
   INTEGER arguments go in registers, the seventh and eighth in 16 bytes
   of stack; other conventions have other numbers.  */
#if defined(X86_64)
Test(layout, cif_bytes_counts_stack_arguments)
{
  ffi_type *a[8];
  for (int i = 0; i < (int)ARRAY_LEN(a); i++) a[i] = &ffi_type_sint64;
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a), FFI_OK);
  cr_assert_eq(cif.bytes, 16);
}
#endif
