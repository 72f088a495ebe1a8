/* closure_memory.c -- closures come and go at scale, and their memory goes
   back to the system (POSIX systems only: Makefile.am; the mapping and
   RSS checks read /proc/self and skip without it):
   - 100,000 live closures of int f(int), each called (a sample) against
     the compiled function, then all freed in a scrambled order: the
     mappings made for them are gone again and the resident memory is
     back near where it was;
   - closures of every size class (ffi_closure, ffi_raw_closure, 200 and
     5,000 bytes, 3 MiB) are writable over their whole size and callable;
   - alloc + free cycles at a chunk boundary map nothing after the first;
   - allocation after everything was freed works again;
   - freeing a pointer twice, or one inside a closure, stops the program
     (in a child), and preparing a closure in memory of the program's own
     still works.  */
#include "tap.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

enum { LIVE = 100000 };

static NOINLINE int expected(int x, intptr_t user) { return 3 * x + (int)user; }

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(ffi_sarg)expected(*(int *)args[0], (intptr_t)user);
}

/* Lines of /proc/self/maps (one a mapping), or -1.  */
static long mappings(void)
{
  FILE *f = fopen("/proc/self/maps", "r");
  if (!f) return -1;
  long n = 0;
  int c;
  while ((c = getc(f)) != EOF) n += c == '\n';
  fclose(f);
  return n;
}

