// ffix.h -- what the arch-neutral core and the ABI folders share.
//
// Data flow (see DESIGN.md): ffi_prep_cif validates and lays out the type
// graph (layout.cc), asks the cif's ABI backend to classify the signature
// into a call plan, interns the plan (plan_table.cc) and keeps its index in
// cif->flags.  ffi_call looks the plan up in O(1) and hands it to the
// backend's invoke function.  Plans never point into the caller's types.
#pragma once

// On Windows ffi.h marks the public names dllimport unless told it is
// compiling libffi itself: the objects of the DLL (libtool defines
// DLL_EXPORT for them) export what ffi.h declares, the objects of the
// static library neither import nor export.
#if defined(_WIN32) && !defined(FFI_BUILDING_DLL) && !defined(FFI_BUILDING)
#if defined(DLL_EXPORT)
#define FFI_BUILDING_DLL
#else
#define FFI_BUILDING
#endif
#endif

#include <ffi.h>
#include <stddef.h>

#include "ffix_asm.h"
#include <stdint.h>

#if defined(_WIN32)
// A DLL exports only what is marked dllexport; everything else is
// internal already, and PE has no symbol visibility.
#define FFIX_HIDDEN
#if defined(FFI_BUILDING_DLL)
#define FFIX_EXPORT __declspec(dllexport)
#else
#define FFIX_EXPORT
#endif
#else
#define FFIX_HIDDEN __attribute__((visibility("hidden")))
#define FFIX_EXPORT __attribute__((visibility("default")))
#endif

namespace ffix {

// Limits beyond which a type or signature is refused with FFI_BAD_TYPEDEF
// rather than risking overflow or exhausting the stack at call time.
inline constexpr size_t kMaxTypeSize = size_t{1} << 30;
inline constexpr unsigned kMaxStackBytes = 1u << 20;
inline constexpr int kMaxDepth = 64;

struct Plan;
struct PlanWriter;

using InvokeFn = void (*)(const Plan *plan, void (*fn)(void), void *rvalue, void **avalue,
                         void *chain);

// One calling convention.  The core knows nothing else about an ABI.
struct Backend {
  // Classify CIF (types already validated and laid out) and write its plan
  // into OUT.  NFIXED is the number of fixed arguments of a variadic call
  // (== nargs otherwise).  Returns FFI_OK or the status to report.
  ffi_status (*build_plan)(const ffi_cif *cif, unsigned nfixed, PlanWriter &out);
  // Perform a call as PLAN says.  CHAIN goes to the static chain register.
  InvokeFn invoke;
  // Closure entries (nullptr when the ABI has no closures): from a static
  // trampoline's data slot; with the ffi_closure in the static chain
  // register (legacy trampolines); with the ffi_go_closure there.
  const void *slot_entry;
  const void *closure_entry;
  const void *go_entry;
};

// Fixed header of every interned plan; the backend's bytes follow it at
// offset 32 (FFIX_PLAN_DATA, which assembly uses).
struct Plan {
  InvokeFn invoke;  // the backend's invoke, first so that a call is one load
  const Backend *backend;
  uint32_t bytes;      // size of the backend's part
  uint32_t index;      // position in the plan table
  uint32_t cif_bytes;  // what ffi_prep_cif stores in cif->bytes
  alignas(16) unsigned char data[];
};

#define FFIX_PLAN_DATA 32
static_assert(offsetof(Plan, data) == FFIX_PLAN_DATA);
static_assert(offsetof(Plan, invoke) == FFIX_PLAN_INVOKE);
static_assert(offsetof(ffi_cif, flags) == FFIX_CIF_FLAGS);

// Grows a plan in temporary storage while a backend writes it.
struct PlanWriter {
  unsigned char *buf;
  size_t len = 0, cap;
  bool failed = false;
  unsigned stack_bytes = 0;  // set by the backend: becomes cif->bytes
  InvokeFn invoke = nullptr; // set by the backend for a plan with an invoke of its own
  alignas(16) unsigned char inline_buf[512];

  PlanWriter() : buf(inline_buf), cap(sizeof inline_buf) {}
  ~PlanWriter();
  PlanWriter(const PlanWriter &) = delete;
  PlanWriter &operator=(const PlanWriter &) = delete;

