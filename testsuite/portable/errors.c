/* errors.c -- what the library reports for bad input, and the constants
   and sizes the target's ffi.h promises, with FFI_DEFAULT_ABI.  */
#include "tap.h"

static NOINLINE double twice(double x, int y) { return 2 * x + y; }

static void test_abis(void)
{
  ffi_cif cif;
  ffi_type *t[] = {&ffi_type_double, &ffi_type_sint};
  unsigned bad[] = {0, FFI_FIRST_ABI, FFI_LAST_ABI, FFI_LAST_ABI + 1, 99, 0xffffffffu};
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ffi_status s = ffi_prep_cif(&cif, (ffi_abi)bad[i], 2, &ffi_type_double, t);
    ok(s == FFI_BAD_ABI, "ffi_prep_cif with abi %u: FFI_BAD_ABI (status %d)", bad[i], (int)s);
  }
  size_t off[2];
  ok(ffi_get_struct_offsets((ffi_abi)99, &ffi_type_double, off) == FFI_BAD_ABI,
     "ffi_get_struct_offsets with abi 99: FFI_BAD_ABI");
#if defined(X86_WIN64)
  /* Both Windows ABIs prepare and call an ordinary function; they differ
     in long double only.  */
  ok(FFI_FIRST_ABI == 0 && FFI_WIN64 == 1 && FFI_GNUW64 == 2 && FFI_LAST_ABI == 3 && FFI_DEFAULT_ABI == FFI_GNUW64,
     "X86_WIN64 values: FFI_FIRST_ABI 0, FFI_WIN64 1, FFI_GNUW64 2, FFI_LAST_ABI 3, default FFI_GNUW64");
  ffi_abi abis[] = {FFI_WIN64, FFI_GNUW64};
  for (int i = 0; i < 2; i++) {
    double x = 1.25, r = 0;
    int y = -3;
    void *v[] = {&x, &y};
    ffi_status s = ffi_prep_cif(&cif, abis[i], 2, &ffi_type_double, t);
    if (s == FFI_OK) ffi_call(&cif, FFI_FN(twice), &r, v);
    ok(s == FFI_OK && r == twice(x, y), "abi %d: double f(double, int)", (int)abis[i]);
  }
#endif
  double x = -0.5, r = 0;
  int y = 7;
  void *v[] = {&x, &y};
  ffi_status s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_double, t);
  if (s == FFI_OK) ffi_call(&cif, FFI_FN(twice), &r, v);
  ok(s == FFI_OK && r == twice(x, y), "FFI_DEFAULT_ABI: double f(double, int)");
  ok(ffi_get_default_abi() == FFI_DEFAULT_ABI, "ffi_get_default_abi() == FFI_DEFAULT_ABI (%u)",
     ffi_get_default_abi());
}

static void test_types(void)
{
  ffi_cif cif;
  ffi_type *none[] = {NULL};
  ffi_type null_elements = {0, 0, FFI_TYPE_STRUCT, NULL};
  ffi_type empty = {0, 0, FFI_TYPE_STRUCT, none};
  ffi_type unknown = {4, 4, 99, NULL};
  ffi_type *args1[1];

  args1[0] = &null_elements;
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "a struct with NULL elements: FFI_BAD_TYPEDEF");
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &null_elements, NULL) == FFI_BAD_TYPEDEF,
     "... as the result type: FFI_BAD_TYPEDEF");
  args1[0] = &empty;
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "a struct with no elements: FFI_BAD_TYPEDEF");
  args1[0] = NULL;
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "a NULL argument type: FFI_BAD_TYPEDEF");
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, NULL) == FFI_BAD_TYPEDEF,
     "a NULL argument list with arguments: FFI_BAD_TYPEDEF");
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, NULL, NULL) == FFI_BAD_TYPEDEF, "a NULL result type: FFI_BAD_TYPEDEF");
  args1[0] = &unknown;
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "an unknown type code: FFI_BAD_TYPEDEF");

  /* Vectors are each convention's own: Win64 passes none (libffi refuses
     them there); x86-64 System V passes them up to 16 bytes.  Another
     target states its rules here when it has them.  */
