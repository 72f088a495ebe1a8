/* harness.c -- runs capture.t's cases (harness.h) and prints TAP.

   Each case is called three ways: the compiled call of the case's C
   prototype (the ground truth), ffi_call (ffi_call_go when the case has
   a static chain) and, with ffix, ffi_call_plan_invoke on a plan of the
   same cif.  Each way is one test point; a failing one is followed by
   the rows that failed, with the bytes found.  The library's calls run
   in a child process (fork), its record and result passed back through
   shared memory: a call that crashes (libffi has such bugs, TESTING.md)
   fails its own test point and nothing else.  */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../portable/tap.h"
#include "harness.h"

struct a64_captured a64_captured;
struct a64_ret a64_ret;

void *callee(void)
{
  void *p = (void *)a64_capture_callee;
  __asm__("" : "+r"(p));
  return p;
}

/* ---------------------------------------------------------------- patterns */

/* The Nth byte of a run of distinct bytes (N < 254): never 0x00, which
   extension and cleared registers produce, nor 0xee, what the capture
   record holds before a call, nor 0xab, what result buffers hold.  */
static unsigned char pattern_byte(size_t n)
{
  unsigned b = (unsigned)n + 1;
  if (b >= 0xab) b++;
  if (b >= 0xee) b++;
  return (unsigned char)b;
}
enum { PATTERN_BYTES = 253 };

/* Byte J of argument I is pattern_byte(S_I + J), S_I the sizes of the
   arguments before it: every byte of one call differs from every other,
   so a byte found in a register names the argument and the byte.  */
static void fill_pattern(unsigned n, ffi_type **types, void **values, size_t room)
{
  size_t next = 0;
  for (unsigned i = 0; i < n; i++) {
    size_t size = types[i]->size;
    if (size > room || next + size > PATTERN_BYTES) bail("argument %u (%zu bytes) does not fit the pattern", i, size);
    for (size_t j = 0; j < size; j++) ((unsigned char *)values[i])[j] = pattern_byte(next + j);
    next += size;
  }
}

/* The registers a result may come from: 96 distinct bytes in x0, x1 and
   q0-q3, then 64 more for a result written through x8.  */
static void set_ret(const struct result_case *c)
{
  unsigned char bytes[160];
  for (size_t k = 0; k < sizeof bytes; k++) bytes[k] = pattern_byte(k);
  memset(&a64_ret, 0, sizeof a64_ret);
  memcpy(&a64_ret.x0, bytes, 8);
  memcpy(&a64_ret.x1, bytes + 8, 8);
  memcpy(a64_ret.q, bytes + 16, 64);
  memcpy(a64_ret.x8_bytes, bytes + 96, 64);
  if (c) {
    if (c->x0) a64_ret.x0 = c->x0;
    a64_ret.x8_len = (uint32_t)c->x8_len;
  }
}

static void reset_capture(void)
{
  memset(&a64_captured, 0xee, sizeof a64_captured);
  a64_captured.calls = 0;
}

/* ---------------------------------------------------------------- failures */

/* The diagnostics of the test point being checked, printed after it.  */
static char notes[8192];
static size_t notes_len;

__attribute__((format(printf, 1, 2))) static void note(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(notes + notes_len, sizeof notes - notes_len, fmt, ap);
  va_end(ap);
  if (n > 0) notes_len += (size_t)n < sizeof notes - notes_len ? (size_t)n : sizeof notes - notes_len - 1;
  if (notes_len + 1 < sizeof notes) notes[notes_len++] = '\n';
  notes[notes_len] = 0;
}

static const char *hex(const uint8_t *p, int len)
{
  static char buf[4][200];
  static int which;
  char *s = buf[which++ & 3];
  s[0] = 0;
  for (int i = 0; i < len && i < 64; i++) sprintf(s + 3 * i, "%02x ", p[i]);
  if (len > 0) s[3 * (len < 64 ? len : 64) - 1] = 0;
  return s;
}

/* One test point with its notes; returns COND.  */
static int report(int cond, const char *name, const char *way)
{
  ok(cond, "%s [%s]", name, way);
  if (!cond && notes_len) {
    char *line = notes;
    while (*line) {
      char *end = strchr(line, '\n');
      if (end) *end = 0;
      diag("  %s", line);
      if (!end) break;
      line = end + 1;
    }
  }
  notes_len = 0;
  notes[0] = 0;
  return cond;
}

void skip_case(const char *name, const char *why) { ok(1, "%s # SKIP %s", name, why); }

/* ---------------------------------------------------------------- isolation */

/* What a child hands back.  */
struct outcome {
  struct a64_captured cap;
  unsigned char rvalue[96] __attribute__((aligned(16)));
  int mutated;  /* avalue[] or a value changed */
  int done;
};
static struct outcome *shared;

