/* fork.c -- closures across fork() (POSIX systems only; Makefile.am
   builds it there):
   - a child calls the closures its parent made before the fork, makes
     more than a trampoline page's worth of new ones, and frees inherited
     ones and allocates again;
   - what a child writes stays in the child: it prepares one of the
     inherited closures anew, the parent's closure is unchanged (the data
     pages are private, copied on write);
   - the parent goes on allocating after its children ran;
   - a grandchild;
   - forks while other threads allocate, prepare, call and free closures
     and prepare cifs: every child can still do all of that (the
     allocator's lock is never copied while another thread holds it);
   - a copy of the library loaded with dlopen, used for a closure and
     unloaded with dlclose, leaves nothing behind that a later fork() runs
     (as when a plugin linked with libffi is unloaded).
   Each check that can hang or crash runs in a child process, judged by how
   it ended; every result is compared with the compiled function.  */
#define _GNU_SOURCE
#include "tap.h"

#include <dlfcn.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

static NOINLINE int mix(int a, int b) { return a * 31 - b; }

/* The closure's user data is added to mix's result, so that two closures
   of one cif tell their data apart.  */
static void mix_handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(ffi_sarg)(mix(*(int *)args[0], *(int *)args[1]) + (int)(intptr_t)user);
}

/* Another handler for the same cif, to re-prepare a closure with.  */
static void other_handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(ffi_sarg)(*(int *)args[0] - *(int *)args[1] - (int)(intptr_t)user);
}

typedef int (*mix_fn)(int, int);
static ffi_cif mix_cif;

/* A closure of mix_cif with USER as its data, or NULL.  */
static ffi_closure *make(void **code, int user)
{
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), code);
  if (cl && ffi_prep_closure_loc(cl, &mix_cif, mix_handler, (void *)(intptr_t)user, *code) != FFI_OK) {
    ffi_closure_free(cl);
    return NULL;
  }
  return cl;
}

/* Does closure CODE with data USER compute what the compiled code does?  */
static int right(void *code, int user, int a, int b) { return ((mix_fn)code)(a, b) == mix(a, b) + user; }

/* Run FN(ARG) in a child process (which gives up after 60 seconds, in
   case of a deadlock); true when it exited with status 0.  Anything else
   is shown: the exit status names the step that went wrong.  */
static int in_child(int (*fn)(void *), void *arg)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) bail("fork: %s", strerror(errno));
  if (pid == 0) {
    alarm(60);
    _exit(fn(arg));
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) bail("waitpid: %s", strerror(errno));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 1;
  if (WIFEXITED(status))
    diag("the child failed at step %d", WEXITSTATUS(status));
  else if (WIFSIGNALED(status))
    diag("the child was killed by signal %d (%s)%s", WTERMSIG(status), strsignal(WTERMSIG(status)),
         WTERMSIG(status) == SIGALRM ? ": it hung" : "");
  return 0;
}

/* ---------------------------------------------------------------- parent's closures */
enum { INHERITED = 100 };
static ffi_closure *inherited[INHERITED];
static void *inherited_code[INHERITED];

/* More closures than one trampoline page holds (a trampoline takes more
   than 8 bytes), so that the child maps pages of its own.  */
static int page_worth(void) { return (int)(sysconf(_SC_PAGESIZE) / 8) + 100; }

static int child_uses_closures(void *arg)
{
  (void)arg;
  for (int i = 0; i < INHERITED; i++)
    if (!right(inherited_code[i], i, i, 7 - i)) return 1;
  int n = page_worth();
  ffi_closure **cl = malloc(sizeof *cl * (size_t)n);
  void **code = malloc(sizeof *code * (size_t)n);
  if (!cl || !code) return 2;
  for (int i = 0; i < n; i++)
    if (!(cl[i] = make(&code[i], 1000 + i))) return 3;
  for (int i = 0; i < n; i++)
    if (!right(code[i], 1000 + i, -i, i / 2)) return 4;
  for (int i = 0; i < n; i++) ffi_closure_free(cl[i]);
  /* Inherited closures freed and their slots handed out again.  */
  for (int i = 0; i < INHERITED / 2; i++) ffi_closure_free(inherited[i]);
  for (int i = 0; i < INHERITED / 2; i++)
    if (!(inherited[i] = make(&inherited_code[i], -i))) return 5;
  for (int i = 0; i < INHERITED; i++)
    if (!right(inherited_code[i], i < INHERITED / 2 ? -i : i, 3, i)) return 6;
  return 0;
}

static int child_rewrites(void *arg)
{
  (void)arg;
  /* Each inherited closure prepared anew, with another handler and data. */
  for (int i = 0; i < INHERITED; i++)
    if (ffi_prep_closure_loc(inherited[i], &mix_cif, other_handler, (void *)(intptr_t)(i * 3), inherited_code[i]) !=
        FFI_OK)
      return 1;
  for (int i = 0; i < INHERITED; i++)
    if (((mix_fn)inherited_code[i])(50, i) != 50 - i - i * 3) return 2;
  return 0;
}

