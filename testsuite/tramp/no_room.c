/* no_room.c -- a library whose trampoline template is smaller than the
   system's page (make check-tramp-span builds one with a 2 KiB span over
   4 KiB pages) has no static trampolines: ffi_closure_alloc returns NULL
   and leaves *code alone, as when memory runs out, and everything else
   still works.  Prints TAP.  */
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>

static int fails;
static int n;
static void ok(int cond, const char *what)
{
  printf("%s %d - %s\n", cond ? "ok" : "not ok", ++n, what);
  fails += !cond;
}

static int64_t add(int64_t a, int32_t b) { return a + b; }

int main(void)
{
  printf("1..4\n");
  void *code = &n;
  void *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ok(cl == NULL, "ffi_closure_alloc returns NULL when the page is larger than the template");
  ok(code == &n, "and leaves *code as it was");
  ffi_closure_free(cl);  /* NULL: nothing to do */

  ffi_cif cif;
  ffi_type *args[] = {&ffi_type_sint64, &ffi_type_sint32};
  ok(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint64, args) == FFI_OK, "ffi_prep_cif still works");
  int64_t a = -40000000000;
  int32_t b = 123;
  void *values[] = {&a, &b};
  ffi_arg r = 0;
  ffi_call(&cif, FFI_FN(add), &r, values);
  ok((int64_t)r == add(a, b), "ffi_call still works");
  return fails ? 1 : 0;
}
