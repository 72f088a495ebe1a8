// unplanned.cc -- calls through a cif whose plan is not in the table.
//
// When the table cannot take another plan (memory ran out, or every index
// is used: FFIX_MAX_PLANS bounds them for tests), ffi_prep_cif still
// succeeds, as libffi would, and the cif is unplanned (core.h): each call
// classifies it from cif->arg_types again, into a plan on this stack,
// and runs that.  libffi's contract (the types stay valid while the cif is
// used) makes this as safe as libffi's own per-call classification.
#include "core.h"
#include "os.h"

#include <string.h>

namespace ffix {

namespace {

// The backend and fixed-argument count of unplanned CIF, or nullptr.
const Backend *unplanned_backend(const ffi_cif *cif, unsigned &nfixed) {
  uint32_t flags = cif->flags;
  if (!(flags & kUnplanned)) return nullptr;
  nfixed = flags & ~kUnplanned;
  if (nfixed == kNotVariadic) nfixed = cif->nargs;
  if (nfixed > cif->nargs) return nullptr;
  return backend_for(abi_number(cif->abi));
}

} // namespace

size_t build_unplanned(const ffi_cif *cif, void *out, size_t room) {
  unsigned nfixed;
  const Backend *backend = unplanned_backend(cif, nfixed);
  if (!backend) return 0;
  PlanWriter w;
  if (backend->build_plan(cif, nfixed, w) != FFI_OK) return 0;
  size_t need = sizeof(Plan) + w.size();
  if (need > room) return need;
  auto *plan = static_cast<Plan *>(out);
  plan->invoke = w.invoke ? w.invoke : backend->invoke;
  plan->backend = backend;
  plan->index = 0;
  plan->cif_bytes = w.stack_bytes;
  plan->closure = nullptr;  // closures replan (closures.cc)
  memcpy(plan->data, w.data(), w.size());
  return need;
}

void call_unplanned(const ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue, void *chain, bool go) {
  alignas(16) unsigned char local[sizeof(Plan) + 1024];
  size_t need = build_unplanned(cif, local, sizeof local);
  if (need == 0) ffix_bad_cif();
  void *plan = local;
  if (need > sizeof local) {
    plan = alloc_aligned(16, need);
    if (!plan || build_unplanned(cif, plan, need) != need)
      fatal("ffi_call", "out of memory classifying a cif the plan table had no room for");
  }
  const auto *p = static_cast<const Plan *>(plan);
  // As ffi_call_go does for a planned cif: the backend's invoke sets the
  // static chain (a plan's own may not), and on AArch64 it then branches
  // to the plan's own, so plan->invoke must never be the backend's there.
  (go ? p->backend->invoke : p->invoke)(p, fn, rvalue, avalue, chain);
  if (plan != local) free_aligned(plan);
}

} // namespace ffix

extern "C" void ffix_call_unplanned(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue) {
  ffix::call_unplanned(cif, fn, rvalue, avalue, nullptr, false);
}
