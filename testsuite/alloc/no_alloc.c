/* no_alloc.c -- ffi_call, ffi_call_plan_invoke and closure calls allocate
   nothing: malloc, calloc, realloc, the aligned allocators and free are interposed and counted
   while calling (after the cifs, plans and closures are made, which may
   allocate).  (ffix has no mutex anywhere; the closure allocator's spin
   lock is taken only by ffi_closure_alloc/free and ffi_prep_closure_loc.)
   Prints TAP.  */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static int counting;
static long calls;

void *malloc(size_t n) { calls += counting; return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { calls += counting; return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { calls += counting; return __libc_realloc(p, n); }
void free(void *p) { calls += counting && p; __libc_free(p); }
/* The aligned allocators too: the library takes call plans from
   aligned_alloc, and whatever it frees must come from the same heap
   (under ASan the sanitizer's aligned_alloc would otherwise answer, and
   its __libc_memalign too): C library's own memalign, looked up in it.  */
static void *libc_memalign(size_t a, size_t n)
{
  static void *(*real)(size_t, size_t);
  if (!real) {
    void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    real = libc ? (void *(*)(size_t, size_t))dlsym(libc, "memalign") : 0;
    if (!real) abort();
  }
  return real(a, n);
}
void *aligned_alloc(size_t a, size_t n) { calls += counting; return libc_memalign(a, n); }
void *memalign(size_t a, size_t n) { calls += counting; return libc_memalign(a, n); }
int posix_memalign(void **p, size_t a, size_t n)
{
  calls += counting;
  *p = libc_memalign(a, n);
  return *p ? 0 : 12; /* ENOMEM */
}

struct big { long v[40]; };  /* 320 bytes on the stack */
struct split { char c; double d; };

static long f_int(int a, long b) { return a + b; }
static double f_mixed(double a, struct split s, long c, float d) { return a + s.c + s.d + (double)c + d; }
static long f_big(struct big b, long x) { return b.v[0] + b.v[39] + x; }
static long double f_ld(long double a, int b) { return a * b; }
static struct big f_ret_big(long x) { struct big b; for (int i = 0; i < 40; i++) b.v[i] = x + i; return b; }

static void h_sum(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)user;
  double s = 0;
  for (unsigned i = 0; i < cif->nargs; i++) {
    ffi_type *t = cif->arg_types[i];
    if (t == &ffi_type_double) s += *(double *)args[i];
    else if (t == &ffi_type_sint) s += *(int *)args[i];
    else if (t->type == FFI_TYPE_STRUCT) s += ((struct split *)args[i])->c + ((struct split *)args[i])->d;
  }
  *(double *)ret = s;
}

int main(void)
{
  int fails = 0, n = 0;
  ffi_type *se[] = {&ffi_type_schar, &ffi_type_double, NULL};
  ffi_type st = {0, 0, FFI_TYPE_STRUCT, se};
  ffi_type *be[41];
  for (int i = 0; i < 40; i++) be[i] = &ffi_type_slong;
  be[40] = NULL;
  ffi_type bt = {0, 0, FFI_TYPE_STRUCT, be};

  ffi_cif c_int, c_mixed, c_big, c_ld, c_ret, c_cl;
  ffi_type *a_int[] = {&ffi_type_sint, &ffi_type_slong};
  ffi_type *a_mixed[] = {&ffi_type_double, &st, &ffi_type_slong, &ffi_type_float};
  ffi_type *a_big[] = {&bt, &ffi_type_slong};
  ffi_type *a_ld[] = {&ffi_type_longdouble, &ffi_type_sint};
  ffi_type *a_ret[] = {&ffi_type_slong};
  ffi_type *a_cl[] = {&ffi_type_double, &st, &ffi_type_sint, &st, &ffi_type_double};
  if (ffi_prep_cif(&c_int, FFI_DEFAULT_ABI, 2, &ffi_type_slong, a_int) ||
      ffi_prep_cif(&c_mixed, FFI_DEFAULT_ABI, 4, &ffi_type_double, a_mixed) ||
      ffi_prep_cif(&c_big, FFI_DEFAULT_ABI, 2, &ffi_type_slong, a_big) ||
      ffi_prep_cif(&c_ld, FFI_DEFAULT_ABI, 2, &ffi_type_longdouble, a_ld) ||
      ffi_prep_cif(&c_ret, FFI_DEFAULT_ABI, 1, &bt, a_ret) ||
      ffi_prep_cif(&c_cl, FFI_DEFAULT_ABI, 5, &ffi_type_double, a_cl)) {
    puts("Bail out! ffi_prep_cif failed");
    return 99;
  }
  ffi_call_plan *p_mixed = ffi_call_plan_alloc(&c_mixed);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  if (!p_mixed || !cl || ffi_prep_closure_loc(cl, &c_cl, h_sum, NULL, code)) {
    puts("Bail out! setup failed");
    return 99;
  }

  int i = 3;
  long l = 4;
  double d = 0.5;
  float f = 0.25f;
  struct split s = {2, 0.125};
  struct big b;
  for (int k = 0; k < 40; k++) b.v[k] = k;
  long double ld = 1.5L;
  ffi_arg r;
  double rd;
  long double rld;
  struct big rb;

  puts("1..6");
  counting = 1;
  calls = 0;
  for (int k = 0; k < 100; k++) ffi_call(&c_int, FFI_FN(f_int), &r, (void *[]){&i, &l});
  printf("%s %d - ffi_call, small signature\n", calls == 0 && (long)r == 7 ? "ok" : "not ok", ++n);
  fails += calls != 0;
  calls = 0;
  for (int k = 0; k < 100; k++) {
    ffi_call(&c_mixed, FFI_FN(f_mixed), &rd, (void *[]){&d, &s, &l, &f});
    ffi_call(&c_big, FFI_FN(f_big), &r, (void *[]){&b, &l});
    ffi_call(&c_ld, FFI_FN(f_ld), &rld, (void *[]){&ld, &i});
    ffi_call(&c_ret, FFI_FN(f_ret_big), &rb, (void *[]){&l});
    ffi_call(&c_ret, FFI_FN(f_ret_big), NULL, (void *[]){&l});
  }
  printf("%s %d - ffi_call, stack and memory arguments and returns\n", calls == 0 ? "ok" : "not ok", ++n);
  fails += calls != 0;
  calls = 0;
  for (int k = 0; k < 100; k++) ffi_call_plan_invoke(p_mixed, FFI_FN(f_mixed), &rd, (void *[]){&d, &s, &l, &f});
  printf("%s %d - ffi_call_plan_invoke\n", calls == 0 ? "ok" : "not ok", ++n);
  fails += calls != 0;
  calls = 0;
  double got = 0;
  for (int k = 0; k < 100; k++) got = ((double (*)(double, struct split, int, struct split, double))code)(d, s, i, s, d);
  printf("%s %d - closure call (joined arguments)\n", calls == 0 && got == 0.5 + 2.125 + 3 + 2.125 + 0.5 ? "ok" : "not ok", ++n);
  fails += calls != 0;
  counting = 0;
  printf("%s %d - results\n", rd == 0.5 + 2 + 0.125 + 4 + 0.25 && rld == 4.5L && rb.v[39] == 43 ? "ok" : "not ok", ++n);
  fails += !(rd == 0.5 + 2 + 0.125 + 4 + 0.25 && rld == 4.5L && rb.v[39] == 43);
  /* The counter itself works: ffi_closure_alloc of a large closure mallocs. */
  counting = 1;
  calls = 0;
  void *code2;
  void *big_closure = ffi_closure_alloc(4096, &code2);
  counting = 0;
  printf("%s %d - the interposed allocator counts\n", calls > 0 ? "ok" : "not ok", ++n);
  fails += calls == 0;
  ffi_closure_free(big_closure);
  ffi_closure_free(cl);
  ffi_call_plan_free(p_mixed);
  return fails != 0;
}
