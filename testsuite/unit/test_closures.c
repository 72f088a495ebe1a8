/* test_closures.c -- closures with FFI_DEFAULT_ABI, called by compiled
   code: every return kind, arguments in registers and on the stack, the
   legacy trampoline path, Go and raw closures, 100,000 live closures with
   no writable-and-executable mapping, threads (including ones ffix never
   saw), fork, bad input.  On any target (the register names below are
   x86-64 System V's, where each case was first needed); __int128 where
   the target's ffi.h has it.  */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <ffi.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "unit.h"

/* ---- a closure adding its int arguments to its user data */
static void add_ints(ffi_cif *cif, void *ret, void **args, void *user)
{
  long sum = (long)(intptr_t)user;
  for (unsigned i = 0; i < cif->nargs; i++) sum += *(int *)args[i];
  *(ffi_arg *)ret = (ffi_arg)sum;
}

static void raw_handler_for_deprecated(ffi_cif *cif, void *ret, ffi_raw *raw, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = raw[0].sint * 10 + raw[1].sint + (long)(intptr_t)user;
}

static ffi_cif int_cif(unsigned n)
{
  static ffi_type *ints[16];
  for (int i = 0; i < 16; i++) ints[i] = &ffi_type_sint;
  ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, n, &ffi_type_sint, ints), FFI_OK);
  return cif;
}

Test(closures, int_closure)
{
  static ffi_cif cif;
  cif = int_cif(2);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert(cl && code);
  cr_assert_neq((void *)cl, code, "code lives apart from the writable closure");
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, (void *)100, code), FFI_OK);
  int (*f)(int, int) = (int (*)(int, int))code;
  cr_assert_eq(f(1, 2), 103);
  cr_assert_eq(f(-5, 3), 98);
  ffi_closure_free(cl);
}

/* ---- every signature of at most two int, unsigned, 64-bit, double or
   float arguments returning one of those or void (x86-64 System V and
   AArch64 enter such closures through stubs of their own): each
   argument seen whole by the handler, each result whole in its register.
   Called through ffi_call, and a few through compiled calls.  */
static ffi_type *const small_kinds[] = {&ffi_type_sint32, &ffi_type_uint32, &ffi_type_sint64, &ffi_type_pointer,
                                       &ffi_type_double, &ffi_type_float};
enum { SMALL_KINDS = 6 };
static uint64_t small_got[2];

/* The argument values: every bit pattern's sign and upper half matter.  */
static void small_value(const ffi_type *t, int i, void *out)
{
  int32_t s = -5 - i;
  uint32_t u = 0xfffffff0u + (uint32_t)i;
  int64_t w = (int64_t)0x8123456789abcde0ull + i;
  double d = 1.25 + i;
  float f = -2.5f - (float)i;
  if (t == &ffi_type_sint32) memcpy(out, &s, 4);
  else if (t == &ffi_type_uint32) memcpy(out, &u, 4);
  else if (t == &ffi_type_double) memcpy(out, &d, 8);
  else if (t == &ffi_type_float) memcpy(out, &f, 4);
  else memcpy(out, &w, 8);
}

static void small_handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)user;
  for (unsigned i = 0; i < cif->nargs; i++) {
    small_got[i] = 0;
    memcpy(&small_got[i], args[i], cif->arg_types[i]->size);
  }
  const ffi_type *r = cif->rtype;
  unsigned char v[8];
  small_value(r, 7, v);
  if (r == &ffi_type_sint32) *(ffi_sarg *)ret = *(int32_t *)v;
  else if (r == &ffi_type_uint32) *(ffi_arg *)ret = *(uint32_t *)v;
  else if (r != &ffi_type_void) memcpy(ret, v, r->size);
}

