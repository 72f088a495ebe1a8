/* demo.c -- ffix calling real libc and libm functions whose signatures are
   described only at run time: a variadic snprintf, div returning a struct,
   a long double function and a double _Complex one.  */
#include <complex.h>
#include <ffi.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int check(ffi_status s, const char *what)
{
  if (s != FFI_OK) {
    fprintf(stderr, "%s: ffi_prep_cif failed with status %d\n", what, (int)s);
    exit(1);
  }
  return 0;
}

int main(void)
{
  ffi_cif cif;

  /* int snprintf(char *, size_t, const char *, ...) with int, double, string */
  {
    char buf[128];
    char *p = buf;
    size_t n = sizeof buf;
    const char *fmt = "%d apples, %.3f pears, %s";
    int apples = 42;
    double pears = 2.718281828;
    const char *rest = "and a varargs call";
    ffi_type *args[] = {&ffi_type_pointer, &ffi_type_uint64, &ffi_type_pointer,
                        &ffi_type_sint, &ffi_type_double, &ffi_type_pointer};
    void *values[] = {&p, &n, &fmt, &apples, &pears, &rest};
    ffi_arg written;
    check(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 6, &ffi_type_sint, args), "snprintf");
    ffi_call(&cif, FFI_FN(snprintf), &written, values);
    printf("snprintf  -> \"%s\" (%d characters)\n", buf, (int)(int)written);
  }

  /* div_t div(int, int): a struct returned in a register */
  {
    ffi_type *fields[] = {&ffi_type_sint, &ffi_type_sint, NULL};
    ffi_type div_type = {0, 0, FFI_TYPE_STRUCT, fields};
    ffi_type *args[] = {&ffi_type_sint, &ffi_type_sint};
    int num = 47, den = 5;
    void *values[] = {&num, &den};
    div_t r;
    check(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &div_type, args), "div");
    ffi_call(&cif, FFI_FN(div), &r, values);
    printf("div       -> 47 / 5 = %d remainder %d\n", r.quot, r.rem);
  }

  /* long double ldexpl(long double, int): x87 in memory, result in st0 */
  {
    ffi_type *args[] = {&ffi_type_longdouble, &ffi_type_sint};
    long double x = 1.25L;
    int e = 70;
    void *values[] = {&x, &e};
    long double r;
    check(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_longdouble, args), "ldexpl");
    ffi_call(&cif, FFI_FN(ldexpl), &r, values);
    printf("ldexpl    -> 1.25 * 2^70 = %.1Lf\n", r);
  }

  /* double _Complex cexp(double _Complex): two SSE registers each way */
  {
    ffi_type *args[] = {&ffi_type_complex_double};
    double _Complex z = 1.0 + 3.14159265358979323846 * I;
    void *values[] = {&z};
    double _Complex r;
    check(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_complex_double, args), "cexp");
    ffi_call(&cif, FFI_FN(cexp), &r, values);
    printf("cexp      -> exp(1 + pi i) = %.6f %+.6f i\n", creal(r), cimag(r));
  }

  printf("libffi API level %s, default ABI %u\n", ffi_get_version(), ffi_get_default_abi());
  return 0;
}
