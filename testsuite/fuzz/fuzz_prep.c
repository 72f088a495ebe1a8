/* fuzz_prep.c -- feed hostile type graphs and signatures to ffix's public API.

   LLVMFuzzerTestOneInput reads its bytes as a small program (format below)
   that builds ffi_type graphs in a pool of heap-allocated nodes -- any
   size, alignment, type code or element list, cycles, shared subtrees,
   deep DAGs -- and runs ffi_prep_cif, ffi_prep_cif_var,
   ffi_get_struct_offsets and ffi_call_plan_alloc/free on them.  Every
   status must be FFI_OK or one of the three error statuses; anything else
   abort()s.

   A signature that prepares successfully is then called for real: a
   closure is prepared for the same cif, ffi_call (or
   ffi_call_plan_invoke, or ffi_call_go with a Go closure) calls the
   closure's code with argument buffers of exactly the types' sizes, and
   the closure's handler checks that every argument arrived intact and
   writes a return value, which the caller checks in turn.  "Intact" means
   the significant bytes: the scalar leaves of each type, laid out by the
   rules ffi_prep_cif uses, that do not overlap each other, straddle an
   eightbyte, or stick out of their container (see walk_leaves).  Padding
   is never compared.  A mismatch prints "FUZZ-MISMATCH" and aborts.

   Built against Debian's libffi (-DFUZZ_SYSTEM_LIBFFI) the same program
   skips what libffi 3.4 lacks (call plans, int128 and vector types are
   plain pool nodes there), for comparing crashes.

   Input format (every read past the end yields 0 bytes, so any input is
   valid).  A type reference REF is one byte:
       0x00-0x3f  pool node REF                0x40-0x51  a predefined type
       0xff       NULL                         others     pool node REF & 63
   A VARINT is LEB128.  The input is a sequence of operations, the first
   byte of each taken modulo 8:
     0 DEF    idx code size:VARINT align:u16le mode elems...
              mode & 3: 0 elements = NULL; 1 explicit: n:u8 REF*n;
                        2 repeated: count:VARINT patlen:u8 REF*patlen;
                        3 empty list ({NULL})
     1 CHAIN  base depth fanout flags leaf:REF [size:VARINT align:u16le if flags&1]
              nodes base..base+depth-1 (mod 64): node k is a struct of
              FANOUT copies of node k-1 (k = 0: of LEAF): a DAG whose tree
              has fanout^depth leaves.  flags&1: sizes preset; flags&2:
              the first node also contains the last (a cycle).
     2 SIG    abi flags nargs:VARINT nfixed:VARINT rtype:REF patlen:u8
              REF*patlen callflags seed
              flags&1: ffi_prep_cif_var; nargs is taken modulo 65536;
              argument I is REF[I % patlen] (patlen 0: arg_types = NULL).
              callflags&1: call through a closure when prepared;
              &2: use ffi_call_plan_invoke; &4: rvalue NULL;
              &8: use a Go closure and ffi_call_go; &16: prep twice and
              compare.
     3 OFFS   abi REF withArray
     4 SET    idx field value: field%4 0 size:VARINT, 1 align:u16le,
              2 type:u8, 3 element k:u8 := REF
     5 COPY   from:REF-as-idx to:idx (copies the node's fields)
     6 ZERO   idx
     7 STOP
   ABI byte: 0-6 that value, 7 -> 0xffffffff, 8 -> 0x80000000,
   9 -> u32le, others -> FFI_DEFAULT_ABI.  */

#include <ffi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define POOL 64
#define MAX_OPS 256
#define MAX_ELEMS_PER_INPUT (1u << 21)  /* element pointers allocated per input */
#define MAX_CALL_BYTES (16u << 20)      /* argument and result bytes of one call */
#define LEAF_BUDGET 200000              /* nodes visited by one leaf walk */

#ifdef FUZZ_SYSTEM_LIBFFI
#define SYSTEM_LIBFFI 1
#define HAVE_CALL_PLAN 0
#ifndef FFI_TYPE_VECTOR
#define FFI_TYPE_VECTOR 18
#endif
#ifndef FFI_TYPE_UINT128
#define FFI_TYPE_UINT128 16
#define FFI_TYPE_SINT128 17
#endif
static ffi_type fake_uint128 = {16, 16, FFI_TYPE_UINT128, NULL};
static ffi_type fake_sint128 = {16, 16, FFI_TYPE_SINT128, NULL};
#define TYPE_UINT128 fake_uint128
#define TYPE_SINT128 fake_sint128
#else
#define SYSTEM_LIBFFI 0
#define HAVE_CALL_PLAN 1
#define TYPE_UINT128 ffi_type_uint128
#define TYPE_SINT128 ffi_type_sint128
#endif

/* ------------------------------------------------------------ input */