Test(closures, every_small_signature)
{
  ffi_type *rets[SMALL_KINDS + 1];
  for (int i = 0; i < SMALL_KINDS; i++) rets[i] = small_kinds[i];
  rets[SMALL_KINDS] = &ffi_type_void;
  for (int r = 0; r <= SMALL_KINDS; r++)
    for (int n = 0; n <= 2; n++)
      for (int a = 0; a < (n ? SMALL_KINDS : 1); a++)
        for (int b = 0; b < (n == 2 ? SMALL_KINDS : 1); b++) {
          ffi_type *args[2] = {small_kinds[a], small_kinds[b]};
          ffi_cif cif;
          cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, (unsigned)n, rets[r], args), FFI_OK);
          void *code;
          ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
          cr_assert_not_null(cl);
          cr_assert_eq(ffi_prep_closure_loc(cl, &cif, small_handler, NULL, code), FFI_OK);
          unsigned char in[2][8];
          void *values[2] = {in[0], in[1]};
          for (int i = 0; i < n; i++) small_value(args[i], i, in[i]);
          uint64_t out = 0x5a5a5a5a5a5a5a5aull;
          small_got[0] = small_got[1] = 0;
          ffi_call(&cif, FFI_FN(code), &out, values);
          for (int i = 0; i < n; i++) {
            uint64_t want = 0;
            memcpy(&want, in[i], args[i]->size);
            cr_assert_eq(small_got[i], want, "ret %d, %d args (%d, %d): argument %d", r, n, a, b, i);
          }
          unsigned char v[8];
          small_value(rets[r], 7, v);
          uint64_t want = 0x5a5a5a5a5a5a5a5aull;
          if (rets[r] == &ffi_type_sint32) want = (uint64_t)(int64_t)*(int32_t *)v;
          else if (rets[r] == &ffi_type_uint32) want = *(uint32_t *)v;
          else if (rets[r] != &ffi_type_void) memcpy(&want, v, rets[r]->size);
          if (rets[r] == &ffi_type_float) want = (want & 0xffffffffu) | (out & ~0xffffffffull);
          cr_assert_eq(out, want, "ret %d, %d args (%d, %d): result", r, n, a, b);
          ffi_closure_free(cl);
        }

  /* The same stubs called by the compiler.  */
  ffi_cif cif;
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_type *di[] = {&ffi_type_double, &ffi_type_sint32};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_float, di), FFI_OK);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, small_handler, NULL, code), FFI_OK);
  float fr = ((float (*)(double, int32_t))code)(3.5, -9);
  cr_assert_eq(fr, -9.5f);
  double d;
  memcpy(&d, &small_got[0], 8);
  cr_assert_eq(d, 3.5);
  cr_assert_eq((uint32_t)small_got[1], (uint32_t)-9);
  ffi_type *uw[] = {&ffi_type_uint32, &ffi_type_sint64};
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint32, uw), FFI_OK);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, small_handler, NULL, code), FFI_OK);
  cr_assert_eq(((int32_t (*)(uint32_t, int64_t))code)(0x80000001u, -3), -12);
  cr_assert_eq(small_got[0], 0x80000001u);
  cr_assert_eq((int64_t)small_got[1], -3);
  ffi_closure_free(cl);
}

/* Many arguments: the last ones arrive on the stack. */
Test(closures, stack_arguments)
{
  static ffi_cif cif;
  cif = int_cif(10);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, 0, code), FFI_OK);
  int (*f)(int, int, int, int, int, int, int, int, int, int) = code;
  cr_assert_eq(f(1, 2, 3, 4, 5, 6, 7, 8, 9, 1000), 1045);
  ffi_closure_free(cl);
}

/* ---- return kinds: the handler writes the value the type asks for */
struct mixed { double d; long l; };
struct three_floats { float a, b, c; };
struct ld1 { long double x; };
struct big { long a, b, c; };

static void returner(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)args; (void)user;
  ffi_type *t = cif->rtype;
  if (t == &ffi_type_sint8) *(ffi_arg *)ret = (ffi_arg)(int8_t)-5;
  else if (t == &ffi_type_uint16) *(ffi_arg *)ret = 0xfff0;
  else if (t == &ffi_type_float) *(float *)ret = 1.5f;
  else if (t == &ffi_type_double) *(double *)ret = -2.25;
  else if (t == &ffi_type_longdouble) *(long double *)ret = 1.0L / 3;
  else if (t == &ffi_type_complex_longdouble) *(long double _Complex *)ret = 1.5L + 2.5Li;
  else if (t == &ffi_type_complex_double) *(double _Complex *)ret = 3.0 - 4.0i;
#ifdef FFI_TARGET_HAS_INT128
  else if (t == &ffi_type_sint128) *(__int128 *)ret = -((__int128)1 << 100);
#endif
  else if (t->size == sizeof(struct mixed) && t->elements[0] == &ffi_type_double) *(struct mixed *)ret = (struct mixed){0.5, -7};
  else if (t->size == sizeof(struct three_floats)) *(struct three_floats *)ret = (struct three_floats){1, 2, 3};
  else if (t->size == sizeof(struct ld1)) ((struct ld1 *)ret)->x = 42.5L;
  else if (t->size == sizeof(struct big)) *(struct big *)ret = (struct big){1, 2, 3};
}