static int grandchild(void *arg)
{
  (void)arg;
  void *code;
  ffi_closure *cl = make(&code, 77);
  if (!cl || !right(code, 77, 8, 9)) return 1;
  if (!right(inherited_code[INHERITED - 1], INHERITED - 1, 1, 1)) return 2;
  ffi_closure_free(cl);
  return 0;
}

static int child_forks(void *arg)
{
  (void)arg;
  void *code;
  ffi_closure *cl = make(&code, 5);
  if (!cl) return 1;
  if (!in_child(grandchild, NULL)) return 2;
  if (!right(code, 5, 2, 3)) return 3;
  ffi_closure_free(cl);
  return 0;
}

static void test_parent_and_child(void)
{
  for (int i = 0; i < INHERITED; i++)
    if (!(inherited[i] = make(&inherited_code[i], i))) bail("closure %d", i);
  ok(in_child(child_uses_closures, NULL),
     "a child calls its parent's closures, makes %d new ones, frees inherited ones and allocates again",
     page_worth());
  ok(in_child(child_rewrites, NULL), "a child prepares its inherited closures anew");
  int same = 0;
  for (int i = 0; i < INHERITED; i++) same += right(inherited_code[i], i, 50, i);
  ok(same == INHERITED, "the parent's closures are unchanged by the child's (%d of %d)", same, INHERITED);
  int n = page_worth(), made = 0, good = 0;
  ffi_closure **cl = malloc(sizeof *cl * (size_t)n);
  void **code = malloc(sizeof *code * (size_t)n);
  if (!cl || !code) bail("malloc");
  for (; made < n; made++)
    if (!(cl[made] = make(&code[made], 3 * made))) break;
  for (int i = 0; i < made; i++) good += right(code[i], 3 * i, i, -i);
  ok(made == n && good == n, "the parent makes %d more closures after its children (%d made, %d right)", n, made,
     good);
  for (int i = 0; i < made; i++) ffi_closure_free(cl[i]);
  free(cl);
  free(code);
  ok(in_child(child_forks, NULL), "a grandchild makes and calls closures");
}

/* ---------------------------------------------------------------- threads */
enum { WORKERS = 4, FORKS = 16 };
static int stop, worker_failures;

struct pair {
  double d;
  int i;
};
static NOINLINE double pair_sum(struct pair p, int k) { return p.d * k + p.i; }

/* A cif with a struct type of its own, and a call through it.  */
static int struct_call(int k)
{
  ffi_type *elems[3] = {&ffi_type_double, &ffi_type_sint, NULL};
  ffi_type pair_type = {0, 0, FFI_TYPE_STRUCT, elems};
  ffi_type *t[] = {&pair_type, &ffi_type_sint};
  ffi_cif cif;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_double, t) != FFI_OK) return 0;
  struct pair p = {k * 0.5, -k};
  void *v[] = {&p, &k};
  double out = 0;
  ffi_call(&cif, FFI_FN(pair_sum), &out, v);
  return out == pair_sum(p, k);
}

static void *worker(void *arg)
{
  int id = (int)(intptr_t)arg;
  for (int round = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); round++) {
    enum { BATCH = 16 };
    ffi_closure *cl[BATCH];
    void *code[BATCH];
    for (int i = 0; i < BATCH; i++) {
      int user = id * 100000 + i;
      if (!(cl[i] = make(&code[i], user)) || !right(code[i], user, round, i)) {
        __atomic_add_fetch(&worker_failures, 1, __ATOMIC_RELAXED);
        return NULL;
      }
    }
    for (int i = 0; i < BATCH; i++) ffi_closure_free(cl[i]);
    if (!struct_call(round % 50)) __atomic_add_fetch(&worker_failures, 1, __ATOMIC_RELAXED);
  }
  return NULL;
}

static int child_of_busy_parent(void *arg)
{
  (void)arg;
  void *code[8];
  ffi_closure *cl[8];
  for (int i = 0; i < 8; i++)
    if (!(cl[i] = make(&code[i], i))) return 1;
  for (int i = 0; i < 8; i++)
    if (!right(code[i], i, 4, i)) return 2;
  for (int i = 0; i < 8; i++) ffi_closure_free(cl[i]);
  if (!struct_call(9)) return 3;
  return 0;
}

static void test_fork_while_busy(void)
{
  pthread_t t[WORKERS];
  int started = 0;
  for (int i = 0; i < WORKERS; i++) started += pthread_create(&t[started], NULL, worker, (void *)(intptr_t)i) == 0;
  if (started != WORKERS) bail("%d of %d threads started", started, WORKERS);
  int good = 0;
  /* A child that hangs costs its 60 seconds: stop at the first.  */
  for (int i = 0; i < FORKS && good == i; i++) {
    good += in_child(child_of_busy_parent, NULL);
    sched_yield();
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < WORKERS; i++) pthread_join(t[i], NULL);
  ok(good == FORKS, "%d forks while %d threads allocate, call and free closures: every child can make and call "
     "closures and prepare cifs (%d did)", FORKS, WORKERS, good);
  ok(worker_failures == 0, "the threads' own closures and calls were right (%d failures)", worker_failures);
}