struct reader {
  const uint8_t *p;
  size_t n, pos;
};

static uint8_t u8(struct reader *r) { return r->pos < r->n ? r->p[r->pos++] : 0; }
static int at_end(const struct reader *r) { return r->pos >= r->n; }

static uint16_t u16(struct reader *r) {
  uint16_t lo = u8(r);
  return (uint16_t)(lo | (uint16_t)u8(r) << 8);
}

static uint32_t u32(struct reader *r) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v |= (uint32_t)u8(r) << (8 * i);
  return v;
}

static uint64_t varint(struct reader *r) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = u8(r);
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  return v;
}

/* ------------------------------------------------------------ per-input state */

static ffi_type *const predefined[] = {
    &ffi_type_void,   &ffi_type_uint8,          &ffi_type_sint8,          &ffi_type_uint16,
    &ffi_type_sint16, &ffi_type_uint32,         &ffi_type_sint32,         &ffi_type_uint64,
    &ffi_type_sint64, &ffi_type_float,          &ffi_type_double,         &ffi_type_pointer,
    &ffi_type_longdouble, &ffi_type_complex_float, &ffi_type_complex_double,
    &ffi_type_complex_longdouble, &TYPE_UINT128, &TYPE_SINT128,
};
#define NPREDEF (sizeof predefined / sizeof predefined[0])

struct state {
  ffi_type *pool[POOL];
  void **allocs;  /* everything to free at the end of the input */
  size_t nallocs, capallocs;
  size_t elems_used;
};

static void *track(struct state *s, void *p) {
  if (!p) return NULL;
  if (s->nallocs == s->capallocs) {
    size_t cap = s->capallocs ? 2 * s->capallocs : 64;
    void **bigger = realloc(s->allocs, cap * sizeof *bigger);
    if (!bigger) abort();
    s->allocs = bigger;
    s->capallocs = cap;
  }
  s->allocs[s->nallocs++] = p;
  return p;
}

static ffi_type *ref(struct state *s, uint8_t r) {
  if (r == 0xff) return NULL;
  if (r >= POOL && r < POOL + NPREDEF) return predefined[r - POOL];
  return s->pool[r & (POOL - 1)];
}

static ffi_abi abi_of(struct reader *r) {
  uint8_t b = u8(r);
  if (b <= 6) return (ffi_abi)b;
  if (b == 7) return (ffi_abi)0xffffffffu;
  if (b == 8) return (ffi_abi)0x80000000u;
  if (b == 9) return (ffi_abi)u32(r);
  return FFI_DEFAULT_ABI;
}

/* A NULL-terminated element array of COUNT entries, or NULL when over budget. */
static ffi_type **new_elements(struct state *s, size_t count) {
  if (count > MAX_ELEMS_PER_INPUT || s->elems_used + count + 1 > MAX_ELEMS_PER_INPUT) return NULL;
  s->elems_used += count + 1;
  ffi_type **e = track(s, calloc(count + 1, sizeof *e));
  if (!e) abort();
  return e;
}

/* FFIX_FUZZ_VERBOSE=1 in the environment: say what each operation did. */
static int verbose(void) {
  static int v = -1;
  if (v < 0) v = getenv("FFIX_FUZZ_VERBOSE") != NULL;
  return v;
}

/* FUZZ_CHECK_WHY (run-replay.sh): what each checked call wrote on stderr
   goes to a file (why_begin), and check_status then asks that it be one
   line "ffix: WHAT: STATUS: ..." for a refusal under FFIX_DEBUG, and
   nothing for FFI_OK or without FFIX_DEBUG.  */
#ifdef FUZZ_CHECK_WHY
#include <unistd.h>
static FILE *why_file;
static int why_saved = -1;
static void why_begin(void) {
  fflush(stderr);
  why_file = tmpfile();
  if (!why_file) abort();
  why_saved = dup(2);
  dup2(fileno(why_file), 2);
}
static const char *status_name(ffi_status st) {
  return st == FFI_OK ? "FFI_OK" : st == FFI_BAD_TYPEDEF ? "FFI_BAD_TYPEDEF" : st == FFI_BAD_ABI ? "FFI_BAD_ABI"
                                                                                               : "FFI_BAD_ARGTYPE";
}
static void why_end(const char *what, ffi_status st) {
  if (!why_file) return;
  fflush(stderr);
  dup2(why_saved, 2);
  close(why_saved);
  char said[4096];
  rewind(why_file);
  size_t n = fread(said, 1, sizeof said - 1, why_file);
  said[n] = 0;
  fclose(why_file);
  why_file = NULL;
  const char *v = getenv("FFIX_DEBUG");
  int debug = v && *v && strcmp(v, "0") != 0;
  char want[128];
  snprintf(want, sizeof want, "ffix: %s: %s: ", what, status_name(st));
  int ok = (st == FFI_OK || !debug) ? n == 0
                                   : n > strlen(want) + 1 && !strncmp(said, want, strlen(want)) &&
                                         strchr(said, '\n') == said + n - 1;
  if (!ok) {
    fprintf(stderr, "FUZZ-WHY: %s returned %s and wrote \"%s\" (FFIX_DEBUG %s)\n", what, status_name(st), said,
            debug ? "on" : "off");
    abort();
  }
}
#else
static void why_begin(void) {}
static void why_end(const char *what, ffi_status st) { (void)what, (void)st; }
#endif

