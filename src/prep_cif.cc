// prep_cif.cc -- ffi_prep_cif and ffi_prep_cif_var.
#include "ffix.h"

using namespace ffix;

namespace {

constexpr unsigned kQuickArgs = 32;

// libffi: a variadic argument may not be a float or an integer narrower
// than int (C's default argument promotions make them impossible).
bool bad_variadic_type(const ffi_type *t) {
  if (t->type == FFI_TYPE_FLOAT) return true;
  bool aggregate = t->type == FFI_TYPE_STRUCT || t->type == FFI_TYPE_COMPLEX || t->type == FFI_TYPE_VECTOR;
  return !aggregate && t->size < sizeof(int);
}

// Inlined into both entry points: ffi_prep_cif is called once per foreign
// call by some consumers (CPython's ctypes).
__attribute__((always_inline)) inline ffi_status prep(ffi_cif *cif, unsigned abi, bool variadic,
                                                      unsigned nfixed, unsigned ntotal, ffi_type *rtype,
                                                      ffi_type **atypes) {
  if (!cif) return FFI_BAD_TYPEDEF;
  cif->flags = 0;  // a cif whose preparation failed cannot be called
  const Backend *backend = backend_for(abi);
  if (!backend) return FFI_BAD_ABI;
  static_assert(sizeof(cif->abi) == sizeof abi);
  __builtin_memcpy(&cif->abi, &abi, sizeof abi);
  cif->nargs = ntotal;
  cif->arg_types = atypes;
  cif->rtype = rtype;
  cif->bytes = 0;

  // The common case first: every type a scalar of its code's size, and
  // the signature seen before.  The key is built in a local array and the
  // plan found without classifying anything.  (Alignments are not checked
  // here: a key with a bad one was never interned, so it misses and the
  // full path below refuses it.)
  if (ntotal <= kQuickArgs && atypes) {
    uint32_t words[kQuickArgs + 5];
    unsigned n = 0;
    auto put = [&](uint32_t w) { words[n++] = w; };
    put(abi);
    put(ntotal);
    put(variadic ? nfixed : ~0u);
    bool scalars = true;
    auto quick_key = [](const ffi_type *t) -> uint32_t {
      size_t want = t ? scalar_size(t->type) : 0;
      return want && t->size == want && t->type != FFI_TYPE_VOID ? head_word(t) : 0;
    };
    if (uint32_t w = quick_key(rtype)) {
      put(w);
    } else if (rtype && rtype->type == FFI_TYPE_VOID && rtype->size && rtype->size <= kMaxTypeSize) {
      put(head_word(rtype));  // as signature.cc keys void: head and size
      put(static_cast<uint32_t>(rtype->size));
    } else {
      scalars = false;
    }
    for (unsigned i = 0; scalars && i < ntotal; i++) {
      uint32_t w = quick_key(atypes[i]);
      if (!w || (variadic && i >= nfixed && bad_variadic_type(atypes[i]))) scalars = false;
      else put(w);
    }
    if (scalars && (!variadic || nfixed <= ntotal)) {
      if (const Plan *plan = find_interned(words, n, key_hash(words, n))) {
        cif->bytes = plan->cif_bytes;
        cif->flags = plan->index;
        return FFI_OK;
      }
    }
  }

  // Validate and lay out every type, and build the signature's key:
  // a signature seen before has its plan already; otherwise classify it.
  // Out of memory is reported as FFI_BAD_TYPEDEF: libffi has no better
  // status.
  Key key;
  if (!key.put(abi) || !key.put(ntotal) || !key.put(variadic ? nfixed : ~0u)) return FFI_BAD_TYPEDEF;
  if (ffi_status s = describe_type(rtype, key); s != FFI_OK) return s;
  if (ntotal && !atypes) return FFI_BAD_TYPEDEF;
  for (unsigned i = 0; i < ntotal; i++)
    if (ffi_status s = describe_type(atypes[i], key); s != FFI_OK) return s;
  if (variadic) {
    if (nfixed > ntotal) return FFI_BAD_ARGTYPE;
    for (unsigned i = nfixed; i < ntotal; i++)
      if (bad_variadic_type(atypes[i])) return FFI_BAD_ARGTYPE;
  }

  const Plan *plan = find_interned(key);
  if (!plan) {
    PlanWriter w;
    if (ffi_status s = backend->build_plan(cif, nfixed, w); s != FFI_OK) return s;
    if (w.failed) return FFI_BAD_TYPEDEF;
    plan = intern_plan(backend, key, w, w.stack_bytes);
    if (!plan) return FFI_BAD_TYPEDEF;
  }
  cif->bytes = plan->cif_bytes;
  cif->flags = plan->index;
  return FFI_OK;
}

} // namespace

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif(ffi_cif *cif, ffi_abi abi, unsigned int nargs,
                                               ffi_type *rtype, ffi_type **atypes) {
  return prep(cif, abi_number(abi), false, nargs, nargs, rtype, atypes);
}

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif_var(ffi_cif *cif, ffi_abi abi, unsigned int nfixedargs,
                                                   unsigned int ntotalargs, ffi_type *rtype,
                                                   ffi_type **atypes) {
  return prep(cif, abi_number(abi), true, nfixedargs, ntotalargs, rtype, atypes);
}