static void *make(ffi_type *rtype, ffi_closure **cl)
{
  static ffi_cif cifs[16];
  static int n;
  ffi_cif *cif = &cifs[n++ % 16];
  cr_assert_eq(ffi_prep_cif(cif, FFI_DEFAULT_ABI, 0, rtype, NULL), FFI_OK);
  void *code;
  *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(*cl, cif, returner, NULL, code), FFI_OK);
  return code;
}

Test(closures, return_kinds)
{
  ffi_closure *cl;
  cr_assert_eq(((signed char (*)(void))make(&ffi_type_sint8, &cl))(), -5);
  cr_assert_eq(((unsigned short (*)(void))make(&ffi_type_uint16, &cl))(), 0xfff0);
  cr_assert_eq(((float (*)(void))make(&ffi_type_float, &cl))(), 1.5f);
  cr_assert_eq(((double (*)(void))make(&ffi_type_double, &cl))(), -2.25);
  cr_assert_eq(((long double (*)(void))make(&ffi_type_longdouble, &cl))(), 1.0L / 3);
  long double _Complex z = ((long double _Complex (*)(void))make(&ffi_type_complex_longdouble, &cl))();
  cr_assert(__real__ z == 1.5L && __imag__ z == 2.5L);
  double _Complex w = ((double _Complex (*)(void))make(&ffi_type_complex_double, &cl))();
  cr_assert(__real__ w == 3.0 && __imag__ w == -4.0);
#ifdef FFI_TARGET_HAS_INT128
  cr_assert(((__int128 (*)(void))make(&ffi_type_sint128, &cl))() == -((__int128)1 << 100));
#endif

  ffi_type *dl[] = {&ffi_type_double, &ffi_type_slong, NULL};
  ffi_type tdl = {0, 0, FFI_TYPE_STRUCT, dl};
  struct mixed m = ((struct mixed (*)(void))make(&tdl, &cl))();
  cr_assert(m.d == 0.5 && m.l == -7);
  ffi_type *fff[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  ffi_type tf = {0, 0, FFI_TYPE_STRUCT, fff};
  struct three_floats f3 = ((struct three_floats (*)(void))make(&tf, &cl))();
  cr_assert(f3.a == 1 && f3.b == 2 && f3.c == 3);
  ffi_type *ld[] = {&ffi_type_longdouble, NULL};
  ffi_type tld = {0, 0, FFI_TYPE_STRUCT, ld};
  cr_assert_eq(((struct ld1 (*)(void))make(&tld, &cl))().x, 42.5L, "struct { long double } (in st0 on x86-64)");
  ffi_type *bg[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
  ffi_type tb = {0, 0, FFI_TYPE_STRUCT, bg};
  struct big b = ((struct big (*)(void))make(&tb, &cl))();
  cr_assert(b.a == 1 && b.b == 2 && b.c == 3);
}

/* ---- arguments split between a GPR and an XMM register, and variadic */
struct split { char c; double d; };
static void sum_split(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif; (void)user;
  struct split *s = args[1];
  *(double *)ret = *(double *)args[0] + s->c + s->d + *(long *)args[2];
}

Test(closures, split_struct_argument)
{
  static ffi_type *e[] = {&ffi_type_schar, &ffi_type_double, NULL};
  static ffi_type st = {0, 0, FFI_TYPE_STRUCT, e};
  static ffi_type *a[] = {&ffi_type_double, &st, &ffi_type_slong};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_double, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, sum_split, NULL, code), FFI_OK);
  double (*f)(double, struct split, long) = code;
  cr_assert_eq(f(0.5, (struct split){3, 0.25}, 100), 103.75);
  ffi_closure_free(cl);
}

/* Several arguments each joined from two XMM registers (not side by
   side in the save area): each gets its own copy.  */
static void sum_floats(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)user;
  float s = 0;
  for (unsigned i = 0; i < cif->nargs; i++) {
    struct three_floats *t = args[i];
    s += t->a * (float)(i + 1) + t->b * 10 * (float)(i + 1) + t->c * 100 * (float)(i + 1);
  }
  *(float *)ret = s;
}

Test(closures, several_joined_arguments)
{
  static ffi_type *e[] = {&ffi_type_float, &ffi_type_float, &ffi_type_float, NULL};
  static ffi_type st = {0, 0, FFI_TYPE_STRUCT, e};
  static ffi_type *a[] = {&st, &st, &st};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_float, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, sum_floats, NULL, code), FFI_OK);
  float (*f)(struct three_floats, struct three_floats, struct three_floats) = code;
  struct three_floats x = {1, 2, 3}, y = {4, 5, 6}, z = {7, 8, 9};
  cr_assert_eq(f(x, y, z), 321.0f + 2 * 654.0f + 3 * 987.0f);
  ffi_closure_free(cl);
}

