// prep_cif.cc -- ffi_prep_cif and ffi_prep_cif_var.
#include "core.h"

using namespace ffix;

namespace {

// libffi: a variadic argument may not be a float or an integer narrower
// than int (C's default argument promotions make them impossible).
bool bad_variadic_type(const ffi_type *t) {
  if (t->type == FFI_TYPE_FLOAT) return true;
  bool aggregate = t->type == FFI_TYPE_STRUCT || t->type == FFI_TYPE_COMPLEX || t->type == FFI_TYPE_VECTOR;
  return !aggregate && t->size < sizeof(int);
}

[[gnu::cold]] ffi_status refuse_variadic(Why &why, unsigned i, const ffi_type *t) {
  if (t->type == FFI_TYPE_FLOAT) refuse(&why, Reason::VariadicFloat, t);
  else refuse(&why, Reason::VariadicNarrow, t, t->size);
  return at(&why, Where::Argument, i, FFI_BAD_ARGTYPE);
}

// Why the backend refused (it says so in W), or ran out of memory.
[[gnu::cold]] ffi_status refuse_plan(Why &why, const ffi_cif *cif, const PlanWriter &w, ffi_status s) {
  if (w.failed()) return refuse(&why, Reason::OutOfMemory, nullptr, 0, 0, 0, 0, s);
  if (w.refusal == Reason::StackTooLarge) return refuse(&why, w.refusal, nullptr, w.refused_n[0], 0, 0, 0, s);
  const ffi_type *t = w.refused_arg < 0 ? cif->rtype : cif->arg_types[w.refused_arg];
  refuse(&why, w.refusal, t, w.refused_n[0], w.refused_n[1], 0, 0, s);
  return w.refused_arg < 0 ? at(&why, Where::Return, 0, s)
                           : at(&why, Where::Argument, static_cast<uint32_t>(w.refused_arg), s);
}

// The plan of KEY, found or built and interned, into CIF; a cif whose plan
// cannot be interned (no memory or no index left) is unplanned
// (unplanned.cc): slower, but it works.
ffi_status intern_or_unplanned(ffi_cif *cif, const Backend *backend, const Key &key, uint32_t fixed, Why &why) {
  const Plan *plan = find_interned(key);
  if (!plan) {
    PlanWriter w;
    unsigned nfixed = fixed == kNotVariadic ? cif->nargs : fixed;
    if (ffi_status s = backend->build_plan(cif, nfixed, w); s != FFI_OK) return refuse_plan(why, cif, w, s);
    plan = intern_plan(backend, key, w);
    if (!plan) {
      cif->bytes = w.stack_bytes;
      __atomic_store_n(&cif->flags, kUnplanned | fixed, __ATOMIC_RELAXED);
      return FFI_OK;
    }
  }
  cif->bytes = plan->cif_bytes;
  __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
  return FFI_OK;
}

// Inlined into both entry points: ffi_prep_cif is called once per foreign
// call by some consumers (CPython's ctypes), so a signature seen before
// must be found fast: its key is built without classifying anything.
__attribute__((always_inline)) inline ffi_status prep(ffi_cif *cif, unsigned abi, bool variadic,
                                                      unsigned nfixed, unsigned ntotal, ffi_type *rtype,
                                                      ffi_type **atypes, Why &why) {
  if (!cif) return refuse(&why, Reason::NullCif, nullptr);
  cif->flags = 0;  // a cif whose preparation failed cannot be called
  const Backend *backend = backend_for(abi);
  if (!backend) return refuse(&why, Reason::BadAbi, nullptr, abi, 0, 0, 0, FFI_BAD_ABI);
  static_assert(sizeof(cif->abi) == sizeof abi);
  __builtin_memcpy(&cif->abi, &abi, sizeof abi);
  cif->nargs = ntotal;
  cif->arg_types = atypes;
  cif->rtype = rtype;
  cif->bytes = 0;

  Key key;
  if (ffi_status s = describe_signature(key, abi, ntotal, variadic ? nfixed : ~0u, rtype, atypes, &why); s != FFI_OK)
    return s;
  if (variadic) {
    if (nfixed > ntotal) return refuse(&why, Reason::FixedOverTotal, nullptr, nfixed, ntotal, 0, 0, FFI_BAD_ARGTYPE);
    for (unsigned i = nfixed; i < ntotal; i++)
      if (bad_variadic_type(atypes[i])) return refuse_variadic(why, i, atypes[i]);
  }

  return intern_or_unplanned(cif, backend, key, variadic ? nfixed : kNotVariadic, why);
}

} // namespace

namespace ffix {

const Plan *replan(ffi_cif *cif) {
  uint32_t fixed = cif->flags & ~kUnplanned;
  const Backend *backend = backend_for(abi_number(cif->abi));
  if (!backend) return nullptr;
  Key key;
  Why why;
  if (describe_signature(key, abi_number(cif->abi), cif->nargs, fixed == kNotVariadic ? ~0u : fixed, cif->rtype,
                         cif->arg_types, &why) != FFI_OK)
    return nullptr;
  if (intern_or_unplanned(cif, backend, key, fixed, why) != FFI_OK) return nullptr;
  return find_plan(cif->flags);
}

} // namespace ffix

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif(ffi_cif *cif, ffi_abi abi, unsigned int nargs,
                                               ffi_type *rtype, ffi_type **atypes) {
  Why why;
  ffi_status s = prep(cif, abi_number(abi), false, nargs, nargs, rtype, atypes, why);
  if (__builtin_expect(s != FFI_OK, 0)) report("ffi_prep_cif", s, why);
  return s;
}

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif_var(ffi_cif *cif, ffi_abi abi, unsigned int nfixedargs,
                                                   unsigned int ntotalargs, ffi_type *rtype,
                                                   ffi_type **atypes) {
  Why why;
  ffi_status s = prep(cif, abi_number(abi), true, nfixedargs, ntotalargs, rtype, atypes, why);
  if (__builtin_expect(s != FFI_OK, 0)) report("ffi_prep_cif_var", s, why);
  return s;
}
