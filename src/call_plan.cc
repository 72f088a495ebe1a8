// call_plan.cc -- libffi 3.7's call-plan API over ffix's plans.
//
// A cif already holds everything ffi_call needs (the index of its interned
// plan), so an ffi_call_plan is a handle on that plan: invoking it skips
// only the index lookup, and it is immutable and shareable like the plan
// itself.  The handle of an unplanned cif (core.h) holds a plan of its
// own, built once here.  A plan made from a cif whose preparation failed
// stops the program with a message when invoked, as ffi_call would.
#include "core.h"

#include "os.h"

struct ffi_call_plan {
  const ffix::Plan *plan;
};

namespace {
// The handle of an unplanned cif, with its plan.
struct Owning {
  ffi_call_plan handle;
  size_t bytes;  // of the whole
  alignas(16) unsigned char own[];
};
} // namespace

using namespace ffix;

namespace {
[[gnu::cold]] ffi_call_plan *no_memory() {
  Why why;
  report("ffi_call_plan_alloc", FFI_BAD_TYPEDEF, (refuse(&why, Reason::OutOfMemory, nullptr), why));
  return nullptr;
}
} // namespace

extern "C" {

FFIX_EXPORT ffi_call_plan *ffi_call_plan_alloc(ffi_cif *cif) {
  size_t own = 0;
  if (cif && (cif->flags & kUnplanned)) {
    own = build_unplanned(cif, nullptr, 0);
    if (own == 0) return no_memory();
  }
  if (own) {
    auto *o = static_cast<Owning *>(alloc_aligned(16, sizeof(Owning) + own));
    if (!o) return no_memory();
    o->bytes = sizeof(Owning) + own;
    if (build_unplanned(cif, o->own, own) != own) {
      free_aligned(o);
      return no_memory();
    }
    o->handle.plan = reinterpret_cast<const Plan *>(o->own);
    return &o->handle;
  }
  auto *p = static_cast<ffi_call_plan *>(alloc_aligned(sizeof(void *), sizeof(ffi_call_plan)));
  if (__builtin_expect(!p, 0)) return no_memory();
  p->plan = cif ? find_plan(cif->flags) : nullptr;
  return p;
}

// ffi_call_plan_invoke is assembly (arch/<target>/entry.S), reading the
// handle's first field.
static_assert(offsetof(ffi_call_plan, plan) == FFIX_CALL_PLAN_PLAN);

FFIX_EXPORT void ffi_call_plan_free(ffi_call_plan *p) { free_aligned(p); }

FFIX_EXPORT size_t ffi_call_plan_size(ffi_call_plan *p) {
  if (!p) return 0;
  auto *o = reinterpret_cast<Owning *>(p);
  return p->plan == reinterpret_cast<const Plan *>(o->own) ? o->bytes : sizeof(ffi_call_plan);
}

} // extern "C"
