/* unplanned.c -- cifs the plan table has no room for still work.

   FFIX_MAX_PLANS=3 (set before the first ffi_prep_cif) leaves room for
   three plans; every other signature's cif is unplanned (src/unplanned.cc):
   ffi_prep_cif still returns FFI_OK and each call classifies it again.
   Calls, variadic calls, struct results, call plans and ffi_call_go must
   all match a direct call; a closure needs a plan in the table, so
   preparing one on an unplanned cif fails cleanly.  */
#include "tap.h"

struct big {
  long a, b, c;
};

NOINLINE static long mix(int a, double b, long c, signed char d)
{
  scramble();
  return a * 1000 + (long)(b * 10) + c * 7 + d;
}
NOINLINE static int sum(int n, ...)
{
  va_list ap;
  int s = 0;
  va_start(ap, n);
  for (int i = 0; i < n; i++) s += va_arg(ap, int) * (i + 1);
  va_end(ap);
  return s;
}
NOINLINE static struct big make(long a, float b)
{
  struct big r = {a, (long)(b * 4), a - 1};
  scramble();
  return r;
}
NOINLINE static int one(int x) { return x + 1; }
NOINLINE static double two(double x, double y) { return x * y; }
NOINLINE static unsigned three(unsigned x, unsigned y, unsigned z) { return x ^ y ^ z; }

static void add_one(ffi_cif *cif, void *ret, void **args, void *data)
{
  (void)cif;
  (void)data;
  *(ffi_arg *)ret = (ffi_arg)(*(int *)args[0] + 1);
}

#define UNPLANNED(cif) (((cif).flags & 0x80000000u) != 0)

int main(void)
{
  tap_start();
#ifdef _WIN32
  _putenv("FFIX_MAX_PLANS=3");
#else
  setenv("FFIX_MAX_PLANS", "3", 1);
#endif
  ffi_cif c1, c2, c3;
  ffi_type *t1[] = {&ffi_type_sint};
  ffi_type *t2[] = {&ffi_type_double, &ffi_type_double};
  ffi_type *t3[] = {&ffi_type_uint, &ffi_type_uint, &ffi_type_uint};
  prep(&c1, 1, &ffi_type_sint, t1);
  prep(&c2, 2, &ffi_type_double, t2);
  prep(&c3, 3, &ffi_type_uint, t3);
  ok(!UNPLANNED(c1) && !UNPLANNED(c2) && !UNPLANNED(c3), "the first three signatures get plans");

  /* A fourth: unplanned, and right.  */
  ffi_cif cm;
  ffi_type *tm[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_slong, &ffi_type_schar};
  prep(&cm, 4, &ffi_type_slong, tm);
  ok(UNPLANNED(cm), "a fourth signature is unplanned (flags %#x)", cm.flags);
  int a = -12;
  double b = 2.5;
  long c = 1L << 30;  /* fits a 32-bit long (Windows) */
  signed char d = -7;
  void *vm[] = {&a, &b, &c, &d};
  long rm = 0;
  ffi_call(&cm, FFI_FN(mix), &rm, vm);
  ok(rm == mix(a, b, c, d), "ffi_call of an unplanned cif: %ld", rm);

  ffi_call_plan *plan = ffi_call_plan_alloc(&cm);
  rm = 0;
  if (plan) ffi_call_plan_invoke(plan, FFI_FN(mix), &rm, vm);
  ok(plan && rm == mix(a, b, c, d) && ffi_call_plan_size(plan) > sizeof(void *),
     "a call plan of an unplanned cif holds its own plan (%lu bytes)", plan ? (unsigned long)ffi_call_plan_size(plan) : 0UL);
  ffi_call_plan_free(plan);

  /* Variadic, with stack arguments.  */
  ffi_cif cv;
  ffi_type *tv[10];
  int iv[10];
  void *vv[10];
  for (int i = 0; i < 10; i++) {
    tv[i] = &ffi_type_sint;
    iv[i] = i == 0 ? 9 : 3 * i - 11;
    vv[i] = &iv[i];
  }
  ffi_status s = ffi_prep_cif_var(&cv, FFI_DEFAULT_ABI, 1, 10, &ffi_type_sint, tv);
  ffi_arg rv = 0;
  if (s == FFI_OK) ffi_call(&cv, FFI_FN(sum), &rv, vv);
  ok(s == FFI_OK && UNPLANNED(cv) && (int)rv == sum(9, iv[1], iv[2], iv[3], iv[4], iv[5], iv[6], iv[7], iv[8], iv[9]),
     "variadic int f(int, ...) with nine variadic ints, unplanned: %d", (int)rv);

  /* A struct returned through memory.  */
  ffi_type *big_el[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL};
  ffi_type big_t = {0, 0, FFI_TYPE_STRUCT, big_el};
  ffi_cif cb;
  ffi_type *tb[] = {&ffi_type_slong, &ffi_type_float};
  prep(&cb, 2, &big_t, tb);
  long ba = 123456789;
  float bb = 1.75f;
  void *vb[] = {&ba, &bb};
  struct big rb = {0, 0, 0}, want = make(ba, bb);
  ffi_call(&cb, FFI_FN(make), &rb, vb);
  ok(UNPLANNED(cb) && rb.a == want.a && rb.b == want.b && rb.c == want.c,
     "struct { long a, b, c } f(long, float), unplanned: {%ld, %ld, %ld}", rb.a, rb.b, rb.c);

  /* ffi_call_go: the static chain is ignored by a plain function.  */
  rm = 0;
  ffi_call_go(&cm, FFI_FN(mix), &rm, vm, NULL);
  ok(rm == mix(a, b, c, d), "ffi_call_go of an unplanned cif: %ld", rm);

  /* A signature seen before is still found in the table.  */
  ffi_cif again;
  prep(&again, 2, &ffi_type_double, t2);
  double x = 1.5, y = -4, rd = 0;
  void *vd[] = {&x, &y};
  ffi_call(&again, FFI_FN(two), &rd, vd);
  ok(!UNPLANNED(again) && again.flags == c2.flags && rd == two(x, y), "a seen signature keeps its plan");
  unsigned u1 = 0xf0f0, u2 = 0x0ff0, u3 = 0x1234;
  void *vu[] = {&u1, &u2, &u3};
  ffi_arg ru = 0;
  ffi_call(&c3, FFI_FN(three), &ru, vu);
  ok((unsigned)ru == three(u1, u2, u3), "planned cifs still call: %#x", (unsigned)ru);

  /* Closures need a plan in the table: a clean refusal on an unplanned
     cif, and closures of planned ones still work.  */
  void *code = NULL;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_cif co;
  ffi_type *to[] = {&ffi_type_sshort};
  prep(&co, 1, &ffi_type_sint, to);
  ok(cl && UNPLANNED(co) && ffi_prep_closure_loc(cl, &co, add_one, NULL, code) == FFI_BAD_TYPEDEF,
     "ffi_prep_closure_loc on an unplanned cif: FFI_BAD_TYPEDEF (no room for its plan)");
  ok(cl && ffi_prep_closure_loc(cl, &c1, add_one, NULL, code) == FFI_OK && ((int (*)(int))code)(41) == one(41),
     "a closure of a planned cif: 42");
  ffi_closure_free(cl);
  return tap_finish();
}