static void check_status(const char *what, ffi_status st) {
  why_end(what, st);
  if (st != FFI_OK && st != FFI_BAD_TYPEDEF && st != FFI_BAD_ABI && st != FFI_BAD_ARGTYPE) {
    fprintf(stderr, "FUZZ-BADSTATUS: %s returned %d\n", what, (int)st);
    abort();
  }
}

/* ------------------------------------------------------------ significant bytes */

struct leaf {
  size_t off, len;
  int longdouble;
};

struct leaves {
  struct leaf *v;
  size_t n, cap;
  long budget;
  int unusable;  /* walk gave up, or the graph has layouts we do not model */
};

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
static int is_pow2(size_t v) { return v && !(v & (v - 1)); }

static void add_leaf(struct leaves *L, size_t off, size_t len, size_t limit, int ld) {
  if (len == 0 || off >= limit || len > limit - off) return;  /* sticks out of its container */
  if (L->n == L->cap) {
    size_t cap = L->cap ? 2 * L->cap : 16;
    struct leaf *bigger = realloc(L->v, cap * sizeof *bigger);
    if (!bigger) abort();
    L->v = bigger;
    L->cap = cap;
  }
  L->v[L->n++] = (struct leaf){off, len, ld};
}

static size_t scalar_len(unsigned short code, int *ld) {
  *ld = 0;
  switch (code) {
  case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: return 1;
  case FFI_TYPE_UINT16: case FFI_TYPE_SINT16: return 2;
  case FFI_TYPE_INT: case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: case FFI_TYPE_FLOAT: return 4;
  case FFI_TYPE_UINT64: case FFI_TYPE_SINT64: case FFI_TYPE_DOUBLE: case FFI_TYPE_POINTER: return 8;
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128: return 16;
  case FFI_TYPE_LONGDOUBLE: *ld = 1; return 10;  /* x87: 10 significant bytes of 16 */
  default: return 0;  /* void and unknown codes carry nothing we can check */
  }
}

/* Scalar leaves of T placed at OFF, not beyond LIMIT.  Struct members go
   where ffi_prep_cif puts them: each at its alignment, in order.  */
static void walk_leaves(const ffi_type *t, size_t off, size_t limit, int depth, struct leaves *L) {
  if (!t || L->unusable) return;
  if (--L->budget < 0 || depth > 80) {
    L->unusable = 1;
    return;
  }
  if (!is_pow2(t->alignment)) {
    L->unusable = 1;  /* align_up with such alignments is not a layout we model */
    return;
  }
  if (off >= limit) return;
  size_t end = t->size > limit - off ? limit : off + t->size;
  int ld;
  switch (t->type) {
  case FFI_TYPE_STRUCT: {
    if (!t->elements) return;
    size_t at = off;
    for (ffi_type **e = t->elements; *e; e++) {
      if (!is_pow2((*e)->alignment)) {
        L->unusable = 1;
        return;
      }
      at = align_up(at, (*e)->alignment);
      if (at >= end) break;
      walk_leaves(*e, at, end, depth + 1, L);
      if (L->unusable) return;
      at += (*e)->size;
      if (at < (*e)->size) return;  /* wrapped */
    }
    return;
  }
  case FFI_TYPE_COMPLEX: {
    const ffi_type *part = t->elements ? t->elements[0] : NULL;
    if (!part) return;
    size_t len = scalar_len(part->type, &ld);
    if (!len || part->size < len) return;
    add_leaf(L, off, len, end, ld);
    add_leaf(L, off + part->size, len, end, ld);
    return;
  }
  case FFI_TYPE_VECTOR: {
    if (!t->elements) return;
    size_t at = off;
    for (ffi_type **e = t->elements; *e && at < end; e++) {
      size_t len = scalar_len((*e)->type, &ld);
      if (len) add_leaf(L, at, len, end, ld);
      at += (*e)->size;
      if (--L->budget < 0) {
        L->unusable = 1;
        return;
      }
    }
    return;
  }
  default: {
    size_t len = scalar_len(t->type, &ld);
    if (len && len <= t->size) add_leaf(L, off, len, end, ld);
    return;
  }
  }
}