/* Run FN(CTX) in a child; 1 if it finished, else 0 with a note.  */
static int isolated(void (*fn)(const void *), const void *ctx)
{
  if (!shared) {
    void *p = mmap(NULL, sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) bail("mmap: %s", strerror(errno));
    shared = p;
  }
  memset(shared, 0xee, sizeof *shared);
  memset(shared->rvalue, 0xab, sizeof shared->rvalue);
  shared->done = 0;
  shared->mutated = 0;
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) bail("fork: %s", strerror(errno));
  if (pid == 0) {
    /* No core file for a call that crashes.  */
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    fn(ctx);
    shared->done = 1;
    _exit(0);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) bail("waitpid: %s", strerror(errno));
  if (WIFSIGNALED(status)) {
    note("the call crashed: signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    return 0;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !shared->done) {
    note("the child did not finish (status %#x)", status);
    return 0;
  }
  return 1;
}

/* ---------------------------------------------------------------- arguments */

enum way { DIRECT, LIBRARY, PLAN };

static const uint8_t *located(const struct a64_captured *cap, const struct row *r)
{
  switch (r->where) {
  case IN_X: case REF_X: case EXTENDED_X: return (const uint8_t *)&cap->x[r->index] + r->at;
  case IN_V: return cap->v[r->index] + r->at;
  case IN_STACK: case REF_STACK: return cap->stack + r->index + r->at;
  case IN_DEREF: return cap->deref + r->at;
  }
  return NULL;
}

static const char *where_name(const struct row *r)
{
  static char buf[2][48];
  static int which;
  char *s = buf[which++ & 1];
  switch (r->where) {
  case IN_X: case REF_X: case EXTENDED_X: snprintf(s, 48, "x%d byte %d", r->index, r->at); break;
  case IN_V: snprintf(s, 48, "q%d byte %d", r->index, r->at); break;
  case IN_STACK: case REF_STACK: snprintf(s, 48, "stack byte %d", r->index + r->at); break;
  case IN_DEREF: snprintf(s, 48, "the copy's byte %d", r->at); break;
  }
  return s;
}

/* The rows of C against CAP (a record of way WAY); the number failed.  */
static int check_rows(const struct args_case *c, const struct a64_captured *cap, void **values, enum way way)
{
  int failed = 0;
  if (cap->calls != 1) {
    note("a64_capture_callee ran %llu times, not once", (unsigned long long)cap->calls);
    return 1;
  }
  for (size_t i = 0; i < c->nrows; i++) {
    const struct row *r = &c->rows[i];
    if (r->arg < 0 || (unsigned)r->arg >= c->nargs || r->src < 0 || r->len <= 0 ||
        (size_t)(r->src + r->len) > c->types[r->arg]->size)
      bail("%s: row %zu is not inside argument %d", c->name, i, r->arg);
    const uint8_t *want = (const uint8_t *)values[r->arg] + r->src;
    const uint8_t *got = located(cap, r);
    switch (r->where) {
    case IN_X: case IN_V: case IN_STACK: case IN_DEREF:
      if (memcmp(got, want, (size_t)r->len) != 0) {
        failed++;
        note("row %zu: argument %d bytes %d..%d belong in %s: want %s, got %s", i, r->arg, r->src,
             r->src + r->len - 1, where_name(r), hex(want, r->len), hex(got, r->len));
      }
      break;
    case REF_X: case REF_STACK: {
      uint64_t addr;
      memcpy(&addr, got, 8);
      if (way != DIRECT && addr == (uint64_t)(uintptr_t)values[r->arg]) {
        failed++;
        note("row %zu: %s holds avalue[%d] (%#llx) itself, not the address of a copy", i, where_name(r), r->arg,
             (unsigned long long)addr);
      }
      break;
    }
    case EXTENDED_X: {
      if (way == DIRECT) break;
      ffi_type *t = c->types[r->arg];
      int is_signed = t->type == FFI_TYPE_SINT8 || t->type == FFI_TYPE_SINT16 || t->type == FFI_TYPE_SINT32 ||
                      t->type == FFI_TYPE_SINT64;
      unsigned bits = 8 * (unsigned)t->size;
      uint64_t v = 0, x;
      memcpy(&v, values[r->arg], t->size);
      if (bits < 64 && is_signed && (v >> (bits - 1)) & 1) v |= ~(uint64_t)0 << bits;
      memcpy(&x, got, 8);
      if (x != v) {
        failed++;
        note("row %zu: x%d = %#llx, not argument %d %s-extended (%#llx)", i, r->index, (unsigned long long)x,
             r->arg, is_signed ? "sign" : "zero", (unsigned long long)v);
      }
      break;
    }
    }
  }
  if (failed) {
    for (int k = 0; k < 9; k++) note("x%d%s = %s", k, k < 8 ? " " : "", hex((const uint8_t *)&cap->x[k], 8));
    note("x18 = %s", hex((const uint8_t *)&cap->x18, 8));
    for (int k = 0; k < 8; k++) note("q%d = %s", k, hex(cap->v[k], 16));
    for (int k = 0; k < 64; k += 16) note("stack %2d: %s", k, hex(cap->stack + k, 16));
    if (c->deref_len) note("copy: %s", hex(cap->deref, c->deref_len));
  }
  return failed;
}