/* avalue[i] is aligned for its type: an __int128 in rsi:rdx (8 mod 16 in
   the save area, on x86-64) is copied to an aligned place.  */
#ifdef FFI_TARGET_HAS_INT128
static void check_int128(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif; (void)user;
  int aligned = (uintptr_t)args[1] % 16 == 0 && (uintptr_t)args[2] % 16 == 0;
  __int128 a = *(__int128 *)args[1], b = *(__int128 *)args[2];
  *(__int128 *)ret = aligned ? a - b + *(long *)args[0] : 0;
}

Test(closures, int128_arguments_are_aligned)
{
  static ffi_type *a[] = {&ffi_type_slong, &ffi_type_sint128, &ffi_type_sint128};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, ARRAY_LEN(a), &ffi_type_sint128, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, check_int128, NULL, code), FFI_OK);
  __int128 (*f)(long, __int128, __int128) = code;
  __int128 big = (__int128)1 << 100;
  cr_assert(f(5, big + 7, big) == 12, "an __int128 argument reached the handler misaligned");
  ffi_closure_free(cl);
}
#endif

static void sum_var(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)user;
  double s = 0;
  for (unsigned i = 1; i < cif->nargs; i++) s += *(double *)args[i];
  *(double *)ret = s * *(int *)args[0];
}

Test(closures, variadic)
{
  static ffi_type *a[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_double, &ffi_type_double};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, ARRAY_LEN(a), &ffi_type_double, a), FFI_OK);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, sum_var, NULL, code), FFI_OK);
  double (*f)(int, ...) = code;
  cr_assert_eq(f(2, 1.0, 2.0, 3.5), 13.0);
  ffi_closure_free(cl);
}

/* ---- a closure in memory of the program's own: codeloc == the closure,
   and ffix writes a trampoline into closure->tramp as libffi does. */
Test(closures, legacy_trampoline_in_program_memory)
{
  static ffi_cif cif;
  cif = int_cif(2);
  long page = sysconf(_SC_PAGESIZE);
  ffi_closure *cl = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  cr_assert_neq(cl, MAP_FAILED);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, (void *)7, cl), FFI_OK);
  cr_assert_eq(mprotect(cl, page, PROT_READ | PROT_EXEC), 0);
  int (*f)(int, int) = (int (*)(int, int))(void *)cl;
  cr_assert_eq(f(10, 20), 37);
  munmap(cl, page);
}

/* The deprecated ffi_prep_closure (codeloc = the closure) on a closure from
   ffi_closure_alloc arms that closure's trampoline, as libffi does.  */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Test(closures, deprecated_prep_on_allocated_closure)
{
  static ffi_cif cif;
  cif = int_cif(2);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure(cl, &cif, add_ints, (void *)5), FFI_OK);
  cr_assert_eq(((int (*)(int, int))code)(1, 2), 8);
  ffi_raw_closure *rc = ffi_closure_alloc(sizeof(ffi_raw_closure), &code);
  cr_assert_eq(ffi_prep_raw_closure(rc, &cif, raw_handler_for_deprecated, (void *)0), FFI_OK);
  cr_assert_eq(((int (*)(int, int))code)(3, 4), 34);
  ffi_closure_free(rc);
  ffi_closure_free(cl);
}
#pragma GCC diagnostic pop

/* ---- Go closures: the closure pointer travels in the static chain
   register (r10 on x86-64). */
static void go_handler(ffi_cif *cif, void *ret, void **args, void *closure)
{
  (void)cif;
  *(ffi_arg *)ret = *(int *)args[0] * 2 + (((ffi_go_closure *)closure)->cif == cif);
}

Test(closures, go_closure)
{
  static ffi_cif cif;
  cif = int_cif(1);
  ffi_go_closure gc;
  cr_assert_eq(ffi_prep_go_closure(&gc, &cif, go_handler), FFI_OK);
  int r = 0;
  /* ffi_call_go passes &gc as the static chain and calls gc.tramp: the
     closure entry. */
  int x = 20;
  void *v[] = {&x};
  ffi_arg out;
  ffi_call_go(&cif, FFI_FN(gc.tramp), &out, v, &gc);
  r = (int)out;
  cr_assert_eq(r, 41);
}