static int leaf_cmp(const void *a, const void *b) {
  const struct leaf *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off ? 1 : x->len < y->len ? -1 : x->len > y->len;
}

/* The leaves of T that can be checked: sorted, overlapping ones and ones
   that straddle an eightbyte (which the classification may split in
   ways that depend on the declared alignment) dropped.  */
static void checkable_leaves(const ffi_type *t, struct leaves *L) {
  memset(L, 0, sizeof *L);
  L->budget = LEAF_BUDGET;
  walk_leaves(t, 0, t->size, 0, L);
  if (L->unusable) {
    L->n = 0;
    return;
  }
  if (L->n > 1) qsort(L->v, L->n, sizeof *L->v, leaf_cmp);
  size_t kept = 0;
  for (size_t i = 0; i < L->n; i++) {
    struct leaf f = L->v[i];
    int overlaps = (i > 0 && L->v[i - 1].off + L->v[i - 1].len > f.off) ||
                   (i + 1 < L->n && f.off + f.len > L->v[i + 1].off);
    int straddles = f.off / 8 != (f.off + f.len - 1) / 8 && f.off % 8 != 0;
    if (!overlaps && !straddles) L->v[kept++] = f;
  }
  L->n = kept;
}

/* ------------------------------------------------------------ values */

static uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static void fill_random(unsigned char *p, size_t n, uint64_t *seed) {
  while (n >= 8) {
    uint64_t v = splitmix(seed);
    memcpy(p, &v, 8);
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t v = splitmix(seed);
    memcpy(p, &v, n);
  }
}

/* A long double that survives fldt/fstpt unchanged (a normal number). */
static void canonical_longdouble(unsigned char *p, uint64_t *seed) {
  long double v = (long double)(int64_t)splitmix(seed) / 7.0L;
  memcpy(p, &v, 10);
}

static int is_small_int(unsigned short code) {
  return code == FFI_TYPE_INT || (code >= FFI_TYPE_UINT8 && code <= FFI_TYPE_SINT32);
}

/* ffi_arg holding the small integer at P, extended as its type says. */
static ffi_arg extend(unsigned short code, const unsigned char *p) {
  switch (code) {
  case FFI_TYPE_UINT8: return *p;
  case FFI_TYPE_SINT8: return (ffi_arg)(ffi_sarg)(int8_t)*p;
  case FFI_TYPE_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
  case FFI_TYPE_SINT16: { int16_t v; memcpy(&v, p, 2); return (ffi_arg)(ffi_sarg)v; }
  case FFI_TYPE_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
  default: { int32_t v; memcpy(&v, p, 4); return (ffi_arg)(ffi_sarg)v; }
  }
}

/* ------------------------------------------------------------ the round trip */

struct call {
  ffi_cif *cif;
  void **avalue;
  struct leaves *arg_leaves;  /* per argument */
  struct leaves ret_leaves;
  unsigned char *ret_value;   /* what the handler returns */
  size_t ret_write;           /* bytes the handler writes */
  void *user_data;            /* what the handler must receive */
  int calls;
};

static struct call *current;

static void mismatch(const char *what, unsigned i, size_t off, size_t len) {
  fprintf(stderr, "FUZZ-MISMATCH: %s %u at byte %zu (%zu bytes)\n", what, i, off, len);
  abort();
}

static void handler(ffi_cif *cif, void *ret, void **args, void *user_data) {
  struct call *c = current;
  if (!c || cif != c->cif) mismatch("closure received another cif", 0, 0, 0);
  if (user_data != c->user_data) mismatch("closure received other user data", 0, 0, 0);
  c->calls++;
  for (unsigned i = 0; i < cif->nargs; i++) {
    const struct leaves *L = &c->arg_leaves[i];
    const unsigned char *want = c->avalue[i], *got = args[i];
    for (size_t k = 0; k < L->n; k++)
      if (memcmp(want + L->v[k].off, got + L->v[k].off, L->v[k].len))
        mismatch("argument", i, L->v[k].off, L->v[k].len);
  }
  if (c->ret_write) memcpy(ret, c->ret_value, c->ret_write);
}

static void *aligned_buffer(size_t size, unsigned short alignment) {
  size_t al = is_pow2(alignment) && alignment > 16 ? alignment : 16;
  if (al > 4096) al = 4096;
  void *p = NULL;
  if (posix_memalign(&p, al, size ? size : 1)) abort();
  return p;
}

/* The buffers ffi_call's assembly reads (arguments) and writes (the
   result).  ASan does not see those accesses, so for calls that are small
   enough each buffer is placed to end right before a PROT_NONE page: an
   overrun by even one byte faults.  The start is aligned to the type's
   alignment, as C would place such an object.  */
struct region {
  void *map, *heap;
  size_t len;
};

#define GUARD_MAX_ARGS 64
#define GUARD_MAX_BYTES (4u << 20)

