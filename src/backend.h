// backend.h -- the contract between the core and an ABI folder under
// arch/: everything an ABI backend may use, and nothing of the core's
// interning internals (those are in core.h, which only src/ includes).
//
// Data flow (see DESIGN.md): ffi_prep_cif validates and lays out the type
// graph, then asks the cif's backend to classify the signature into a call
// plan (Backend::build_plan, writing into a PlanWriter).  The core interns
// the plan and keeps its index in cif->flags; ffi_call finds the plan in
// O(1) and jumps to its invoke function.  Plans never point into the
// caller's types.
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
#include <stdint.h>

#include "ffix_asm.h"
#include "steps.h"

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

#include "why.h"

namespace ffix {

// Limits beyond which a type or signature is refused with FFI_BAD_TYPEDEF
// rather than risking overflow or exhausting the stack at call time.
inline constexpr size_t kMaxTypeSize = size_t{1} << 30;
inline constexpr unsigned kMaxStackBytes = 1u << 20;
inline constexpr int kMaxDepth = 64;

// What preparing reports when memory runs out: libffi has no status of
// its own for it.
inline constexpr ffi_status kOutOfMemory = FFI_BAD_TYPEDEF;

constexpr size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_pow2(size_t v) { return v && !(v & (v - 1)); }

// Validate the members of struct TYPE and say whether, laid out in order,
// they FIT in its size.  Always so for a struct ffi_prep_cif laid out; a
// preset size may be smaller (a packed struct).  Walks of members descend
// only where they fit, which also bounds them: a shared subtree cannot
// make an exponential walk without overrunning some size.
// WHY (see why.h) records a refusal; the backends pass nullptr.
FFIX_HIDDEN ffi_status check_members(ffi_type *type, int depth, bool &fit, Why *why = nullptr);

// Bytes that grow while a plan is built, in a buffer of their own first.
// Running out of memory is sticky: every later append fails too, and so
// does appending these bytes anywhere, so a builder may check once, at
// the end (PlanWriter::status).
class Bytes {
public:
  Bytes() = default;
  ~Bytes();
  Bytes(const Bytes &) = delete;
  Bytes &operator=(const Bytes &) = delete;

  // N more bytes (rounded up to 8), zeroed; nullptr once out of memory.
  void *append(size_t n) {
    n = (n + 7) & ~size_t{7};
    if (__builtin_expect(len_ + n > cap_ || failed_, 0)) return grow_and_append(n);
    void *p = buf_ + len_;
    __builtin_memset(p, 0, n);
    len_ += n;
    return p;
  }
  // All of OTHER after these bytes (a section of a plan).
  void append(const Bytes &other);

  size_t size() const { return len_; }
  bool failed() const { return failed_; }
  void fail() { failed_ = true; }  // what these bytes depend on ran out of memory
  const unsigned char *data() const { return buf_; }
  // The object at OFFSET (valid until the next append).
  template <class T> T *at(size_t offset) { return reinterpret_cast<T *>(buf_ + offset); }

private:
  void *grow_and_append(size_t n);

  unsigned char *buf_ = inline_;
  size_t len_ = 0, cap_ = sizeof inline_;
  bool failed_ = false;
  alignas(16) unsigned char inline_[512];
};

// A list of steps (steps.h).
class StepList : public Bytes {
public:
  void emit(const void *handler, uint32_t a, uint32_t b) {
    if (auto *s = static_cast<Step *>(append(sizeof(Step)))) *s = Step{handler, a, b};
  }
  // A wide step: two records, the second holding C and D.
  void emit_wide(const void *handler, uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
    if (auto *s = static_cast<Step *>(append(2 * sizeof(Step)))) {
      s[0] = Step{handler, a, b};
      uint32_t cd[2] = {c, d};
      __builtin_memcpy(&s[1], cd, sizeof cd);
    }
  }
};

struct Plan;
using InvokeFn = void (*)(const Plan *plan, void (*fn)(void), void *rvalue, void **avalue,
                         void *chain);

// The backend's part of a plan, while it is built.
class PlanWriter : public Bytes {
public:
  unsigned stack_bytes = 0;   // becomes cif->bytes
  InvokeFn invoke = nullptr;  // for a plan with an invoke of its own (ffi_call; not ffi_call_go)
  const void *slot_entry = nullptr;  // for a plan whose closures enter code of their own
  // What closures alone read (ClosurePart::data): written by every
  // build_plan, kept only once a closure of the signature is prepared.
  Bytes closure;

