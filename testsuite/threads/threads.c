/* threads.c -- ffix from many threads at once: 16 threads prepare cifs
   (shared and distinct signatures, so the plan table is raced, and its
   index grows several times while other threads look signatures up), call
   through them, and allocate, prepare, call and free closures; closures
   made by one thread are called from threads created by plain C code.
   Exits 0 when every result is right.  Built plain and with
   ThreadSanitizer (make check-tsan).  */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ffi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { THREADS = 16, ROUNDS = 2000 };

static long add3(long a, long b, long c) { return a + 2 * b + 3 * c; }

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  long s = (long)(intptr_t)user;
  for (unsigned i = 0; i < cif->nargs; i++) s += *(long *)args[i];
  *(ffi_arg *)ret = (ffi_arg)s;
}

static int failures;

static void fail(const char *what, long id)
{
  fprintf(stderr, "thread %ld: %s\n", id, what);
  __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
}

static void *worker(void *arg)
{
  long id = (long)arg;
  ffi_type *longs[3] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong};
  for (int r = 0; r < ROUNDS; r++) {
    /* A struct type of a shape unique to this thread and round, and a
       shared one: both intern plans concurrently.  */
    ffi_type *elems[4] = {&ffi_type_slong, r % 2 ? &ffi_type_double : &ffi_type_slong, NULL, NULL};
    ffi_type *many[40];
    unsigned n = 1 + (unsigned)((id * ROUNDS + r) % 40);
    for (unsigned i = 0; i < n; i++) many[i] = i % 3 ? &ffi_type_slong : &ffi_type_double;
    ffi_type st = {0, 0, FFI_TYPE_STRUCT, elems};
    ffi_cif cif, cif_many, cif_st;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_slong, longs) != FFI_OK ||
        ffi_prep_cif(&cif_many, FFI_DEFAULT_ABI, n, &ffi_type_void, many) != FFI_OK ||
        ffi_prep_cif(&cif_st, FFI_DEFAULT_ABI, 1, &ffi_type_void, (ffi_type *[]){&st}) != FFI_OK) {
      fail("ffi_prep_cif", id);
      return NULL;
    }
    /* A signature no other thread or round prepares: sixteen arguments,
       long or double by the bits of (id, r).  Found again, it keeps its
       plan.  */
    unsigned bits = (unsigned)(id * ROUNDS + r) + 1;
    ffi_type *distinct[16];
    for (int i = 0; i < 16; i++) distinct[i] = bits >> i & 1 ? &ffi_type_double : &ffi_type_slong;
    ffi_cif d1, d2;
    if (ffi_prep_cif(&d1, FFI_DEFAULT_ABI, 16, &ffi_type_void, distinct) != FFI_OK ||
        ffi_prep_cif(&d2, FFI_DEFAULT_ABI, 16, &ffi_type_void, distinct) != FFI_OK || d1.flags != d2.flags ||
        d1.flags == cif.flags)
      fail("a distinct signature prepared twice", id);

    long a = id, b = r, c = 7;
    void *v[] = {&a, &b, &c};
    ffi_arg out;
    ffi_call(&cif, FFI_FN(add3), &out, v);
    if ((long)out != add3(a, b, c)) fail("ffi_call", id);

    void *code;
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl || ffi_prep_closure_loc(cl, &cif, handler, (void *)(intptr_t)(id * 1000 + r), code) != FFI_OK) {
      fail("closure", id);
      return NULL;
    }
    long got = ((long (*)(long, long, long))code)(1, 2, 3);
    if (got != id * 1000 + r + 6) fail("closure call", id);
    ffi_closure_free(cl);
  }
  return NULL;
}

/* Closures shared by all threads, called from threads ffix never saw
   before the call.  */
static void *shared_code[8];

static void *foreign(void *arg)
{
  long id = (long)arg;
  for (int r = 0; r < ROUNDS; r++) {
    int k = (int)((id + r) % 8);
    long got = ((long (*)(long, long, long))shared_code[k])(id, r, 1);
    if (got != k + id + r + 1) fail("shared closure", id);
  }
  return NULL;
}

/* Mappings both writable and executable (none may exist). */
static int wx_mappings(void)
{
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  int n = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    char perms[8];
    if (sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x') n++;
  }
  if (maps) fclose(maps);
  return n;
}

int main(void)
{
  static ffi_cif cif;
  ffi_type *longs[3] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong};
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 3, &ffi_type_slong, longs) != FFI_OK) return 1;
  ffi_closure *shared[8];
  for (int k = 0; k < 8; k++) {
    shared[k] = ffi_closure_alloc(sizeof(ffi_closure), &shared_code[k]);
    if (!shared[k] || ffi_prep_closure_loc(shared[k], &cif, handler, (void *)(intptr_t)k, shared_code[k]) != FFI_OK)
      return 1;
  }
  pthread_t t[2 * THREADS];
  for (long i = 0; i < THREADS; i++) {
    pthread_create(&t[i], NULL, worker, (void *)i);
    pthread_create(&t[THREADS + i], NULL, foreign, (void *)i);
  }
  for (int i = 0; i < 2 * THREADS; i++) pthread_join(t[i], NULL);
  if (wx_mappings()) fail("a mapping is writable and executable", -1);
  /* A child of fork() made while closures exist: calls them, makes new
     ones, and still has no writable and executable mapping.  */
  pid_t pid = fork();
  if (pid == 0) {
    void *code;
    ffi_closure *c = ffi_closure_alloc(sizeof(ffi_closure), &code);
    int ok = ((long (*)(long, long, long))shared_code[3])(1, 1, 1) == 6 && c &&
             ffi_prep_closure_loc(c, &cif, handler, (void *)1, code) == FFI_OK &&
             ((long (*)(long, long, long))code)(1, 2, 3) == 7 && wx_mappings() == 0;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) fail("the child of fork()", -1);
  for (int k = 0; k < 8; k++) ffi_closure_free(shared[k]);
  Dl_info info;
  dladdr((void *)ffi_call, &info);
  printf("%d threads on %s: %d failures\n", 2 * THREADS, info.dli_fname, failures);
  return failures != 0;
}
