// prep_cif.cc -- ffi_prep_cif and ffi_prep_cif_var.
#include "core.h"
#include "plan_index.h"

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

// A signature not seen before (or not interned): build the plan of KEY,
// intern it and put it into CIF; a cif whose plan cannot be interned (no
// memory or no index left) is unplanned (unplanned.cc): slower, but it
// works.  Out of line, so that the found path keeps a small frame.
[[gnu::noinline]] ffi_status build_and_intern(ffi_cif *cif, const Backend *backend, const Key &key, uint32_t tag,
                                              uint32_t fixed, Why &why) {
  PlanWriter w;
  unsigned nfixed = fixed == kNotVariadic ? cif->nargs : fixed;
  if (ffi_status s = backend->build_plan(cif, nfixed, w); s != FFI_OK) return refuse_plan(why, cif, w, s);
  const Plan *plan = intern_plan(backend, key, tag, w);
  if (!plan) {
    cif->bytes = w.stack_bytes;
    __atomic_store_n(&cif->flags, kUnplanned | fixed, __ATOMIC_RELAXED);
    return FFI_OK;
  }
  cif->bytes = plan->cif_bytes;
  __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
  return FFI_OK;
}

// The plan of KEY, found or built and interned, into CIF.
inline ffi_status intern_or_unplanned(ffi_cif *cif, const Backend *backend, const Key &key, uint32_t tag,
                                      uint32_t fixed, Why &why) {
  const Plan *plan = find_interned(key.words(), key.size(), tag);
  if (!plan) return build_and_intern(cif, backend, key, tag, fixed, why);
  cif->bytes = plan->cif_bytes;
  __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
  return FFI_OK;
}

// The general way, for any signature: validate and lay out every type,
// build the key, find or build the plan; FFIX_DEBUG says why a signature
// is refused (as FUNCTION).
[[gnu::noinline]] ffi_status prep(ffi_cif *cif, unsigned abi, bool variadic, unsigned nfixed, unsigned ntotal,
                                  ffi_type *rtype, ffi_type **atypes, const char *function) {
  Why why;
  ffi_status s = FFI_OK;
  Key key;
  uint32_t tag = 0;
  if (!cif) {
    s = refuse(&why, Reason::NullCif, nullptr);
  } else if (const Backend *backend = backend_for(abi); !backend) {
    cif->flags = 0;  // a cif whose preparation failed cannot be called
    s = refuse(&why, Reason::BadAbi, nullptr, abi, 0, 0, 0, FFI_BAD_ABI);
  } else {
    cif->flags = 0;
    static_assert(sizeof(cif->abi) == sizeof abi);
    __builtin_memcpy(&cif->abi, &abi, sizeof abi);
    cif->nargs = ntotal;
    cif->arg_types = atypes;
    cif->rtype = rtype;
    cif->bytes = 0;
    s = describe_signature(key, tag, abi, ntotal, variadic ? nfixed : ~0u, rtype, atypes, &why);
    if (s == FFI_OK && variadic) {
      if (nfixed > ntotal) s = refuse(&why, Reason::FixedOverTotal, nullptr, nfixed, ntotal, 0, 0, FFI_BAD_ARGTYPE);
      for (unsigned i = nfixed; s == FFI_OK && i < ntotal; i++)
        if (bad_variadic_type(atypes[i])) s = refuse_variadic(why, i, atypes[i]);
    }
    if (s == FFI_OK) s = intern_or_unplanned(cif, backend, key, tag, variadic ? nfixed : kNotVariadic, why);
  }
  if (s != FFI_OK) report(function, s, why);
  return s;
}

// The found path, inlined into both entry points: CPython's ctypes
// prepares a cif for every foreign call, mostly of scalar types only, and
// of signatures seen before.  Each type gets the very checks and the very
// word describe_signature's all-scalar way gives it (scalar_word), and the
// words are hashed as they are written, then looked up without a lock.
// Anything else (a struct, a type that is not exactly like its predefined
// one, a refusal, too many arguments, a signature not interned yet) goes
// the general way, which checks everything again and says why.
constexpr unsigned kFoundWords = 32;  // keys of up to 28 arguments
__attribute__((always_inline)) inline ffi_status prep_found(ffi_cif *cif, unsigned abi, bool variadic,
                                                            unsigned nfixed, unsigned ntotal, ffi_type *rtype,
                                                            ffi_type **atypes, const char *function) {
  if (__builtin_expect(!cif || !backend_for(abi) || ntotal > kFoundWords - 4 || (variadic && nfixed > ntotal), 0))
    return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
  // Stored first, so that they need no register meanwhile; the general
  // way stores them again.
  static_assert(sizeof(cif->abi) == sizeof abi);
  __builtin_memcpy(&cif->abi, &abi, sizeof abi);
  cif->nargs = ntotal;
  cif->arg_types = atypes;
  cif->rtype = rtype;
  uint32_t words[kFoundWords];
  uint32_t first = variadic ? abi | kVariadicKey : abi;
  uint64_t h = hash_word(hash_word(kHashSeed, first), ntotal);
  words[0] = first;
  words[1] = ntotal;
  unsigned k = 2;
  if (variadic) {
    words[k++] = nfixed;
    h = hash_word(h, nfixed);
  }
  uint32_t word = kHead | 0;
  if (!(predefined_scalar(rtype) ? (word = kHead | alignment_and_code(rtype)) : scalar_word(rtype, word)) ||
      (ntotal && !atypes))
    return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
  words[k++] = word;
  h = hash_word(h, word);
  uint32_t *w = words + k;
  for (unsigned i = 0; i < ntotal; i++) {
    const ffi_type *t = atypes[i];
    if (!predefined_scalar(t)) {
      if (!t) return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
      const Scalar &s = kScalars.of[t->type % kScalarSlots];
      // One branch for both compares (scalar_word's, taken apart).
      if ((t->size ^ s.size) | (alignment_and_code(t) ^ s.alignment_and_code))
        return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
    }
    if (variadic && i >= nfixed && bad_variadic_type(t))
      return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
    uint32_t word = kHead | alignment_and_code(t);
    w[i] = word;
    h = hash_word(h, word);
  }
  const Plan *plan = find_interned(words, k + ntotal, hash_tag(h));
  if (!plan) return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
  cif->bytes = plan->cif_bytes;
  __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
  return FFI_OK;
}

} // namespace

namespace ffix {

const Plan *replan(ffi_cif *cif) {
  uint32_t fixed = cif->flags & ~kUnplanned;
  const Backend *backend = backend_for(abi_number(cif->abi));
  if (!backend) return nullptr;
  Key key;
  uint32_t tag = 0;
  Why why;
  if (describe_signature(key, tag, abi_number(cif->abi), cif->nargs, fixed == kNotVariadic ? ~0u : fixed,
                         cif->rtype, cif->arg_types, &why) != FFI_OK)
    return nullptr;
  if (intern_or_unplanned(cif, backend, key, tag, fixed, why) != FFI_OK) return nullptr;
  return find_plan(cif->flags);
}

} // namespace ffix

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif(ffi_cif *cif, ffi_abi abi, unsigned int nargs,
                                               ffi_type *rtype, ffi_type **atypes) {
  return prep_found(cif, abi_number(abi), false, nargs, nargs, rtype, atypes, "ffi_prep_cif");
}

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif_var(ffi_cif *cif, ffi_abi abi, unsigned int nfixedargs,
                                                   unsigned int ntotalargs, ffi_type *rtype,
                                                   ffi_type **atypes) {
  return prep_found(cif, abi_number(abi), true, nfixedargs, ntotalargs, rtype, atypes, "ffi_prep_cif_var");
}