#if defined(X86_WIN64) || defined(X86_64)
  ffi_type *floats4[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type *floats8[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float,
                         &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type v16 = {0, 0, FFI_TYPE_VECTOR, floats4}, v32 = {0, 0, FFI_TYPE_VECTOR, floats8};
  args1[0] = &v32;
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "a 32-byte vector argument: FFI_BAD_TYPEDEF");
  args1[0] = &v16;
#endif
#if defined(X86_WIN64)
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_BAD_TYPEDEF,
     "a 16-byte vector argument: FFI_BAD_TYPEDEF on Win64");
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &v16, NULL) == FFI_BAD_TYPEDEF,
     "a 16-byte vector result: FFI_BAD_TYPEDEF on Win64");
#elif defined(X86_64)
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, args1) == FFI_OK,
     "a 16-byte vector argument: FFI_OK on System V");
#endif
}

static void test_variadic(void)
{
  ffi_cif cif;
  ffi_type *f[] = {&ffi_type_pointer, &ffi_type_float};
  ok(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, f) == FFI_BAD_ARGTYPE,
     "a variadic float (C promotes it): FFI_BAD_ARGTYPE");
  ffi_type *s[] = {&ffi_type_pointer, &ffi_type_sint16};
  ok(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, s) == FFI_BAD_ARGTYPE,
     "a variadic short: FFI_BAD_ARGTYPE");
  ffi_type *d[] = {&ffi_type_pointer, &ffi_type_double};
  ok(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 2, &ffi_type_void, d) == FFI_BAD_ARGTYPE,
     "more fixed arguments than arguments: FFI_BAD_ARGTYPE");
  ok(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_void, d) == FFI_OK, "a variadic double: FFI_OK");
}

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif, (void)ret, (void)args, (void)user;
}

static void test_closures(void)
{
  ffi_cif cif;
  ffi_type *t[] = {&ffi_type_double, &ffi_type_sint};
  memset(&cif, 0, sizeof cif);
  ok(ffi_prep_cif(&cif, (ffi_abi)99, 2, &ffi_type_double, t) == FFI_BAD_ABI, "a cif whose preparation failed");
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof *cl, &code);
  if (!cl) bail("ffi_closure_alloc");
  ok(ffi_prep_closure_loc(cl, &cif, handler, NULL, code) != FFI_OK, "... is refused by ffi_prep_closure_loc");
  ffi_go_closure gc;
  ok(ffi_prep_go_closure(&gc, &cif, handler) != FFI_OK, "... and by ffi_prep_go_closure");
  ffi_closure_free(cl);
  ffi_closure_free(NULL); /* does nothing */
  ok(ffi_closure_alloc(sizeof(ffi_closure), NULL) == NULL, "ffi_closure_alloc with a NULL code pointer: NULL");
}

static void test_constants(void)
{
  ok(sizeof(ffi_arg) == 8 && sizeof(ffi_sarg) == 8, "ffi_arg and ffi_sarg are 64-bit");
  ok(ffi_type_longdouble.size == sizeof(long double) && ffi_type_longdouble.alignment == _Alignof(long double),
     "ffi_type_longdouble: %u bytes, aligned to %u, as the compiler's long double",
     (unsigned)ffi_type_longdouble.size, (unsigned)ffi_type_longdouble.alignment);
  ok(ffi_type_slong.size == sizeof(long) && ffi_type_ulong.size == sizeof(unsigned long) &&
         ffi_type_pointer.size == sizeof(void *) && ffi_type_sint.size == sizeof(int),
     "ffi_type_slong is %u bytes, as long", (unsigned)ffi_type_slong.size);
  ok(ffi_type_complex_double.size == sizeof(double _Complex) &&
         ffi_type_complex_longdouble.size == sizeof(long double _Complex),
     "complex sizes");
  ok(ffi_get_closure_size() == sizeof(ffi_closure), "ffi_get_closure_size() == sizeof(ffi_closure)");
  ok(strcmp(ffi_get_version(), FFI_VERSION_STRING) == 0 && ffi_get_version_number() == FFI_VERSION_NUMBER,
     "ffi_get_version() %s, ffi_get_version_number() %lu", ffi_get_version(), ffi_get_version_number());
}

int main(void)
{
  tap_start();
  test_abis();
  test_types();
  test_variadic();
  test_closures();
  test_constants();
  return tap_finish();
}