static void *get_buffer(struct region *r, size_t size, unsigned short alignment, int guarded) {
  memset(r, 0, sizeof *r);
  if (!guarded) return r->heap = aligned_buffer(size, alignment);
  const size_t page = 4096;
  size_t len = align_up(size + page, page) + page;
  unsigned char *base = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) abort();
  unsigned char *guard = base + len - page;
  if (mprotect(guard, page, PROT_NONE)) abort();
  r->map = base;
  r->len = len;
  size_t a = is_pow2(alignment) ? (alignment > page ? page : alignment) : 1;
  return (void *)(((uintptr_t)guard - size) & ~(uintptr_t)(a - 1));
}

static void put_buffer(struct region *r) {
  if (r->map) munmap(r->map, r->len);
  free(r->heap);
  memset(r, 0, sizeof *r);
}

static void round_trip(ffi_cif *cif, uint8_t callflags, uint8_t seed_byte) {
  unsigned nargs = cif->nargs;
  ffi_type *rtype = cif->rtype;
  size_t total = 0;
  for (unsigned i = 0; i < nargs; i++) {
    total += cif->arg_types[i]->size;
    if (total > MAX_CALL_BYTES) return;
  }
  int void_ret = rtype->type == FFI_TYPE_VOID;
  size_t rsize = void_ret ? 0 : rtype->size;
  if (rsize > MAX_CALL_BYTES) return;

  uint64_t seed = 0x243f6a8885a308d3ull ^ seed_byte ^ (uint64_t)nargs << 8;
  struct call c;
  memset(&c, 0, sizeof c);
  c.cif = cif;
  c.avalue = calloc(nargs ? nargs : 1, sizeof(void *));
  c.arg_leaves = calloc(nargs ? nargs : 1, sizeof(struct leaves));
  struct region *regions = calloc(nargs + 1, sizeof *regions);  /* [nargs]: the result */
  if (!c.avalue || !c.arg_leaves || !regions) abort();
  int guarded = nargs <= GUARD_MAX_ARGS && total <= GUARD_MAX_BYTES && rsize <= GUARD_MAX_BYTES;
  for (unsigned i = 0; i < nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    c.avalue[i] = get_buffer(&regions[i], t->size, t->alignment, guarded);
    fill_random(c.avalue[i], t->size, &seed);
    checkable_leaves(t, &c.arg_leaves[i]);
  }

  /* The return value the handler writes, and how the caller sees it:
     small integers as a whole ffi_arg, everything else as RSIZE bytes. */
  size_t rbuf_size = rsize < sizeof(ffi_arg) ? sizeof(ffi_arg) : rsize;
  c.ret_value = aligned_buffer(rbuf_size, rtype->alignment);
  memset(c.ret_value, 0, rbuf_size);
  int small = !void_ret && is_small_int(rtype->type) && rsize < sizeof(ffi_arg);
  if (!void_ret) {
    fill_random(c.ret_value, rsize, &seed);
    checkable_leaves(rtype, &c.ret_leaves);
    for (size_t k = 0; k < c.ret_leaves.n; k++)
      if (c.ret_leaves.v[k].longdouble) canonical_longdouble(c.ret_value + c.ret_leaves.v[k].off, &seed);
    if (small) {
      ffi_arg v = extend(rtype->type, c.ret_value);
      memcpy(c.ret_value, &v, sizeof v);
      c.ret_write = sizeof(ffi_arg);
    } else {
      c.ret_write = rsize;
    }
  }
  /* The caller's result buffer: exactly what ffi_call may write (a whole
     ffi_arg for integers narrower than it). */
  size_t caller_size = void_ret || small ? sizeof(ffi_arg) : rsize;
  unsigned char *rvalue = NULL;
  if (!((callflags & 4) && rsize <= (1u << 20))) {  /* else rvalue NULL */
    rvalue = get_buffer(&regions[nargs], caller_size, rtype->alignment, guarded);
    memset(rvalue, 0xa5, caller_size);
  }

  void *code = NULL;
  if (callflags & 8) {
#ifdef FFI_GO_CLOSURES
    ffi_go_closure *gc = malloc(sizeof *gc);
    if (!gc) abort();
    why_begin();
    ffi_status st = ffi_prep_go_closure(gc, cif, handler);
    check_status("ffi_prep_go_closure", st);
    if (st == FFI_OK) {
      c.user_data = gc;
      current = &c;
      ffi_call_go(cif, (void (*)(void))gc->tramp, rvalue, c.avalue, gc);
      current = NULL;
      if (c.calls != 1) mismatch("Go closure calls", (unsigned)c.calls, 0, 0);
    }
    free(gc);
#endif
  } else {
    ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
    if (!cl) abort();
    why_begin();
    ffi_status st = ffi_prep_closure_loc(cl, cif, handler, &c, code);
    check_status("ffi_prep_closure_loc", st);
    if (st == FFI_OK) {
      c.user_data = &c;
      current = &c;
#if HAVE_CALL_PLAN
      if (callflags & 2) {
        ffi_call_plan *plan = ffi_call_plan_alloc(cif);
        if (!plan) abort();
        ffi_call_plan_invoke(plan, (void (*)(void))code, rvalue, c.avalue);
        ffi_call_plan_free(plan);
      } else
#endif
        ffi_call(cif, (void (*)(void))code, rvalue, c.avalue);
      current = NULL;
      if (c.calls != 1) mismatch("closure calls", (unsigned)c.calls, 0, 0);
    }
    ffi_closure_free(cl);
  }

  if (verbose()) {
    size_t checked = 0;
    for (unsigned i = 0; i < nargs; i++) checked += c.arg_leaves[i].n;
    fprintf(stderr, "  call: nargs %u, rsize %zu, %s, %d call(s), %zu argument leaves, %zu result leaves%s\n",
            nargs, rsize, callflags & 8 ? "Go closure" : callflags & 2 ? "call plan" : "ffi_call", c.calls,
            checked, small ? 1 : c.ret_leaves.n, rvalue ? "" : ", rvalue NULL");
  }
  if (rvalue && c.calls == 1 && !void_ret) {
    if (small) {
      if (memcmp(rvalue, c.ret_value, sizeof(ffi_arg))) mismatch("small integer result", 0, 0, 8);
    } else {
      for (size_t k = 0; k < c.ret_leaves.n; k++)
        if (memcmp(rvalue + c.ret_leaves.v[k].off, c.ret_value + c.ret_leaves.v[k].off, c.ret_leaves.v[k].len))
          mismatch("result", 0, c.ret_leaves.v[k].off, c.ret_leaves.v[k].len);
    }
  }

  free(c.ret_value);
  free(c.ret_leaves.v);
  for (unsigned i = 0; i < nargs; i++) free(c.arg_leaves[i].v);
  for (unsigned i = 0; i <= nargs; i++) put_buffer(&regions[i]);
  free(regions);
  free(c.avalue);
  free(c.arg_leaves);
}

