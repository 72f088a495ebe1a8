/* consumer.c -- a program as a distribution package would build it against
   an installed libffi: pkg-config for flags, <ffi.h>, -lffi.  It calls
   through ffi_call and a closure and prints what it got.  */
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static long mul_add(long a, int b, double c) { return a * b + (long)c; }

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(*(long *)args[0] * *(int *)args[1] + (long)*(double *)args[2] + (long)(intptr_t)user);
}

int main(void)
{
  ffi_type *args[] = {&ffi_type_slong, &ffi_type_sint, &ffi_type_double};
  ffi_cif cif;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_slong, args) != FFI_OK) return 1;
  long a = 6;
  int b = 7;
  double c = 0.5 + 100;
  void *values[] = {&a, &b, &c};
  ffi_arg r;
  ffi_call(&cif, FFI_FN(mul_add), &r, values);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  if (!cl || ffi_prep_closure_loc(cl, &cif, handler, (void *)1000, code) != FFI_OK) return 1;
  long via_closure = ((long (*)(long, int, double))code)(6, 7, 100.5);
  ffi_closure_free(cl);
  printf("ffi_call %ld closure %ld version %s\n", (long)r, via_closure, ffi_get_version());
  return !((long)r == 142 && via_closure == 1142 && strcmp(ffi_get_version(), "3.8.0") == 0);
}
