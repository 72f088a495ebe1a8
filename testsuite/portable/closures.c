/* closures.c -- closures with FFI_DEFAULT_ABI called from compiled code,
   each result compared with a compiled function doing the same:
   - every scalar type as argument (six arguments, the last two on the
     stack on Win64; and twelve) and as result, and void results;
   - every struct layout of layouts.h as argument (three of them, one on
     the stack on Win64; and seventh) and as result;
   - Go closures (ffi_prep_go_closure, called with ffi_call_go);
   - the deprecated ffi_prep_closure, on memory from ffi_closure_alloc
     and on memory of the program's own, made executable after the
     closure is written (never writable and executable at once);
   - 10,000 closures alive at once, each with its own user_data.  */
#include "tap.h"
#include "scalars.h"
#include "layouts.h"

static int bad_user_data;
#define CHECK_USER(user, want) \
  do {                         \
    if ((user) != (want)) bad_user_data++; \
  } while (0)

/* ---------------------------------------------------------------- scalars */
#define DEFINE_SCALAR(N, T, FT, F, K, A, B)                                                     \
  static T N##_sink;                                                                            \
  static NOINLINE T N##_ref6(T a, int i, double d, T b, int j, T c)                             \
  {                                                                                             \
    return F(T, F(T, F(T, a, b), c), (T)(i - 3 * j + (int)d));                                  \
  }                                                                                             \
  static NOINLINE T N##_ref12(T a0, T a1, T a2, T a3, T a4, T a5, T a6, T a7, T a8, T a9, T a10,\
                              T a11)                                                            \
  {                                                                                             \
    return FOLD12(F, T, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);                      \
  }                                                                                             \
  static void N##_h6(ffi_cif *cif, void *ret, void **args, void *user)                          \
  {                                                                                             \
    CHECK_USER(user, (void *)N##_ref6);                                                         \
    (void)cif;                                                                                  \
    scramble();                                                                                 \
    T v = N##_ref6(*(T *)args[0], *(int *)args[1], *(double *)args[2], *(T *)args[3],           \
                   *(int *)args[4], *(T *)args[5]);                                             \
    STORE_##K(T, ret, v);                                                                       \
  }                                                                                             \
  static void N##_h12(ffi_cif *cif, void *ret, void **args, void *user)                         \
  {                                                                                             \
    CHECK_USER(user, (void *)N##_ref12);                                                        \
    (void)cif;                                                                                  \
    T v = N##_ref12(*(T *)args[0], *(T *)args[1], *(T *)args[2], *(T *)args[3], *(T *)args[4],  \
                    *(T *)args[5], *(T *)args[6], *(T *)args[7], *(T *)args[8], *(T *)args[9],  \
                    *(T *)args[10], *(T *)args[11]);                                            \
    STORE_##K(T, ret, v);                                                                       \
  }                                                                                             \
  static void N##_hvoid(ffi_cif *cif, void *ret, void **args, void *user)                       \
  {                                                                                             \
    (void)cif, (void)ret, (void)user;                                                           \
    N##_sink = F(T, *(T *)args[1], *(T *)args[0]);                                              \
  }                                                                                             \
  static void test_##N(void)                                                                    \
  {                                                                                             \
    ffi_cif cif6, cif12, cifv;                                                                  \
    void *code6, *code12, *codev;                                                               \
    ffi_closure *c6 = ffi_closure_alloc(sizeof(ffi_closure), &code6);                           \
    ffi_closure *c12 = ffi_closure_alloc(sizeof(ffi_closure), &code12);                         \
    ffi_closure *cv = ffi_closure_alloc(sizeof(ffi_closure), &codev);                           \
    if (!c6 || !c12 || !cv) bail("ffi_closure_alloc");                                          \
    ffi_type *t6[] = {&FT, &ffi_type_sint, &ffi_type_double, &FT, &ffi_type_sint, &FT};         \
    ffi_type *t12[12], *tv[] = {&FT, &FT};                                                      \
    for (int k = 0; k < 12; k++) t12[k] = &FT;                                                  \
    prep(&cif6, 6, &FT, t6);                                                                    \
    prep(&cif12, 12, &FT, t12);                                                                 \
    prep(&cifv, 2, &ffi_type_void, tv);                                                         \
    if (ffi_prep_closure_loc(c6, &cif6, N##_h6, (void *)N##_ref6, code6) != FFI_OK ||           \
        ffi_prep_closure_loc(c12, &cif12, N##_h12, (void *)N##_ref12, code12) != FFI_OK ||      \
        ffi_prep_closure_loc(cv, &cifv, N##_hvoid, NULL, codev) != FFI_OK)                      \
      bail("ffi_prep_closure_loc");                                                             \
    T a = (T)(A), b = (T)(B), c = F(T, a, (T)5);                                                \
    T (*f6)(T, int, double, T, int, T) = (T(*)(T, int, double, T, int, T))code6;                \
    ok(f6(a, -9, 2.5, b, 1000, c) == N##_ref6(a, -9, 2.5, b, 1000, c),                          \
       "closure " #N " f(" #N ", int, double, " #N ", int, " #N ")");                           \
    T (*f12)(T, T, T, T, T, T, T, T, T, T, T, T) = (T(*)(T, T, T, T, T, T, T, T, T, T, T, T))code12; \
    ok(f12(a, b, c, b, a, c, c, a, b, F(T, a, c), F(T, b, c), F(T, c, a)) ==                    \
           N##_ref12(a, b, c, b, a, c, c, a, b, F(T, a, c), F(T, b, c), F(T, c, a)),            \
       "closure " #N " f(" #N " x 12)");                                                        \
    void (*fv)(T, T) = (void (*)(T, T))codev;                                                   \
    N##_sink = (T)0;                                                                            \
    fv(a, b);                                                                                   \
    ok(N##_sink == F(T, b, a), "closure void f(" #N ", " #N ")");                               \
    ffi_closure_free(c6);                                                                       \
    ffi_closure_free(c12);                                                                      \
    ffi_closure_free(cv);                                                                       \
  }
SCALAR_TYPES(DEFINE_SCALAR)

static NOINLINE void *ptr_ref(void *a, int i, void *b) { return (char *)a + ((char *)b - (char *)a) / 2 + i; }
static void ptr_h(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif, (void)user;
  *(void **)ret = ptr_ref(*(void **)args[0], *(int *)args[1], *(void **)args[2]);
}
static void test_pointer(void)
{
  ffi_cif cif;
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof *cl, &code);
  ffi_type *t[] = {&ffi_type_pointer, &ffi_type_sint, &ffi_type_pointer};
  prep(&cif, 3, &ffi_type_pointer, t);
  if (!cl || ffi_prep_closure_loc(cl, &cif, ptr_h, NULL, code) != FFI_OK) bail("pointer closure");
  void *(*f)(void *, int, void *) = (void *(*)(void *, int, void *))code;
  char buf[100];
  ok(f(buf, 3, buf + 64) == ptr_ref(buf, 3, buf + 64), "closure pointer f(pointer, int, pointer)");
  ffi_closure_free(cl);
}

/* ---------------------------------------------------------------- structs */
#define DEFINE_STRUCT(L)                                                                        \
  static NOINLINE uint64_t L##_take(int i, struct L s, double d, struct L t, int j, struct L u) \
  {                                                                                             \
    return L##_hash(&s) * 3 + L##_hash(&t) * 5 + L##_hash(&u) * 7 + (uint64_t)(i - j) +         \
           (uint64_t)(int64_t)(d * 4);                                                          \
  }                                                                                             \
  static NOINLINE struct L L##_make(int k, double d)                                            \
  {                                                                                             \
    struct L s;                                                                                 \
    L##_fill(&s, (unsigned)(k + (int)d));                                                       \
    return s;                                                                                   \
  }                                                                                             \
  static NOINLINE struct L L##_seventh(int a, int b, int c, int d, int e, int f, struct L s)    \
  {                                                                                             \
    struct L r;                                                                                 \
    L##_fill(&r, (unsigned)(L##_hash(&s) % 1000 + (uint64_t)(a + b + c + d + e + f)));         \
    return r;                                                                                   \
  }                                                                                             \
  static void L##_htake(ffi_cif *cif, void *ret, void **args, void *user)                       \
  {                                                                                             \
    (void)cif, (void)user;                                                                      \
    scramble();                                                                                 \
    *(uint64_t *)ret = L##_take(*(int *)args[0], *(struct L *)args[1], *(double *)args[2],      \
                                *(struct L *)args[3], *(int *)args[4], *(struct L *)args[5]);   \
    /* The handler may write to its arguments: they are its copies.  */                         \
    memset(args[1], 0xee, sizeof(struct L));                                                    \
  }                                                                                             \
  static void L##_hmake(ffi_cif *cif, void *ret, void **args, void *user)                       \
  {                                                                                             \
    (void)cif, (void)user;                                                                      \
    scramble();                                                                                 \
    *(struct L *)ret = L##_make(*(int *)args[0], *(double *)args[1]);                           \
  }                                                                                             \
  static void L##_hseventh(ffi_cif *cif, void *ret, void **args, void *user)                    \
  {                                                                                             \
    (void)cif, (void)user;                                                                      \
    int *n[6];                                                                                  \
    for (int q = 0; q < 6; q++) n[q] = args[q];                                                 \
    *(struct L *)ret = L##_seventh(*n[0], *n[1], *n[2], *n[3], *n[4], *n[5], *(struct L *)args[6]); \
  }                                                                                             \
  static void test_##L(void)                                                                    \
  {                                                                                             \
    ffi_cif ct, cm, c7;                                                                         \
    void *code_t, *code_m, *code_7;                                                             \
    ffi_closure *clt = ffi_closure_alloc(sizeof(ffi_closure), &code_t);                         \
    ffi_closure *clm = ffi_closure_alloc(sizeof(ffi_closure), &code_m);                         \
    ffi_closure *cl7 = ffi_closure_alloc(sizeof(ffi_closure), &code_7);                         \
    if (!clt || !clm || !cl7) bail("ffi_closure_alloc");                                        \
    ffi_type *tt[] = {&ffi_type_sint, &L##_type, &ffi_type_double, &L##_type, &ffi_type_sint, &L##_type}; \
    ffi_type *tm[] = {&ffi_type_sint, &ffi_type_double};                                        \
    ffi_type *t7[] = {&ffi_type_sint, &ffi_type_sint, &ffi_type_sint, &ffi_type_sint,           \
                      &ffi_type_sint, &ffi_type_sint, &L##_type};                               \
    prep(&ct, 6, &ffi_type_uint64, tt);                                                         \
    prep(&cm, 2, &L##_type, tm);                                                                \
    prep(&c7, 7, &L##_type, t7);                                                                \
    if (ffi_prep_closure_loc(clt, &ct, L##_htake, NULL, code_t) != FFI_OK ||                    \
        ffi_prep_closure_loc(clm, &cm, L##_hmake, NULL, code_m) != FFI_OK ||                    \
        ffi_prep_closure_loc(cl7, &c7, L##_hseventh, NULL, code_7) != FFI_OK)                   \
      bail("ffi_prep_closure_loc");                                                             \
    struct L s, t, u;                                                                           \
    L##_fill(&s, 11);                                                                           \
    L##_fill(&t, 12);                                                                           \
    L##_fill(&u, 13);                                                                           \
    uint64_t hs = L##_hash(&s);                                                                 \
    uint64_t (*ft)(int, struct L, double, struct L, int, struct L) =                            \
        (uint64_t(*)(int, struct L, double, struct L, int, struct L))code_t;                    \
    ok(ft(-3, s, 0.75, t, 44, u) == L##_take(-3, s, 0.75, t, 44, u) && L##_hash(&s) == hs,      \
       "closure f(int, " #L ", double, " #L ", int, " #L ") (%u bytes)", (unsigned)sizeof(struct L)); \
    struct L (*fm)(int, double) = (struct L(*)(int, double))code_m;                             \
    struct L got = fm(9, 3.5), want = L##_make(9, 3.5);                                         \
    ok(L##_hash(&got) == L##_hash(&want), "closure returning " #L);                             \
    struct L (*f7)(int, int, int, int, int, int, struct L) =                                    \
        (struct L(*)(int, int, int, int, int, int, struct L))code_7;                            \
    got = f7(1, 2, 3, 4, 5, -6, t);                                                             \
    want = L##_seventh(1, 2, 3, 4, 5, -6, t);                                                   \
    ok(L##_hash(&got) == L##_hash(&want), "closure " #L " f(int x 6, " #L ")");                 \
    ffi_closure_free(clt);                                                                      \
    ffi_closure_free(clm);                                                                      \
    ffi_closure_free(cl7);                                                                      \
  }
LAYOUTS(DEFINE_STRUCT)

/* ---------------------------------------------------------------- Go */
static void *go_seen;
static void go_handler(ffi_cif *cif, void *ret, void **args, void *closure)
{
  (void)cif;
  go_seen = closure;
  *(uint64_t *)ret = b24_take(*(int *)args[0], *(struct b24 *)args[1], *(double *)args[2],
                              *(struct b24 *)args[3], *(int *)args[4], *(struct b24 *)args[5]);
}
static void go_ld_handler(ffi_cif *cif, void *ret, void **args, void *closure)
{
  (void)cif;
  go_seen = closure;
  *(long double *)ret = longdouble_ref6(*(long double *)args[0], *(int *)args[1], *(double *)args[2],
                                        *(long double *)args[3], *(int *)args[4], *(long double *)args[5]);
}

static void test_go(void)
{
  ffi_cif cif;
  ffi_go_closure gc;
  ffi_type *t[] = {&ffi_type_sint, &b24_type, &ffi_type_double, &b24_type, &ffi_type_sint, &b24_type};
  prep(&cif, 6, &ffi_type_uint64, t);
  ok(ffi_prep_go_closure(&gc, &cif, go_handler) == FFI_OK, "ffi_prep_go_closure");
  struct b24 s, u, v;
  b24_fill(&s, 1);
  b24_fill(&u, 2);
  b24_fill(&v, 3);
  int i = 4, j = -5;
  double d = 6.5;
  void *args[] = {&i, &s, &d, &u, &j, &v};
  uint64_t r = 0;
  go_seen = NULL;
  ffi_call_go(&cif, FFI_FN(gc.tramp), &r, args, &gc);
  ok(r == b24_take(i, s, d, u, j, v) && go_seen == &gc, "go closure f(int, b24, double, b24, int, b24)");

  ffi_type *tl[] = {&ffi_type_longdouble, &ffi_type_sint, &ffi_type_double, &ffi_type_longdouble,
                    &ffi_type_sint, &ffi_type_longdouble};
  prep(&cif, 6, &ffi_type_longdouble, tl);
  ok(ffi_prep_go_closure(&gc, &cif, go_ld_handler) == FFI_OK, "ffi_prep_go_closure (long double)");
  long double a = 1.0L / 3, b = -7.25L, c = 1e100L;
  void *largs[] = {&a, &i, &d, &b, &j, &c};
  long double lr = 0;
  go_seen = NULL;
  ffi_call_go(&cif, FFI_FN(gc.tramp), &lr, largs, &gc);
  ok(lr == longdouble_ref6(a, i, d, b, j, c) && go_seen == &gc, "go closure long double f(long double, ...)");
}

/* ---------------------------------------------------------------- legacy */
static NOINLINE int legacy_ref(int a, double b, int c, int d, int e, int f) { return a * 2 + (int)b - c + d * e - f; }
static void legacy_h(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  int *n = user;
  (*n)++;
  *(ffi_arg *)ret = (ffi_arg)(ffi_sarg)legacy_ref(*(int *)args[0], *(double *)args[1], *(int *)args[2],
                                                 *(int *)args[3], *(int *)args[4], *(int *)args[5]);
}

static void test_legacy(void)
{
  ffi_cif cif;
  ffi_type *t[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_sint, &ffi_type_sint, &ffi_type_sint, &ffi_type_sint};
  prep(&cif, 6, &ffi_type_sint, t);
  int calls = 0;
  int (*f)(int, double, int, int, int, int);

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  void *code;
  ffi_closure *cl = ffi_closure_alloc(sizeof *cl, &code);
  if (!cl) bail("ffi_closure_alloc");
  ok(ffi_prep_closure(cl, &cif, legacy_h, &calls) == FFI_OK, "ffi_prep_closure on memory from ffi_closure_alloc");
  f = (int (*)(int, double, int, int, int, int))code;
  ok(f(1, 2.0, 3, 4, 5, 6) == legacy_ref(1, 2.0, 3, 4, 5, 6) && calls == 1, "... called through its code address");
  ffi_closure_free(cl);

  /* Memory of the program's own: written while writable, then made
     executable and read-only, as a W^X-respecting program would.  */
  size_t page = 65536;
  ffi_closure *own = alloc_pages(page);
  if (!own) bail("allocating pages");
  ok(ffi_prep_closure(own, &cif, legacy_h, &calls) == FFI_OK, "ffi_prep_closure on memory of the program's own");
  if (!make_executable(own, page)) bail("making the closure's page executable");
  f = (int (*)(int, double, int, int, int, int))(void *)own;
  ok(f(-7, 100.5, 8, -9, 10, 11) == legacy_ref(-7, 100.5, 8, -9, 10, 11) && calls == 2,
     "... called at the closure itself");
  free_pages(own, page);
#pragma GCC diagnostic pop
}

/* ---------------------------------------------------------------- many */
enum { MANY = 10000 };
static void many_h(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(ffi_sarg)(*(int *)args[0] * 3 + (int)(intptr_t)user);
}

static void test_many(void)
{
  static ffi_closure *cl[MANY];
  static void *code[MANY];
  ffi_cif cif;
  ffi_type *t[] = {&ffi_type_sint};
  prep(&cif, 1, &ffi_type_sint, t);
  int made = 0;
  for (int i = 0; i < MANY; i++) {
    cl[i] = ffi_closure_alloc(sizeof(ffi_closure), &code[i]);
    if (!cl[i] || ffi_prep_closure_loc(cl[i], &cif, many_h, (void *)(intptr_t)i, code[i]) != FFI_OK) break;
    made++;
  }
  ok(made == MANY, "%d closures allocated and prepared", made);
  int right = 0;
  for (int i = 0; i < made; i++) right += ((int (*)(int))code[i])(i - 500) == (i - 500) * 3 + i;
  ok(right == made, "each of them called: %d right", right);
  for (int i = 0; i < made; i++) ffi_closure_free(cl[i]);
  /* Freed slots are handed out again.  */
  void *again;
  ffi_closure *one = ffi_closure_alloc(sizeof(ffi_closure), &again);
  ok(one && ffi_prep_closure_loc(one, &cif, many_h, (void *)(intptr_t)7, again) == FFI_OK &&
         ((int (*)(int))again)(5) == 22,
     "a closure allocated after freeing them all");
  ffi_closure_free(one);
}

int main(void)
{
  tap_start();
  init_layouts();
#define RUN_SCALAR(N, T, FT, F, K, A, B) test_##N();
  SCALAR_TYPES(RUN_SCALAR)
  test_pointer();
#define RUN_STRUCT(L) test_##L();
  LAYOUTS(RUN_STRUCT)
  test_go();
  test_legacy();
  test_many();
  ok(bad_user_data == 0, "every handler got its user_data");
  return tap_finish();
}