/* ------------------------------------------------------------ operations */

static void op_def(struct state *s, struct reader *r) {
  ffi_type *t = s->pool[u8(r) & (POOL - 1)];
  t->type = u8(r);
  t->size = (size_t)varint(r);
  t->alignment = u16(r);
  uint8_t mode = u8(r);
  switch (mode & 3) {
  case 0:
    t->elements = NULL;
    break;
  case 1: {
    unsigned n = u8(r);
    ffi_type **e = new_elements(s, n);
    if (!e) { t->elements = NULL; break; }
    for (unsigned i = 0; i < n; i++) e[i] = ref(s, u8(r));
    t->elements = e;
    break;
  }
  case 2: {
    uint64_t count = varint(r);
    unsigned patlen = u8(r);
    ffi_type *pat[256];
    for (unsigned i = 0; i < patlen; i++) pat[i] = ref(s, u8(r));
    ffi_type **e = patlen ? new_elements(s, (size_t)count) : NULL;
    if (!e) { t->elements = NULL; break; }
    for (uint64_t i = 0; i < count; i++) e[i] = pat[i % patlen];
    t->elements = e;
    break;
  }
  case 3:
    t->elements = new_elements(s, 0);
    break;
  }
}

static void op_chain(struct state *s, struct reader *r) {
  unsigned base = u8(r), depth = u8(r) % (POOL + 1), fanout = u8(r) % 9, flags = u8(r);
  ffi_type *prev = ref(s, u8(r));
  size_t size = 0;
  unsigned short align = 0;
  if (flags & 1) {
    size = (size_t)varint(r);
    align = u16(r);
  }
  if (!fanout) fanout = 1;
  ffi_type *first = NULL;
  for (unsigned k = 0; k < depth; k++) {
    ffi_type *t = s->pool[(base + k) & (POOL - 1)];
    ffi_type **e = new_elements(s, fanout + ((flags & 2) && k == 0));
    if (!e) return;
    for (unsigned i = 0; i < fanout; i++) e[i] = prev;
    t->type = FFI_TYPE_STRUCT;
    t->size = size;
    t->alignment = align;
    t->elements = e;
    if (!first) first = t;
    prev = t;
  }
  if ((flags & 2) && first) first->elements[fanout] = prev;  /* close the cycle */
}

/* What a successful preparation promises about each argument and the
   return type: a known type code, laid out (size not 0, alignment a power
   of two), complex and vector types with members, structs with an
   element list.  (void arguments are a question of
   their own and not judged here.)  */