  // Reserve N (rounded up to 8) zeroed bytes at the end; nullptr when out
  // of memory.
  void *append(size_t n) {
    n = (n + 7) & ~size_t{7};
    if (__builtin_expect(len + n > cap || failed, 0)) return grow_and_append(n);
    void *p = buf + len;
    __builtin_memset(p, 0, n);
    len += n;
    return p;
  }
  void *grow_and_append(size_t n);
  // The object at OFFSET (valid until the next append).
  template <class T> T *at(size_t offset) { return reinterpret_cast<T *>(buf + offset); }
};

// An ffi_abi's number, read as bytes: a caller may pass any value, and
// loading one outside the enumeration as ffi_abi is undefined in C++.
inline unsigned abi_number(const ffi_abi &abi) {
  unsigned v;
  __builtin_memcpy(&v, &abi, sizeof v);
  return v;
}

// Which backend serves ABI, or nullptr when the ABI is not supported.
FFIX_HIDDEN const Backend *backend_for(unsigned abi);

// Validate TYPE and, for aggregates declared with size 0, compute size and
// alignment in place (libffi does the same).  Used for every argument and
// the return type.
FFIX_HIDDEN ffi_status prepare_type(ffi_type *type, int depth = 0);

inline size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
inline bool is_pow2(size_t v) { return v && !(v & (v - 1)); }

// Validate the members of struct TYPE and say whether, laid out in order,
// they FIT in its size.  Always so for a struct ffi_prep_cif laid out; a
// preset size may be smaller (a packed struct).  Walks of members descend
// only where they fit, which also bounds them: a shared subtree cannot
// make an exponential walk without overrunning some size.
FFIX_HIDDEN ffi_status check_members(ffi_type *type, int depth, bool &fit);

// Canonical size of a scalar type code; 0 for codes that are not scalars.
inline size_t scalar_size(unsigned short code) {
  switch (code) {
  case FFI_TYPE_VOID: case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: return 1;
  case FFI_TYPE_UINT16: case FFI_TYPE_SINT16: return 2;
  case FFI_TYPE_INT: case FFI_TYPE_FLOAT: case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: return 4;
  case FFI_TYPE_DOUBLE: case FFI_TYPE_UINT64: case FFI_TYPE_SINT64: return 8;
  case FFI_TYPE_POINTER: return sizeof(void *);
  case FFI_TYPE_LONGDOUBLE: return sizeof(long double);
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128: return 16;
  default: return 0;  // aggregates and unknown codes
  }
}

// A signature's key: everything about a cif that its plan depends on, as
// 32-bit words (signature.cc).  Plans are interned by key.
// The hash of a key's N words, eight bytes at a time.
inline uint64_t key_hash(const uint32_t *words, unsigned n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  unsigned i = 0;
  for (; i + 2 <= n; i += 2) {
    uint64_t pair;
    __builtin_memcpy(&pair, words + i, 8);
    h = (h ^ pair) * 0xff51afd7ed558ccdull;
  }
  if (i < n) h = (h ^ words[i]) * 0xff51afd7ed558ccdull;
  return h ^ (h >> 29);
}

struct Key {
  uint32_t *words_ = inline_words;
  unsigned n = 0, cap = sizeof inline_words / sizeof(uint32_t);
  uint32_t inline_words[128];

  Key() = default;
  ~Key();
  Key(const Key &) = delete;
  Key &operator=(const Key &) = delete;

  bool put(uint32_t word) {
    if (__builtin_expect(n == cap, 0) && !grow()) return false;
    words_[n++] = word;
    return true;
  }
  bool grow();
  const uint32_t *words() const { return words_; }
  size_t bytes() const { return n * sizeof(uint32_t); }
  uint64_t hash() const { return key_hash(words_, n); }
};

// A well-formed scalar (a predefined type or a copy of one) is keyed by
// its code and alignment; 0 for anything else.
// Key words are either a type's head (bit 31 set: code and alignment) or
// a number (a size or a count, below 2^31): the two cannot be confused.
inline constexpr uint32_t kHead = 0x80000000u;
inline uint32_t head_word(const ffi_type *type) {
  return kHead | type->type | uint32_t{type->alignment} << 8;
}
inline uint32_t scalar_key(const ffi_type *type) {
  if (type && type->type != FFI_TYPE_VOID && scalar_size(type->type) != 0 &&
      type->size == scalar_size(type->type) && is_pow2(type->alignment))
    return head_word(type);
  return 0;
}

// Validate and lay out TYPE (prepare_type) and append its key to KEY.
FFIX_HIDDEN ffi_status describe_aggregate(ffi_type *type, Key &key);
inline ffi_status describe_type(ffi_type *type, Key &key) {
  if (uint32_t word = scalar_key(type)) return key.put(word) ? FFI_OK : FFI_BAD_TYPEDEF;
  return describe_aggregate(type, key);
}

// The interned plan for the key of N WORDS with HASH, or nullptr.
FFIX_HIDDEN const Plan *find_interned(const uint32_t *words, unsigned n, uint64_t hash);
inline const Plan *find_interned(const Key &key) { return find_interned(key.words(), key.n, key.hash()); }

// Intern the plan in W for BACKEND under KEY (or find the one another
// thread interned meanwhile); nullptr when out of memory.
FFIX_HIDDEN const Plan *intern_plan(const Backend *backend, const Key &key, const PlanWriter &w,
                                    unsigned cif_bytes);

// The plan table: append-only, one flat array reserved once (untouched
// pages cost nothing), so that a lookup is a compare and a load.
} // namespace ffix
// C names: assembly looks plans up too.
extern "C" {
extern FFIX_HIDDEN const ffix::Plan **ffix_plan_table;
extern FFIX_HIDDEN uint32_t ffix_plan_capacity;
[[noreturn]] FFIX_HIDDEN void ffix_bad_cif(void);
}
namespace ffix {

// The plan with INDEX, or nullptr (for checking a cif).  Index 0 is never
// handed out, so a zeroed cif (never prepared, or its preparation failed)
// finds nothing.
inline const Plan *find_plan(uint32_t index) {
  return index < __atomic_load_n(&ffix_plan_capacity, __ATOMIC_ACQUIRE)
             ? __atomic_load_n(&__atomic_load_n(&ffix_plan_table, __ATOMIC_RELAXED)[index], __ATOMIC_RELAXED)
             : nullptr;
}

// The plan with INDEX, for calls: a cif that was never prepared
// successfully stops the program with a message.
inline const Plan *plan_at(uint32_t index) {
  const Plan *plan = find_plan(index);
  if (__builtin_expect(plan == nullptr, 0)) ffix_bad_cif();
  return plan;
}

// Write the target's legacy trampoline (FFI_TRAMPOLINE_SIZE bytes) at
// TRAMP: it enters ENTRY with CLOSURE in the static chain register.
FFIX_HIDDEN void write_legacy_trampoline(void *tramp, void *closure, const void *entry);

[[noreturn]] FFIX_HIDDEN void fatal(const char *message);


} // namespace ffix