/* What a child of run_args needs.  */
struct args_call {
  const struct args_case *c;
  ffi_cif *cif;
  void **values;
  enum way way;
#ifdef HAVE_CALL_PLANS
  ffi_call_plan *plan;
#endif
};

static unsigned char storage[16][64] __attribute__((aligned(16)));
static unsigned char storage_copy[16][64];

static void set_deref(const struct args_case *c)
{
  memset(&a64_ret, 0, sizeof a64_ret);
  a64_ret.deref_src = c->deref_src;
  a64_ret.deref_len = (uint32_t)c->deref_len;
}

static void library_call(const void *p)
{
  const struct args_call *a = p;
  void *values_copy[16];
  memcpy(values_copy, a->values, sizeof values_copy);
  set_deref(a->c);
  reset_capture();
  void *rvalue = shared->rvalue;
  if (a->way == PLAN) {
#ifdef HAVE_CALL_PLANS
    ffi_call_plan_invoke(a->plan, FFI_FN(a64_capture_callee), rvalue, a->values);
#endif
  } else if (a->c->chain) {
    ffi_call_go(a->cif, FFI_FN(a64_capture_callee), rvalue, a->values, a->c->chain);
  } else {
    ffi_call(a->cif, FFI_FN(a64_capture_callee), rvalue, a->values);
  }
  shared->cap = a64_captured;
  shared->mutated = memcmp(values_copy, a->values, sizeof values_copy) != 0 ||
                    memcmp(storage_copy, storage, sizeof storage) != 0;
}

static void library_way(const struct args_case *c, struct args_call *a, const char *way_name)
{
  int good = isolated(library_call, a);
  if (good) {
    good = check_rows(c, &shared->cap, a->values, a->way) == 0;
    if (c->chain && shared->cap.x18 != (uint64_t)(uintptr_t)c->chain) {
      note("x18 is %#llx, not the closure %p", (unsigned long long)shared->cap.x18, c->chain);
      good = 0;
    }
    if (shared->mutated) {
      note("the call changed avalue[] or an argument value");
      good = 0;
    }
  }
  report(good, c->name, way_name);
}

void run_args(const struct args_case *c)
{
  ffi_cif cif;
  ffi_status s = c->nfixed ? ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, c->nfixed, c->nargs, &ffi_type_void, c->types)
                           : ffi_prep_cif(&cif, FFI_DEFAULT_ABI, c->nargs, &ffi_type_void, c->types);
  if (s != FFI_OK) {
    note("ffi_prep_cif%s returned %d", c->nfixed ? "_var" : "", (int)s);
    report(0, c->name, "ffi_prep_cif");
    return;
  }
  void *values[16];
  if (c->nargs > ARRAY_LEN(values)) bail("%s: too many arguments", c->name);
  memset(storage, 0, sizeof storage);
  for (unsigned i = 0; i < ARRAY_LEN(values); i++) values[i] = storage[i];
  fill_pattern(c->nargs, c->types, values, sizeof storage[0]);
  if (c->adjust) c->adjust(values, c->types);
  memcpy(storage_copy, storage, sizeof storage);

  /* The compiled call.  */
  set_deref(c);
  reset_capture();
  c->direct(values);
  struct a64_captured direct = a64_captured;
  int good = check_rows(c, &direct, values, DIRECT) == 0;
  if (c->chain && direct.x18 != (uint64_t)(uintptr_t)c->chain) {
    note("x18 is %#llx, not the chain %p", (unsigned long long)direct.x18, c->chain);
    good = 0;
  }
  report(good, c->name, "compiled call");

  struct args_call a = {.c = c, .cif = &cif, .values = values, .way = LIBRARY};
  library_way(c, &a, c->chain ? "ffi_call_go" : "ffi_call");

#ifdef HAVE_CALL_PLANS
  if (!c->chain) {
    a.way = PLAN;
    a.plan = ffi_call_plan_alloc(&cif);
    if (!a.plan) bail("ffi_call_plan_alloc returned NULL");
    library_way(c, &a, "ffi_call_plan_invoke");
    ffi_call_plan_free(a.plan);
  }
#endif
}

/* ---------------------------------------------------------------- results */