/* Resident bytes (/proc/self/statm), or -1.  */
static long resident(void)
{
  FILE *f = fopen("/proc/self/statm", "r");
  long size, pages = -1;
  if (!f) return -1;
  if (fscanf(f, "%ld %ld", &size, &pages) != 2) pages = -1;
  fclose(f);
  return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

static ffi_cif cif;
static ffi_type *int_arg[] = {&ffi_type_sint32};

/* A prepared closure of SIZE bytes with user data USER, or NULL.  */
static void *make(size_t size, intptr_t user, void **code)
{
  ffi_closure *cl = ffi_closure_alloc(size, code);
  if (cl && ffi_prep_closure_loc(cl, &cif, handler, (void *)user, *code) != FFI_OK) return NULL;
  return cl;
}

static int call(void *code, int x) { return ((int (*)(int))code)(x); }

/* Whether freeing P stops a child process with a message.  */
static int free_is_fatal(void *p)
{
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    int null = open("/dev/null", 1);
    if (null >= 0) dup2(null, 2);
    ffi_closure_free(p);
    _exit(0);
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) return 0;
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
  tap_start();
  prep(&cif, 1, &ffi_type_sint32, int_arg);
  void **live = malloc(LIVE * sizeof *live), **code = malloc(LIVE * sizeof *code);
  if (!live || !code) bail("out of memory");
  memset(live, 0xff, LIVE * sizeof *live);
  memset(code, 0xff, LIVE * sizeof *code);
  TOUCHED(live);
  TOUCHED(code);

  /* Warm up: the first closure maps the template source (a file or a
     memfd) and makes the registry, which stay.  */
  void *c0;
  void *first = make(sizeof(ffi_closure), 1, &c0);
  ok(first && call(c0, 5) == expected(5, 1), "a first closure");
  ffi_closure_free(first);
  const long maps0 = mappings(), rss0 = resident();

  int made = 0, right = 0, calls = 0;
  for (int i = 0; i < LIVE; i++) made += (live[i] = make(sizeof(ffi_closure), i, &code[i])) != NULL;
  for (int i = 0; i < LIVE; i += (i % 7 == 0 ? 97 : 13)) {
    calls++;
    right += live[i] && call(code[i], i & 1023) == expected(i & 1023, i);
  }
  calls++;
  right += live[LIVE - 1] && call(code[LIVE - 1], -7) == expected(-7, LIVE - 1);
  const long maps1 = mappings(), rss1 = resident();
  ok(made == LIVE && right == calls, "%d closures made (%d), %d of %d sampled calls right", LIVE, made, right, calls);

  /* Free them in a scrambled order (a permutation: i * 7919 mod LIVE).  */
  for (long i = 0; i < LIVE; i++) ffi_closure_free(live[(i * 7919) % LIVE]);
  const long maps2 = mappings(), rss2 = resident();
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer maps regions and keeps freed memory of its own
     (x86-64: 20 more mappings, 1.6 MB more resident after freeing).  */
  const int sanitized = 1;
#else
  const int sanitized = 0;
#endif
  if (maps0 < 0 || rss0 < 0 || sanitized) {
    ok(1, "# SKIP no /proc/self/maps or statm, or AddressSanitizer's memory counted");
    ok(1, "# SKIP no /proc/self/maps or statm, or AddressSanitizer's memory counted");
  } else {
    /* One empty chunk (a code and a data mapping, perhaps a gap) stays,
       and the C library may map a few regions meanwhile; chunks kept
       would leave at least one mapping a trampoline page, 24 or more even
       at 64 KiB pages.  */
    const long pages = LIVE / (sysconf(_SC_PAGESIZE) / 16);  /* trampoline pages: a mapping at least each */
    ok(maps1 >= maps0 + pages && maps2 <= maps0 + 3 + 8,
       "their mappings go back: %ld lines of /proc/self/maps before, %ld live, %ld after freeing", maps0, maps1,
       maps2);
    /* Under an emulator (TEST_RUNNER: qemu-user) or valgrind the resident
       memory is theirs, their translated code included.  */
    const char *runner = getenv("TEST_RUNNER"), *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload")) runner = "valgrind";
    if (runner && *runner)
      ok(1, "# SKIP resident memory under %s", runner);
    else
      ok(rss1 - rss0 > (long)LIVE * 64 && rss2 - rss0 < (1L << 20),
         "their memory goes back: %ld KiB resident more while live, %ld KiB after freeing", (rss1 - rss0) >> 10,
         (rss2 - rss0) >> 10);
  }

  /* Every size class, written over its whole size and called.  */
  static const size_t sizes[] = {sizeof(ffi_closure), sizeof(ffi_raw_closure), 200, 5000, 3u << 20};
  int sized = 0;
  for (unsigned k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    void *c1, *c2;
    char *a = make(sizes[k], 10 + k, &c1), *b = make(sizes[k], 20 + k, &c2);
    if (!a || !b) {
      diag("size %zu: no closure", sizes[k]);
      continue;
    }
    /* The tail past the ffi_closure is the program's; the two do not
       overlap.  */
    memset(a + sizeof(ffi_closure), 0x5a, sizes[k] - sizeof(ffi_closure));
    memset(b + sizeof(ffi_closure), 0xa5, sizes[k] - sizeof(ffi_closure));
    int good = call(c1, 4) == expected(4, 10 + k) && call(c2, 4) == expected(4, 20 + k) &&
             (size_t)(a > b ? a - b : b - a) >= sizes[k] &&
               (sizes[k] == sizeof(ffi_closure) || (a[sizes[k] - 1] == 0x5a && b[sizes[k] - 1] == (char)0xa5));
    if (!good) diag("size %zu: wrong", sizes[k]);
    sized += good;
    ffi_closure_free(a);
    ffi_closure_free(b);
  }
  ok(sized == sizeof sizes / sizeof *sizes, "closures of %u sizes up to 3 MiB: %d right",
     (unsigned)(sizeof sizes / sizeof *sizes), sized);

  /* A chunk boundary: fill whole trampoline pages, then alloc and free one
     more, many times.  After the first cycle its chunk stays mapped
     (empty), so the count of mappings does not move.  */
  const int per_page = (int)(sysconf(_SC_PAGESIZE) / 16);
  int boundary = per_page * 3, cycles_right = 0;
  for (int i = 0; i < boundary; i++) live[i] = make(sizeof(ffi_closure), i, &code[i]);
  void *cx;
  ffi_closure_free(make(sizeof(ffi_closure), 0, &cx));
  const long maps_edge = mappings();
  int steady = 1;
  for (int r = 0; r < 1000; r++) {
    void *extra = make(sizeof(ffi_closure), r, &cx);
    cycles_right += extra && call(cx, r) == expected(r, r);
    if (r % 100 == 0) steady &= mappings() == maps_edge;
    ffi_closure_free(extra);
    if (r % 100 == 0) steady &= mappings() == maps_edge;
  }
  ok(cycles_right == 1000 && steady, "1000 alloc + free cycles past %d live closures: %d right, %s", boundary,
     cycles_right, steady ? "no mapping made or given back" : "mappings changed");
  for (int i = 0; i < boundary; i++) ffi_closure_free(live[i]);

  /* After everything went back, closures work again.  */
  int again = 0;
  for (int i = 0; i < 1000; i++) again += (live[i] = make(sizeof(ffi_closure), -i, &code[i])) != NULL;
  for (int i = 0; i < 1000; i++) again -= !live[i] || call(code[i], i) != expected(i, -i);
  ok(again == 1000, "1000 closures allocated and called after freeing them all: %d right", again);

  /* Misuse stops the program; a closure of the program's own still works. */
  void *c3;
  char *victim = make(sizeof(ffi_closure), 0, &c3);
  ok(victim && free_is_fatal(victim + 8), "freeing a pointer inside a closure stops the program");
  ffi_closure_free(victim);
  ok(free_is_fatal(victim), "freeing a closure twice stops the program");
  int stack_word;
  ok(free_is_fatal(&stack_word), "freeing a pointer ffi_closure_alloc never gave stops the program");
  for (int i = 0; i < 1000; i++) ffi_closure_free(live[i]);

  const size_t page = (size_t)sysconf(_SC_PAGESIZE);
  ffi_closure *own = alloc_pages(page);
  int own_ok = own && ffi_prep_closure_loc(own, &cif, handler, (void *)5, own) == FFI_OK &&
               make_executable(own, page) && call(own, 9) == expected(9, 5);
  ok(own_ok, "a closure in memory of the program's own (legacy trampoline)");
  if (own) free_pages(own, page);
  free(live);
  free(code);
  return tap_finish();
}