/* ---------------------------------------------------------------- dlclose */
/* Copy the file at FROM to a new temporary file; its name, or NULL.  */
static char *copy_file(const char *from)
{
  const char *dir = getenv("TMPDIR");
  char *to = malloc(strlen(dir && *dir ? dir : "/tmp") + 32);
  if (!to) return NULL;
  sprintf(to, "%s/ffix-fork-XXXXXX", dir && *dir ? dir : "/tmp");
  int out = mkstemp(to);
  FILE *in = fopen(from, "rb");
  int good = out >= 0 && in;
  char buf[65536];
  size_t n;
  while (good && (n = fread(buf, 1, sizeof buf, in)) > 0) good = write(out, buf, n) == (ssize_t)n;
  if (in) fclose(in);
  if (out >= 0 && close(out) != 0) good = 0;
  if (!good) {
    if (out >= 0) unlink(to);
    free(to);
    return NULL;
  }
  return to;
}

static const char *library_copy;

/* In a child: load the copy, make and call a closure with it, unload it,
   then fork.  */
static int child_unloads(void *arg)
{
  (void)arg;
  void *lib = dlopen(library_copy, RTLD_NOW | RTLD_LOCAL);
  if (!lib) return 1;
  ffi_status (*prep_cif)(ffi_cif *, ffi_abi, unsigned, ffi_type *, ffi_type **) =
      (ffi_status(*)(ffi_cif *, ffi_abi, unsigned, ffi_type *, ffi_type **))dlsym(lib, "ffi_prep_cif");
  void *(*alloc)(size_t, void **) = (void *(*)(size_t, void **))dlsym(lib, "ffi_closure_alloc");
  void (*release)(void *) = (void (*)(void *))dlsym(lib, "ffi_closure_free");
  ffi_status (*prep_closure)(ffi_closure *, ffi_cif *, void (*)(ffi_cif *, void *, void **, void *), void *, void *) =
      (ffi_status(*)(ffi_closure *, ffi_cif *, void (*)(ffi_cif *, void *, void **, void *), void *, void *))dlsym(
          lib, "ffi_prep_closure_loc");
  ffi_type *sint = (ffi_type *)dlsym(lib, "ffi_type_sint32");
  if (!prep_cif || !alloc || !release || !prep_closure || !sint) return 2;
  /* The copy's own ffi_type_sint32 (the same layout as ours).  */
  if ((void *)sint == (void *)&ffi_type_sint32) return 3;
  static ffi_cif cif;
  ffi_type *t[] = {sint, sint};
  if (prep_cif(&cif, FFI_DEFAULT_ABI, 2, sint, t) != FFI_OK) return 4;
  void *code;
  ffi_closure *cl = alloc(sizeof(ffi_closure), &code);
  if (!cl || prep_closure(cl, &cif, mix_handler, (void *)(intptr_t)6, code) != FFI_OK) return 5;
  if (!right(code, 6, 10, 11)) return 6;
  release(cl);
  if (dlclose(lib) != 0) return 7;
  /* Really gone (or the fork below would prove nothing).  */
  Dl_info info;
  if (dladdr((void *)alloc, &info)) return 10;
  /* The library is gone; a fork must not run anything of it.  */
  pid_t pid = fork();
  if (pid < 0) return 8;
  if (pid == 0) _exit(0);
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 9;
  return 0;
}

static void test_unload(void)
{
  Dl_info info;
  if (!dladdr((void *)ffi_closure_alloc, &info) || !info.dli_fname || !strchr(info.dli_fname, '/')) {
    ok(1, "unloading the library # SKIP its file is unknown (dladdr), so no second copy can be loaded");
    return;
  }
  char *copy = copy_file(info.dli_fname);
  if (!copy) bail("copying %s: %s", info.dli_fname, strerror(errno));
  library_copy = copy;
  /* A copy: the same file would only be counted again, never unloaded. */
  ok(in_child(child_unloads, NULL),
     "a copy of %s loaded with dlopen, used for a closure and unloaded with dlclose: fork() afterwards works",
     info.dli_fname);
  unlink(copy);
  free(copy);
}

int main(void)
{
  tap_start();
  ffi_type *t[] = {&ffi_type_sint, &ffi_type_sint};
  prep(&mix_cif, 2, &ffi_type_sint, t);
  test_parent_and_child();
  test_fork_while_busy();
  test_unload();
  for (int i = 0; i < INHERITED; i++) ffi_closure_free(inherited[i]);
  return tap_finish();
}