static void check_prepared(const ffi_type *t, const char *what, unsigned i) {
#if defined FUZZ_SYSTEM_LIBFFI || defined FUZZ_NO_INVARIANTS
  (void)t, (void)what, (void)i;
  return;  /* libffi 3.4 promises less; only its crashes are of interest */
#endif
  const char *bad = NULL;
  if (!t) bad = "NULL accepted";
  else if (t->type == FFI_TYPE_VOID) return;
  else if (t->type > FFI_TYPE_VECTOR) bad = "unknown type code accepted";
  else if (t->size == 0) bad = "size still 0";
  else if (!is_pow2(t->alignment)) bad = "alignment not a power of two";
  else if (t->type == FFI_TYPE_STRUCT && !t->elements)
    bad = "struct without an element list accepted";  /* a preset size with {NULL} is trusted */
  else if ((t->type == FFI_TYPE_COMPLEX || t->type == FFI_TYPE_VECTOR) && (!t->elements || !t->elements[0]))
    bad = "complex or vector without members accepted";
  if (bad) {
    fprintf(stderr, "FUZZ-INVARIANT: %s %u after FFI_OK: %s (type %u, size %zu, alignment %u)\n", what, i, bad,
            t ? t->type : 0u, t ? t->size : (size_t)0, t ? t->alignment : 0u);
    abort();
  }
}

#ifdef FUZZ_MASK_KNOWN
/* Built with -DFUZZ_MASK_KNOWN, signatures that reach the bugs listed in
   README.md are skipped, so that a campaign can look for others while
   those are unfixed.  Judged on the graph as it is before preparation:
   void with a size or alignment other than 1; aggregates (or unknown
   codes) with size 0 and a power-of-two alignment; struct members with no
   element list; graphs whose tree expansion is large.  */
static long mask_budget;

static int known_bug(const ffi_type *t, int depth) {
  if (!t) return 0;
  if (--mask_budget < 0 || depth > 70) return 1;
  int aggregate = t->type == FFI_TYPE_STRUCT || t->type == FFI_TYPE_COMPLEX || t->type == FFI_TYPE_VECTOR;
  if (t->type == FFI_TYPE_VOID && (t->size != 1 || t->alignment != 1)) return 1;
  if ((aggregate || t->type > FFI_TYPE_VECTOR) && t->size == 0 && is_pow2(t->alignment)) return 1;
  if (!aggregate) return 0;
  if (!t->elements) return depth > 0;
  for (ffi_type **e = t->elements; *e; e++)
    if (known_bug(*e, depth + 1)) return 1;
  return 0;
}

/* The signature's key has one entry per node of each argument's tree
   expansion: mask what would make it large (argument I is pattern entry
   I % PATLEN).  */
static int masked(ffi_type *rtype, ffi_type **atypes, unsigned nargs, unsigned patlen) {
  const long limit = 1000000;
  mask_budget = limit;
  if (known_bug(rtype, 0)) return 1;
  long total = limit - mask_budget;
  for (unsigned j = 0; atypes && j < nargs && j < patlen; j++) {
    mask_budget = limit;
    if (known_bug(atypes[j], 0)) return 1;
    long occurrences = nargs / patlen + (j < nargs % patlen);
    total += (limit - mask_budget) * occurrences;
    if (total > limit) return 1;
  }
  return 0;
}
#endif