  // Why build_plan refused the signature (FFIX_DEBUG): the reason, the
  // argument (-1: the return type), two numbers (why.h).
  Reason refusal = Reason::None;
  int refused_arg = -1;
  uint64_t refused_n[2] = {0, 0};
  ffi_status refuse(Reason r, int arg, uint64_t n0 = 0, uint64_t n1 = 0) {
    refusal = r;
    refused_arg = arg;
    refused_n[0] = n0;
    refused_n[1] = n1;
    return FFI_BAD_TYPEDEF;
  }

  // What build_plan returns once the plan is written: FFI_OK only when
  // every byte of it is there.
  ffi_status status() const { return failed() ? kOutOfMemory : FFI_OK; }
};

// One calling convention.  The core knows nothing else about an ABI.
struct Backend {
  // Classify CIF (types already validated and laid out) and write its plan
  // into OUT; a refusal says why through OUT.refuse.  NFIXED is the number of fixed arguments of a variadic call
  // (== nargs otherwise).  FFI_OK means the plan is complete; anything
  // else is reported to the caller as it is (kOutOfMemory when memory ran
  // out), and the plan is dropped.
  ffi_status (*build_plan)(const ffi_cif *cif, unsigned nfixed, PlanWriter &out);
  // Perform a call as PLAN says.  CHAIN goes to the static chain register.
  // (ffi_call_go always comes here; a plan's own invoke is only for
  // ffi_call and call plans, so it may leave the chain register alone.)
  InvokeFn invoke;
  // Closure entries (nullptr when the ABI has no closures): from a static
  // trampoline's data slot; with the ffi_closure in the static chain
  // register (legacy trampolines); with the ffi_go_closure there.
  const void *slot_entry;
  const void *closure_entry;
  const void *go_entry;
};

// What only closures of a signature need, built at the first closure
// prepared with it (most signatures never get one): where a static
// trampoline of such a closure enters (the backend's slot_entry, or code
// of the plan's own, as libffi picks its closure entry from the cif),
// then the backend's bytes (PlanWriter::closure) at FFIX_PART_DATA.
struct ClosurePart {
  const void *slot_entry;
  unsigned char data[];
};
static_assert(offsetof(ClosurePart, data) == FFIX_PART_DATA);

// Fixed header of every interned plan; the backend's bytes follow it at
// FFIX_PLAN_DATA.
struct Plan {
  InvokeFn invoke;  // the backend's invoke, or the plan's own
  const Backend *backend;
  uint32_t index;      // position in the plan table
  uint32_t cif_bytes;  // what ffi_prep_cif stores in cif->bytes
  // nullptr until a closure of the signature is prepared; then set once
  // and never changed (closure_part, plan_table.cc).
  const ClosurePart *closure;
  alignas(16) unsigned char data[];
};
static_assert(offsetof(Plan, invoke) == FFIX_PLAN_INVOKE && FFIX_PLAN_INVOKE + sizeof(void *) <= FFIX_EMPTY_PLAN_BYTES);
static_assert(offsetof(Plan, closure) == FFIX_PLAN_CLOSURE && offsetof(Plan, data) == FFIX_PLAN_DATA);
static_assert(offsetof(ffi_cif, flags) == FFIX_CIF_FLAGS);
static_assert(FFIX_CLOSURE_PLAN + sizeof(void *) <= FFI_TRAMPOLINE_SIZE);
static_assert(offsetof(ffi_closure, cif) == FFIX_CLOSURE_CIF && offsetof(ffi_closure, fun) == FFIX_CLOSURE_FUN &&
              offsetof(ffi_closure, user_data) == FFIX_CLOSURE_USER_DATA);
static_assert(offsetof(ffi_go_closure, cif) == FFIX_GO_CLOSURE_CIF &&
              offsetof(ffi_go_closure, fun) == FFIX_GO_CLOSURE_FUN);

// Write the target's legacy trampoline (FFI_TRAMPOLINE_SIZE bytes) at
// TRAMP: it enters ENTRY with CLOSURE in the static chain register.  Each
// target family defines it (arch/<family>/).
FFIX_HIDDEN void write_legacy_trampoline(void *tramp, void *closure, const void *entry);

// Stop the program: "ffix: FUNCTION: abort: MESSAGE" on stderr, the form
// of FFIX_DEBUG's reports (why.h), then abort().
[[noreturn]] FFIX_HIDDEN void fatal(const char *function, const char *message);

} // namespace ffix
