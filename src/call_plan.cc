// call_plan.cc -- libffi 3.7's call-plan API over ffix's plans.
//
// A cif already holds everything ffi_call needs (the index of its interned
// plan), so an ffi_call_plan is a handle on that plan: invoking it skips
// only the index lookup, and it is immutable and shareable like the plan
// itself.  A plan made from a cif whose preparation failed stops the
// program with a message when invoked, as ffi_call would.
#include "core.h"

#include <stdlib.h>

struct ffi_call_plan {
  const ffix::Plan *plan;
};

using namespace ffix;

extern "C" {

FFIX_EXPORT ffi_call_plan *ffi_call_plan_alloc(ffi_cif *cif) {
  auto *p = static_cast<ffi_call_plan *>(malloc(sizeof(ffi_call_plan)));
  if (__builtin_expect(!p, 0)) {
    Why why;
    report("ffi_call_plan_alloc", FFI_BAD_TYPEDEF, (refuse(&why, Reason::OutOfMemory, nullptr), why));
    return p;
  }
  p->plan = cif ? find_plan(cif->flags) : nullptr;
  return p;
}

// ffi_call_plan_invoke is assembly (arch/<target>/entry.S), reading the
// handle's first field.
static_assert(offsetof(ffi_call_plan, plan) == FFIX_CALL_PLAN_PLAN);

FFIX_EXPORT void ffi_call_plan_free(ffi_call_plan *p) { free(p); }

FFIX_EXPORT size_t ffi_call_plan_size(ffi_call_plan *p) { return p ? sizeof(ffi_call_plan) : 0; }

} // extern "C"
