/* test_why.c -- FFIX_DEBUG: each refusal of test_errors.c's kinds says
   why, in one line on stderr; without the variable nothing is printed.
   Each test runs in a process of its own, and the library reads the
   variable at the first refusal, so each test sets it (or not) first
   (in its body: the stand-in for Criterion has no .init).  */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static char said[4096];

/* Run CALL with stderr going to a file, and keep what it wrote in SAID. */
#define SAYS(call)                                                                                 \
  __extension__({                                                                                  \
    fflush(stderr);                                                                                \
    FILE *f_ = tmpfile();                                                                          \
    cr_assert_not_null(f_);                                                                        \
    int saved_ = dup(2);                                                                           \
    dup2(fileno(f_), 2);                                                                           \
    __typeof__(call) r_ = (call);                                                                  \
    dup2(saved_, 2);                                                                               \
    close(saved_);                                                                                 \
    rewind(f_);                                                                                    \
    size_t n_ = fread(said, 1, sizeof said - 1, f_);                                               \
    said[n_] = 0;                                                                                  \
    fclose(f_);                                                                                    \
    r_;                                                                                            \
  })

#define EXPECT(call, status, line)                                                                 \
  do {                                                                                             \
    cr_assert_eq(SAYS(call), status);                                                              \
    cr_assert_str_eq(said, line "\n");                                                             \
  } while (0)

static void debug_on(void) { setenv("FFIX_DEBUG", "1", 1); }

static ffi_status prep1(ffi_type *arg)
{
  ffi_cif cif;
  ffi_type *a[] = {&ffi_type_sint32, arg};
  return ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_void, a);
}

#define PC "ffix: ffi_prep_cif: FFI_BAD_TYPEDEF: "

Test(why, abi_and_null_pointers)
{
  debug_on();
  ffi_cif cif;
  ffi_type *a[] = {NULL};
  EXPECT(ffi_prep_cif(&cif, (ffi_abi)1000, 0, &ffi_type_void, NULL), FFI_BAD_ABI,
         "ffix: ffi_prep_cif: FFI_BAD_ABI: ABI 1000 not supported on this target");
  EXPECT(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, NULL, NULL), FFI_BAD_TYPEDEF, PC "return type: the type is NULL");
  EXPECT(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_void, NULL), FFI_BAD_TYPEDEF,
         PC "atypes is NULL with 3 arguments");
  EXPECT(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, a), FFI_BAD_TYPEDEF, PC "argument 0: the type is NULL");
  EXPECT(ffi_prep_cif(NULL, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_BAD_TYPEDEF, PC "the cif is NULL");
}

Test(why, element_lists)
{
  debug_on();
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, NULL};
  EXPECT(prep1(&s), FFI_BAD_TYPEDEF, PC "argument 1: NULL element list");
  ffi_type *none[] = {NULL};
  ffi_type empty = {0, 0, FFI_TYPE_STRUCT, none};
  EXPECT(prep1(&empty), FFI_BAD_TYPEDEF, PC "argument 1: empty element list");
  /* The path into nested structs: argument 1 -> elements[1] -> elements[0]. */
  ffi_type *inner_e[] = {&empty, NULL};
  ffi_type inner = {0, 0, FFI_TYPE_STRUCT, inner_e};
  ffi_type *outer_e[] = {&ffi_type_double, &inner, NULL};
  ffi_type outer = {0, 0, FFI_TYPE_STRUCT, outer_e};
  EXPECT(prep1(&outer), FFI_BAD_TYPEDEF, PC "argument 1 -> elements[1] -> elements[0]: empty element list");
}

