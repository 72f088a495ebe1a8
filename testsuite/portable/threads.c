/* threads.c -- ffix from several threads at once (Win32 threads on
   Windows, POSIX threads elsewhere): each thread prepares cifs (a
   signature shared by all, and struct signatures of its own, so that the
   plan table is raced), calls through them, and allocates, prepares,
   calls and frees closures; closures the main thread made are called
   from the other threads.  Every result is compared with the compiled
   function.  */
#include "tap.h"

enum { THREADS = 8, ROUNDS = 300, OWN = 64 };

static NOINLINE long long add3(long long a, int b, double c) { return a + 2 * b + (long long)(3 * c); }

static void add3_handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(long long *)ret = add3(*(long long *)args[0], *(int *)args[1], *(double *)args[2]) + (intptr_t)user;
}

struct pair {
  double d;
  int i;
};
static NOINLINE double pair_sum(struct pair p, int k) { return p.d * k + p.i; }

static ffi_cif shared_cif;
static void *shared_code[4];
static int failures;

static void fail(const char *what, long id)
{
  if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 10) printf("# thread %ld: %s\n", id, what);
}

static void *worker(void *arg)
{
  long id = (long)(intptr_t)arg;
  ffi_type *t3[] = {&ffi_type_sint64, &ffi_type_sint, &ffi_type_double};
  for (int r = 0; r < ROUNDS; r++) {
    /* A struct type of its own each round: equal shapes across threads
       intern one plan, the race decides who adds it.  */
    ffi_type *elems[3] = {&ffi_type_double, &ffi_type_sint, NULL};
    ffi_type pair_type = {0, 0, FFI_TYPE_STRUCT, elems};
    ffi_type *tp[] = {&pair_type, &ffi_type_sint};
    ffi_cif cif, cif_pair;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_sint64, t3) != FFI_OK ||
        ffi_prep_cif(&cif_pair, FFI_DEFAULT_ABI, 2, &ffi_type_double, tp) != FFI_OK) {
      fail("ffi_prep_cif", id);
      return NULL;
    }
    long long a = id * 1000000 + r;
    int b = r - 150;
    double c = id + 0.5;
    void *v[] = {&a, &b, &c};
    long long out = 0;
    ffi_call(&cif, FFI_FN(add3), &out, v);
    if (out != add3(a, b, c)) fail("ffi_call", id);

    struct pair p = {r * 0.25, (int)id};
    int k = r % 7 + 1;
    void *vp[] = {&p, &k};
    double dout = 0;
    ffi_call(&cif_pair, FFI_FN(pair_sum), &dout, vp);
    if (dout != pair_sum(p, k)) fail("ffi_call with a struct", id);

    /* Closures of this thread's own.  */
    ffi_closure *cl[OWN];
    void *code[OWN];
    for (int i = 0; i < OWN; i++) {
      cl[i] = ffi_closure_alloc(sizeof(ffi_closure), &code[i]);
      if (!cl[i] || ffi_prep_closure_loc(cl[i], &cif, add3_handler, (void *)(intptr_t)(i + id), code[i]) != FFI_OK) {
        fail("closure", id);
        return NULL;
      }
    }
    for (int i = 0; i < OWN; i++)
      if (((long long (*)(long long, int, double))code[i])(a, i, c) != add3(a, i, c) + i + id)
        fail("calling a closure of its own", id);
    for (int i = 0; i < OWN; i++) ffi_closure_free(cl[i]);

    /* The main thread's closures, from a thread it never prepared them in. */
    for (int i = 0; i < 4; i++)
      if (((long long (*)(long long, int, double))shared_code[i])(a, b, c) != add3(a, b, c) + 100 * i)
        fail("calling the main thread's closure", id);
  }
  return NULL;
}

int main(void)
{
  tap_start();
  ffi_type *t3[] = {&ffi_type_sint64, &ffi_type_sint, &ffi_type_double};
  prep(&shared_cif, 3, &ffi_type_sint64, t3);
  ffi_closure *shared[4];
  for (int i = 0; i < 4; i++) {
    shared[i] = ffi_closure_alloc(sizeof(ffi_closure), &shared_code[i]);
    if (!shared[i] ||
        ffi_prep_closure_loc(shared[i], &shared_cif, add3_handler, (void *)(intptr_t)(100 * i), shared_code[i]) != FFI_OK)
      bail("preparing the shared closures");
  }
  thread_t th[THREADS];
  int started = 0;
  for (long i = 0; i < THREADS; i++) started += thread_create(&th[started], worker, (void *)(intptr_t)i);
  ok(started == THREADS, "%d threads started", started);
  for (int i = 0; i < started; i++) thread_join(th[i]);
  ok(failures == 0, "%d threads x %d rounds: calls, struct calls, closures of their own and shared ones (%d failures)",
     started, ROUNDS, failures);
  for (int i = 0; i < 4; i++) ffi_closure_free(shared[i]);
  return tap_finish();
}