/* Complex numbers of integer parts through a Go closure: in registers
   (_Complex char, int), by memory (_Complex __int128, MEMORY on System V,
   by reference elsewhere), and a two-register result (_Complex long
   long).  The handler hands its arguments to the same compiled function
   the test calls directly.  */
typedef _Complex signed char cs8;
typedef _Complex int cs32;
typedef _Complex unsigned long long cu64;
#if defined(FFI_TARGET_HAS_INT128) && defined(__SIZEOF_INT128__)
typedef __int128 s128;
typedef _Complex __int128 cs128;
#else
typedef long long s128;
typedef _Complex long long cs128;
#endif

__attribute__((noinline)) static cu64 complex_mix(cs8 a, cs128 b, cs32 c)
{
  cu64 r;
  __real__ r = (unsigned long long)(__real__ a * 1000 + (long long)(__imag__ b >> 40) + __real__ c);
  __imag__ r = (unsigned long long)(__imag__ a - (long long)__real__ b + __imag__ c * 3);
  return r;
}

static void go_complex_handler(ffi_cif *cif, void *ret, void **args, void *closure)
{
  (void)cif;
  cu64 r = complex_mix(*(cs8 *)args[0], *(cs128 *)args[1], *(cs32 *)args[2]);
  if (((ffi_go_closure *)closure)->cif != cif) __real__ r = 0;
  *(cu64 *)ret = r;
}

Test(closures, go_closure_complex_integers)
{
  static ffi_type *p8[] = {&ffi_type_sint8, NULL}, *p32[] = {&ffi_type_sint32, NULL},
                  *p64[] = {&ffi_type_uint64, NULL},
#if defined(FFI_TARGET_HAS_INT128) && defined(__SIZEOF_INT128__)
                  *p128[] = {&ffi_type_sint128, NULL};
#else
                  *p128[] = {&ffi_type_sint64, NULL};
#endif
  static ffi_type c8 = {0, 0, FFI_TYPE_COMPLEX, p8}, c32 = {0, 0, FFI_TYPE_COMPLEX, p32};
  static ffi_type c64 = {0, 0, FFI_TYPE_COMPLEX, p64};
  static ffi_type c128 = {sizeof(cs128), _Alignof(cs128), FFI_TYPE_COMPLEX, p128};
  static ffi_type *a[] = {&c8, &c128, &c32};
  static ffi_cif cif;
  cr_assert_eq(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &c64, a), FFI_OK);
  ffi_go_closure gc;
  cr_assert_eq(ffi_prep_go_closure(&gc, &cif, go_complex_handler), FFI_OK);
  cs8 x;
  cs128 y;
  cs32 z;
  __real__ x = -7;
  __imag__ x = 100;
  __real__ y = (s128)0x123456789abcdLL * 0x10000;
  __imag__ y = -((s128)0x7edcba98765LL << 16);
  __real__ z = -0x12345678;
  __imag__ z = 0x7654321;
  void *v[] = {&x, &y, &z};
  cu64 got = 0, want = complex_mix(x, y, z);
  ffi_call_go(&cif, FFI_FN(gc.tramp), &got, v, &gc);
  cr_assert(__real__ got == __real__ want && __imag__ got == __imag__ want, "got %llx + %llxi, want %llx + %llxi",
            __real__ got, __imag__ got, __real__ want, __imag__ want);
}

/* ---- raw closures */
static void raw_handler(ffi_cif *cif, void *ret, ffi_raw *raw, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = raw[0].sint * 10 + raw[1].sint + (long)(intptr_t)user;
}

Test(closures, raw_closure)
{
  static ffi_cif cif;
  cif = int_cif(2);
  void *code;
  ffi_raw_closure *cl = ffi_closure_alloc(sizeof(ffi_raw_closure), &code);
  cr_assert_eq(ffi_prep_raw_closure_loc(cl, &cif, raw_handler, (void *)1000, code), FFI_OK);
  int (*f)(int, int) = code;
  cr_assert_eq(f(4, -3), 1037);
  ffi_closure_free(cl);
}

/* ---- 100,000 live closures, each called; no mapping is ever both
   writable and executable. */