static void op_sig(struct state *s, struct reader *r) {
  ffi_abi abi = abi_of(r);
  uint8_t flags = u8(r);
  unsigned nargs = (unsigned)(varint(r) & 0xffff);
  unsigned nfixed = (unsigned)varint(r);
  ffi_type *rtype = ref(s, u8(r));
  unsigned patlen = u8(r);
  ffi_type *pat[256];
  for (unsigned i = 0; i < patlen; i++) pat[i] = ref(s, u8(r));
  uint8_t callflags = u8(r), seed = u8(r);

  ffi_type **atypes = NULL;
  if (patlen) {
    atypes = track(s, malloc((nargs ? nargs : 1) * sizeof *atypes));
    if (!atypes) abort();
    for (unsigned i = 0; i < nargs; i++) atypes[i] = pat[i % patlen];
  }

#ifdef FUZZ_MASK_KNOWN
  if (masked(rtype, atypes, nargs, patlen)) return;
#endif
  ffi_cif *cif = track(s, malloc(sizeof *cif));
  if (!cif) abort();
  memset(cif, 0x5a, sizeof *cif);
  why_begin();
  ffi_status st = (flags & 1) ? ffi_prep_cif_var(cif, abi, nfixed, nargs, rtype, atypes)
                              : ffi_prep_cif(cif, abi, nargs, rtype, atypes);
  check_status((flags & 1) ? "ffi_prep_cif_var" : "ffi_prep_cif", st);
  if (verbose())
    fprintf(stderr, "%s(abi %u, nfixed %u, nargs %u) = %d, bytes %u\n", (flags & 1) ? "ffi_prep_cif_var" : "ffi_prep_cif",
            (unsigned)abi, nfixed, nargs, (int)st, st == FFI_OK ? cif->bytes : 0);

#if HAVE_CALL_PLAN
  ffi_call_plan *plan = ffi_call_plan_alloc(cif);
  if (!plan) abort();
  if (st == FFI_OK && ffi_call_plan_size(plan) == 0) mismatch("call plan size", 0, 0, 0);
  ffi_call_plan_free(plan);
#endif
  if (st != FFI_OK) return;

  if (cif->nargs != nargs || cif->rtype != rtype || cif->arg_types != atypes || cif->abi != abi)
    mismatch("cif fields", 0, 0, 0);
  check_prepared(rtype, "return type", 0);
  for (unsigned i = 0; i < nargs; i++) check_prepared(atypes[i], "argument", i);

  if ((callflags & 16) && !SYSTEM_LIBFFI) {
    /* The same signature again: the same answer (types are laid out now). */
    ffi_cif again;
    ffi_status st2 = (flags & 1) ? ffi_prep_cif_var(&again, abi, nfixed, nargs, rtype, atypes)
                                 : ffi_prep_cif(&again, abi, nargs, rtype, atypes);
    if (st2 != FFI_OK || again.bytes != cif->bytes) mismatch("second preparation", (unsigned)st2, 0, 0);
  }
  if (callflags & 1) round_trip(cif, callflags, seed);
}

static void op_offsets(struct state *s, struct reader *r) {
  ffi_abi abi = abi_of(r);
  ffi_type *t = ref(s, u8(r));
  int with_array = u8(r) & 1;
  size_t *offsets = NULL;
  size_t n = 0;
  if (with_array && t && t->type == FFI_TYPE_STRUCT && t->elements)
    while (t->elements[n]) n++;
  if (with_array) {
    offsets = malloc((n ? n : 1) * sizeof *offsets);
    if (!offsets) abort();
  }
  why_begin();
  ffi_status st = ffi_get_struct_offsets(abi, t, with_array ? offsets : NULL);
  check_status("ffi_get_struct_offsets", st);
  if (verbose())
    fprintf(stderr, "ffi_get_struct_offsets(abi %u, %zu elements%s) = %d%s\n", (unsigned)abi, n,
            with_array ? ", array" : "", (int)st, st == FFI_OK && n ? "" : "");
  free(offsets);
}

static void op_set(struct state *s, struct reader *r) {
  ffi_type *t = s->pool[u8(r) & (POOL - 1)];
  switch (u8(r) & 3) {
  case 0: t->size = (size_t)varint(r); break;
  case 1: t->alignment = u16(r); break;
  case 2: t->type = u8(r); break;
  case 3: {
    unsigned k = u8(r);
    ffi_type *v = ref(s, u8(r));
    if (t->elements) {
      unsigned n = 0;
      while (t->elements[n] && n < k) n++;
      if (n == k && t->elements[n]) t->elements[n] = v;  /* never the terminator */
    }
    break;
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct reader r = {data, size, 0};
  struct state s;
  memset(&s, 0, sizeof s);
  for (int i = 0; i < POOL; i++) {
    s.pool[i] = calloc(1, sizeof(ffi_type));
    if (!s.pool[i]) abort();
  }
  for (int ops = 0; ops < MAX_OPS && !at_end(&r); ops++) {
    switch (u8(&r) % 8) {
    case 0: op_def(&s, &r); break;
    case 1: op_chain(&s, &r); break;
    case 2: op_sig(&s, &r); break;
    case 3: op_offsets(&s, &r); break;
    case 4: op_set(&s, &r); break;
    case 5: {
      ffi_type *from = ref(&s, u8(&r));
      ffi_type *to = s.pool[u8(&r) & (POOL - 1)];
      if (from && from != to) {
        *to = *from;
        int library_type = 1;
        for (int k = 0; k < POOL; k++) library_type &= from != s.pool[k];
        if (library_type && from->elements) {
          /* Never let SET write into the library's own element arrays. */
          size_t n = 0;
          while (from->elements[n]) n++;
          ffi_type **e = new_elements(&s, n);
          if (e) memcpy(e, from->elements, n * sizeof *e);
          to->elements = e;
        }
      }
      break;
    }
    case 6: memset(s.pool[u8(&r) & (POOL - 1)], 0, sizeof(ffi_type)); break;
    default: ops = MAX_OPS; break;
    }
  }
  for (size_t i = 0; i < s.nallocs; i++) free(s.allocs[i]);
  free(s.allocs);
  for (int i = 0; i < POOL; i++) free(s.pool[i]);
  return 0;
}