Test(why, cycles)
{
  debug_on();
  ffi_type *e[] = {&ffi_type_sint8, NULL, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  e[1] = &s;
  EXPECT(prep1(&s), FFI_BAD_TYPEDEF, PC "argument 1 -> elements[1]: cycle back to argument 1");
  /* Through a struct whose size is already set, one level down. */
  ffi_type *e2[] = {NULL, NULL};
  ffi_type inner = {8, 8, FFI_TYPE_STRUCT, e2};
  ffi_type *e1[] = {&inner, NULL};
  ffi_type outer = {8, 8, FFI_TYPE_STRUCT, e1};
  e2[0] = &inner;
  EXPECT(prep1(&outer), FFI_BAD_TYPEDEF,
         PC "argument 1 -> elements[0] -> elements[0]: cycle back to argument 1 -> elements[0]");
  /* No cycle, just too deep: 66 distinct structs, each holding the next. */
  enum { N = 66 };
  ffi_type chain[N];
  ffi_type *chain_e[N][2];
  for (int i = 0; i < N; i++) {
    chain_e[i][0] = i + 1 < N ? &chain[i + 1] : &ffi_type_sint8;
    chain_e[i][1] = NULL;
    chain[i] = (ffi_type){0, 0, FFI_TYPE_STRUCT, chain_e[i]};
  }
  char want[2048] = PC "argument 1";
  for (int i = 0; i < 65; i++) strcat(want, " -> elements[0]");
  strcat(want, ": nested deeper than 64 levels\n");
  cr_assert_eq(SAYS(prep1(&chain[0])), FFI_BAD_TYPEDEF);
  cr_assert_str_eq(said, want);
}

Test(why, sizes)
{
  debug_on();
  ffi_type huge = {SIZE_MAX / 2, 8, FFI_TYPE_STRUCT, (ffi_type *[]){&ffi_type_sint64, NULL}};
  EXPECT(prep1(&huge), FFI_BAD_TYPEDEF, PC "argument 1: size 9223372036854775807 overflows the limit of 1073741824");
  ffi_type part = {1u << 29, 8, FFI_TYPE_STRUCT, (ffi_type *[]){&ffi_type_sint64, NULL}};
  ffi_type *e[] = {&part, &part, &part, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  EXPECT(prep1(&s), FFI_BAD_TYPEDEF, PC "argument 1: size overflows the limit of 1073741824 at elements[2]");
  ffi_type big = {64u << 20, 8, FFI_TYPE_STRUCT, (ffi_type *[]){&ffi_type_sint64, NULL}};
  EXPECT(prep1(&big), FFI_BAD_TYPEDEF, PC "the arguments need more than 1048576 bytes of stack");
}

Test(why, scalars)
{
  debug_on();
  ffi_type unknown = {4, 4, 200, NULL};
  EXPECT(prep1(&unknown), FFI_BAD_TYPEDEF, PC "argument 1: unknown type code 200");
  ffi_type wrong_size = {3, 4, FFI_TYPE_SINT32, NULL};
  EXPECT(prep1(&wrong_size), FFI_BAD_TYPEDEF, PC "argument 1: size 3 but type code 10 has size 4");
  ffi_type bad_align = {4, 3, FFI_TYPE_SINT32, NULL};
  EXPECT(prep1(&bad_align), FFI_BAD_TYPEDEF, PC "argument 1: alignment 3 is not a power of two");
  ffi_type zero_void = ffi_type_void;
  zero_void.size = 0;
  ffi_cif cif;
  EXPECT(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &zero_void, NULL), FFI_BAD_TYPEDEF, PC "return type: void of size 0");
}

Test(why, vectors_and_complex)
{
  debug_on();
  ffi_type *mixed[] = {&ffi_type_float, &ffi_type_sint32, NULL};
  ffi_type vm = {0, 0, FFI_TYPE_VECTOR, mixed};
  EXPECT(prep1(&vm), FFI_BAD_TYPEDEF, PC "argument 1: vector lane 1 has type code 10, lane 0 has 2");
  ffi_type *ptrs[] = {&ffi_type_pointer, NULL};
  ffi_type vp = {0, 0, FFI_TYPE_VECTOR, ptrs};
  EXPECT(prep1(&vp), FFI_BAD_TYPEDEF, PC "argument 1: vector lane of type code 14 is not a number");
  ffi_type *e[] = {&ffi_type_sint32, NULL};
  ffi_type s = {0, 0, FFI_TYPE_STRUCT, e};
  ffi_type *parts[] = {&s, NULL};
  ffi_type c = {0, 0, FFI_TYPE_COMPLEX, parts};
  EXPECT(prep1(&c), FFI_BAD_TYPEDEF, PC "argument 1: complex part of type code 13 is not a floating or integer type");
  ffi_type *fparts[] = {&ffi_type_float, NULL};
  ffi_type odd = {12, 4, FFI_TYPE_COMPLEX, fparts};
  EXPECT(prep1(&odd), FFI_BAD_TYPEDEF, PC "argument 1: complex size 12 is not twice its part's (8)");
  ffi_type *lanes[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type short_vec = {8, 16, FFI_TYPE_VECTOR, lanes};
  EXPECT(prep1(&short_vec), FFI_BAD_TYPEDEF,
         PC "argument 1: vector declared with size 8 and alignment 16, its lanes make 16 and 16");
}

Test(why, variadic)
{
  debug_on();
  ffi_cif cif;
  ffi_type *f[] = {&ffi_type_pointer, &ffi_type_float};
  EXPECT(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, f), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_cif_var: FFI_BAD_ARGTYPE: argument 1: variadic float must be promoted to double");
  ffi_type *s[] = {&ffi_type_pointer, &ffi_type_sint16};
  EXPECT(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, s), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_cif_var: FFI_BAD_ARGTYPE: argument 1: variadic integer of size 2 must be promoted to int");
  ffi_type *d[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double};
  EXPECT(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 5, 3, &ffi_type_void, d), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_cif_var: FFI_BAD_ARGTYPE: nfixed 5 > ntotal 3");
  cr_assert_eq(SAYS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 3, &ffi_type_void, d)), FFI_OK);
  cr_assert_str_eq(said, "", "FFI_OK says nothing");
}