static const uint8_t *source_bytes(const struct rrow *r)
{
  switch (r->source) {
  case FROM_X: return (const uint8_t *)(r->index ? &a64_ret.x1 : &a64_ret.x0) + r->off;
  case FROM_Q: return a64_ret.q[r->index] + r->off;
  case FROM_X8: return a64_ret.x8_bytes + r->off;
  }
  return NULL;
}

static const char *source_name(const struct rrow *r)
{
  static char buf[40];
  snprintf(buf, sizeof buf, "%s%d byte %d", r->source == FROM_X ? "x" : r->source == FROM_Q ? "q" : "(x8) ",
           r->source == FROM_X8 ? 0 : r->index, r->off);
  return buf;
}

static int check_result(const struct result_case *c, const uint8_t *out, enum way way)
{
  int failed = 0;
  for (size_t i = 0; i < c->nrows; i++) {
    const struct rrow *r = &c->rows[i];
    const uint8_t *want = source_bytes(r);
    if (memcmp(out + r->at, want, (size_t)r->len) != 0) {
      failed++;
      note("row %zu: result bytes %d..%d come from %s: want %s, got %s", i, r->at, r->at + r->len - 1,
           source_name(r), hex(want, r->len), hex(out + r->at, r->len));
    }
  }
  if (c->widen && way != DIRECT) {
    ffi_arg got;
    memcpy(&got, out, sizeof got);
    if (got != c->want) {
      failed++;
      note("the whole ffi_arg: want %#llx, got %#llx", (unsigned long long)c->want, (unsigned long long)got);
    }
  }
  if (failed) note("rvalue: %s", hex(out, 48));
  return failed;
}

struct result_call {
  const struct result_case *c;
  ffi_cif *cif;
  enum way way;
#ifdef HAVE_CALL_PLANS
  ffi_call_plan *plan;
#endif
};

static void result_library_call(const void *p)
{
  const struct result_call *a = p;
  set_ret(a->c);
  reset_capture();
  void *rvalue = a->c->null_rvalue ? NULL : shared->rvalue;
  if (a->way == PLAN) {
#ifdef HAVE_CALL_PLANS
    ffi_call_plan_invoke(a->plan, FFI_FN(a64_capture_callee), rvalue, NULL);
#endif
  } else {
    ffi_call(a->cif, FFI_FN(a64_capture_callee), rvalue, NULL);
  }
  shared->cap = a64_captured;
}

static void result_library_way(const struct result_case *c, struct result_call *a, const char *way_name)
{
  int good = isolated(result_library_call, a);
  if (good && shared->cap.calls != 1) {
    note("a64_capture_callee ran %llu times, not once", (unsigned long long)shared->cap.calls);
    good = 0;
  }
  if (good && c->x8_len && !c->null_rvalue && shared->cap.x[8] != (uint64_t)(uintptr_t)shared->rvalue)
    /* Allowed (the library may use a buffer of its own and copy), but
       worth knowing when a row fails.  */
    note("x8 was %#llx, rvalue %p", (unsigned long long)shared->cap.x[8], (void *)shared->rvalue);
  if (good && c->null_rvalue) {
    if (c->x8_len && shared->cap.x[8] == 0) {
      note("x8 was NULL: no memory for the result");
      good = 0;
    }
  } else if (good) {
    good = check_result(c, shared->rvalue, a->way) == 0;
  }
  report(good, c->name, way_name);
}

void run_result(const struct result_case *c)
{
  ffi_cif cif;
  ffi_status s = ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, c->rtype, NULL);
  if (s != FFI_OK) {
    note("ffi_prep_cif returned %d", (int)s);
    report(0, c->name, "ffi_prep_cif");
    return;
  }
  if (!c->null_rvalue) {
    unsigned char out[96] __attribute__((aligned(16)));
    memset(out, 0xab, sizeof out);
    set_ret(c);
    reset_capture();
    c->direct(out);
    int good = a64_captured.calls == 1;
    if (!good) note("a64_capture_callee ran %llu times, not once", (unsigned long long)a64_captured.calls);
    good = good && check_result(c, out, DIRECT) == 0;
    report(good, c->name, "compiled call");
  }
  struct result_call a = {.c = c, .cif = &cif, .way = LIBRARY};
  result_library_way(c, &a, "ffi_call");
#ifdef HAVE_CALL_PLANS
  a.way = PLAN;
  a.plan = ffi_call_plan_alloc(&cif);
  if (!a.plan) bail("ffi_call_plan_alloc returned NULL");
  result_library_way(c, &a, "ffi_call_plan_invoke");
  ffi_call_plan_free(a.plan);
#endif
}

int main(void)
{
  tap_start();
  args_cases();
  results_cases();
  return tap_finish();
}