static int wx_mappings(void)
{
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  int n = 0;
  while (fgets(line, sizeof line, maps)) {
    char perms[8];
    if (sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x') n++;
  }
  fclose(maps);
  return n;
}

Test(closures, hundred_thousand_closures, .timeout = 120)
{
  enum { N = 100000 };
  static ffi_cif cif;
  cif = int_cif(1);
  static ffi_closure *cls[N];
  static void *codes[N];
  for (int i = 0; i < N; i++) {
    cls[i] = ffi_closure_alloc(sizeof(ffi_closure), &codes[i]);
    cr_assert(cls[i], "allocation %d failed", i);
    cr_assert_eq(ffi_prep_closure_loc(cls[i], &cif, add_ints, (void *)(intptr_t)i, codes[i]), FFI_OK);
  }
  for (int i = 0; i < N; i++) cr_assert_eq(((int (*)(int))codes[i])(1), i + 1);
  /* valgrind's own translation cache is writable and executable. */
  if (!RUNNING_ON_VALGRIND) cr_assert_eq(wx_mappings(), 0, "a mapping is writable and executable");
  for (int i = 0; i < N; i++) ffi_closure_free(cls[i]);
}

/* ---- threads: 16 at once allocate, call and free; closures are called
   from threads ffix never saw. */
static ffi_cif thread_cif;

static void *churn(void *arg)
{
  long id = (long)arg;
  for (int i = 0; i < 2000; i++) {
    void *code;
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl || ffi_prep_closure_loc(cl, &thread_cif, add_ints, (void *)(id * 100000 + i), code) != FFI_OK)
      return (void *)1;
    if (((int (*)(int))code)(5) != id * 100000 + i + 5) return (void *)2;
    ffi_closure_free(cl);
  }
  return NULL;
}

Test(closures, sixteen_threads)
{
  thread_cif = int_cif(1);
  pthread_t t[16];
  for (long i = 0; i < 16; i++) pthread_create(&t[i], NULL, churn, (void *)i);
  for (int i = 0; i < 16; i++) {
    void *r;
    pthread_join(t[i], &r);
    cr_assert_null(r, "thread %d failed (%ld)", i, (long)r);
  }
}

static void *call_it(void *code) { return (void *)(intptr_t)((int (*)(int))code)(1); }

Test(closures, called_from_foreign_thread)
{
  static ffi_cif cif;
  cif = int_cif(1);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, (void *)41, code), FFI_OK);
  pthread_t t;
  void *r;
  pthread_create(&t, NULL, call_it, code);
  pthread_join(t, &r);
  cr_assert_eq((intptr_t)r, 42);
  ffi_closure_free(cl);
}

Test(closures, child_after_fork)
{
  static ffi_cif cif;
  cif = int_cif(1);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, (void *)9, code), FFI_OK);
  pid_t pid = fork();
  if (pid == 0) {
    void *code2;
    ffi_closure *c2 = ffi_closure_alloc(sizeof(ffi_closure), &code2);
    int ok = ((int (*)(int))code)(1) == 10 && c2 &&
             ffi_prep_closure_loc(c2, &cif, add_ints, (void *)1, code2) == FFI_OK &&
             ((int (*)(int))code2)(1) == 2;
    _exit(ok ? 0 : 1);
  }
  int status;
  waitpid(pid, &status, 0);
  cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child could not use closures");
  ffi_closure_free(cl);
}

/* ---- bad input */
Test(closures, bad_input)
{
  ffi_cif cif;
  memset(&cif, 0, sizeof cif);
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, NULL, code), FFI_BAD_ABI, "an unprepared cif");
  cif = int_cif(1);
  cif.abi = FFI_LAST_ABI;
  cr_assert_eq(ffi_prep_closure_loc(cl, &cif, add_ints, NULL, code), FFI_BAD_ABI);
  cr_assert_eq(ffi_prep_closure_loc(cl, NULL, add_ints, NULL, code), FFI_BAD_ABI);
  ffi_go_closure gc;
  cr_assert_eq(ffi_prep_go_closure(&gc, &cif, add_ints), FFI_BAD_ABI);
  ffi_closure_free(NULL);
  ffi_closure_free(cl);
  cr_assert_null(ffi_closure_alloc(sizeof(ffi_closure), NULL));
}

Test(closures, double_free_is_caught, .signal = SIGABRT)
{
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_closure_free(cl);
  ffi_closure_free(cl);
}

Test(closures, freeing_a_foreign_pointer_is_caught, .signal = SIGABRT)
{
  static ffi_closure not_ours;
  ffi_closure_free(&not_ours);
}

Test(closures, unprepared_call_is_caught, .signal = SIGABRT)
{
  void *code;
  ffi_closure_alloc(sizeof(ffi_closure), &code);
  ((void (*)(void))code)();
}