Test(why, offsets_and_closures)
{
  debug_on();
  size_t off[2];
  EXPECT(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &ffi_type_sint32, off), FFI_BAD_TYPEDEF,
         "ffix: ffi_get_struct_offsets: FFI_BAD_TYPEDEF: struct_type: type code 10 is not a struct");
  EXPECT(ffi_get_struct_offsets((ffi_abi)99, &ffi_type_sint32, off), FFI_BAD_ABI,
         "ffix: ffi_get_struct_offsets: FFI_BAD_ABI: ABI 99 not supported on this target");
  ffi_cif cif;
  memset(&cif, 0, sizeof cif);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_not_null(cl);
  EXPECT(ffi_prep_closure_loc(cl, &cif, NULL, NULL, code), FFI_BAD_ABI,
         "ffix: ffi_prep_closure_loc: FFI_BAD_ABI: the cif was not prepared successfully");
  EXPECT(ffi_prep_closure_loc(cl, NULL, NULL, NULL, code), FFI_BAD_ABI,
         "ffix: ffi_prep_closure_loc: FFI_BAD_ABI: the cif is NULL");
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_void, NULL), FFI_OK);
  EXPECT(ffi_prep_closure_loc(NULL, &cif, NULL, NULL, code), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_closure_loc: FFI_BAD_ARGTYPE: the closure is NULL");
  EXPECT(ffi_prep_raw_closure_loc(NULL, &cif, NULL, NULL, code), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_raw_closure_loc: FFI_BAD_ARGTYPE: the closure is NULL");
  EXPECT(ffi_prep_go_closure(NULL, &cif, NULL), FFI_BAD_ARGTYPE,
         "ffix: ffi_prep_go_closure: FFI_BAD_ARGTYPE: the closure is NULL");

  /* A closure's part of the plan is built from the cif's types when the
     first closure of the signature is prepared: types changed since
     ffi_prep_cif are refused, not used with the old plan.  */
  ffi_type *was_ints[] = {&ffi_type_sint32, &ffi_type_sint32, NULL};
  ffi_type pair = {0, 0, FFI_TYPE_STRUCT, was_ints};
  ffi_type *args[] = {&pair};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args), FFI_OK);
  was_ints[0] = was_ints[1] = &ffi_type_float;
  EXPECT(ffi_prep_closure_loc(cl, &cif, NULL, NULL, code), FFI_BAD_TYPEDEF,
         "ffix: ffi_prep_closure_loc: FFI_BAD_TYPEDEF: the cif's types changed since ffi_prep_cif");
  EXPECT(ffi_prep_go_closure((ffi_go_closure *)cl, &cif, NULL), FFI_BAD_TYPEDEF,
         "ffix: ffi_prep_go_closure: FFI_BAD_TYPEDEF: the cif's types changed since ffi_prep_cif");
  was_ints[0] = was_ints[1] = &ffi_type_sint32;
  cr_assert_eq(SAYS(ffi_prep_closure_loc(cl, &cif, NULL, NULL, code)), FFI_OK);
  cr_assert_str_eq(said, "", "the types as they were: FFI_OK, and nothing said");
  ffi_closure_free(cl);
}

/* Without FFIX_DEBUG (or with FFIX_DEBUG=0) the same refusals say nothing. */

static void refusals_are_silent(void)
{
  ffi_cif cif;
  ffi_type unknown = {4, 4, 200, NULL};
  cr_assert_eq(SAYS(prep1(&unknown)), FFI_BAD_TYPEDEF);
  cr_assert_str_eq(said, "");
  cr_assert_eq(SAYS(ffi_prep_cif(&cif, (ffi_abi)1000, 0, &ffi_type_void, NULL)), FFI_BAD_ABI);
  cr_assert_str_eq(said, "");
  ffi_type *f[] = {&ffi_type_pointer, &ffi_type_float};
  cr_assert_eq(SAYS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, f)), FFI_BAD_ARGTYPE);
  cr_assert_str_eq(said, "");
  cr_assert_eq(SAYS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &ffi_type_sint32, NULL)), FFI_BAD_TYPEDEF);
  cr_assert_str_eq(said, "");
  /* Once read, the variable is not read again: setting it later changes nothing. */
  setenv("FFIX_DEBUG", "1", 1);
  cr_assert_eq(SAYS(prep1(&unknown)), FFI_BAD_TYPEDEF);
  cr_assert_str_eq(said, "");
}

Test(why, nothing_without_the_variable)
{
  unsetenv("FFIX_DEBUG");
  refusals_are_silent();
}

Test(why, nothing_with_zero)
{
  setenv("FFIX_DEBUG", "0", 1);
  refusals_are_silent();
}
