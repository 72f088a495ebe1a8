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
  // Before the first plan: any signature found later was built here.
  static bool filled;  // a race fills twice, the same way
  if (!__atomic_load_n(&filled, __ATOMIC_RELAXED)) {
    fill_known_scalars();
    __atomic_store_n(&filled, true, __ATOMIC_RELAXED);
  }
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
      for (unsigned i = nfixed; s == FFI_OK && atypes && i < ntotal; i++)  // atypes: describe_signature refused NULL
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
// word describe_signature's all-scalar way gives it (scalar_word; a
// predefined type is known by its address, predefined_scalar), and the
// signature is found two ways, both without a lock:
// - the plan last found for this slot (the return type's address and the
//   argument count: a program that prepares one signature again and again
//   finds it here): its key is compared word by word with the types as
//   they are checked, nothing hashed or stored;
// - else the words are written and hashed as they are checked, and looked
//   up in the index; the plan found becomes the slot's.
// Anything else (a struct, a type that is not exactly like its predefined
// one, a refusal, too many arguments, a signature not interned yet) goes
// the general way, which checks everything again and says why.
constexpr unsigned kFoundWords = 32;  // keys of up to 28 arguments
constexpr unsigned kRecentSlots = 64;
const Plan *recent[kRecentSlots];

// A scalar of the found path: a predefined one, or one exactly like it.
// WORD is its key word.
__attribute__((always_inline)) inline bool found_scalar(const ffi_type *t, uint32_t &word) {
  if (predefined_scalar(t, word)) return true;
  if (!t) return false;
  const Scalar &s = kScalars.of[t->type % kScalarSlots];
  uint32_t ac = alignment_and_code(t);
  word = kHead | ac;
  // One branch for both compares (scalar_word's, taken apart).
  return !((t->size ^ s.size) | (ac ^ s.alignment_and_code));
}

// A struct already laid out (size not 0: libffi lays one out once, then
// trusts it as declared) whose members, if the key lists them, are such
// scalars: the words put_type gives it, after the checks prepare_type
// and check_members make, written from P on (WRITE) or compared with the
// words from P on; the end of them, or nullptr for any other struct (the
// general way takes it) or when they reach END.
template <bool write, class Word>
[[gnu::noinline]] Word *found_struct(const ffi_type *t, Word *p, const uint32_t *end) {
  auto put = [&](uint32_t word) {
    if (p == end) return false;
    if constexpr (write) *p = word;
    else if (*p != word) return false;
    p++;
    return true;
  };
  if (!t->size || t->size > kMaxTypeSize || !t->elements || !is_pow2(t->alignment)) return nullptr;
  if (!put(head_word(t)) || !put(static_cast<uint32_t>(t->size))) return nullptr;
  if (t->size > kMemberBytes) return put(kUnlisted) ? p : nullptr;
  size_t at = 0;
  uint32_t n = 0;
  for (ffi_type **e = t->elements; *e; e++, n++) {
    if (uint32_t word; !found_scalar(*e, word)) return nullptr;
    at = align_up(at, (*e)->alignment) + (*e)->size;
    if (at > t->size) return put(kUnlisted) ? p : nullptr;  // check_members stops there too
  }
  if (!put(n)) return nullptr;
  for (ffi_type **e = t->elements; *e; e++)
    if (uint32_t word; !found_scalar(*e, word) || !put(word)) return nullptr;
  return p;
}

// Whether argument I (or the return type, I = ~0u) may be passed as a
// variadic one (checked by prep after describe_signature).
template <bool variadic>
__attribute__((always_inline)) inline bool variadic_ok(const ffi_type *t, unsigned i, unsigned nfixed) {
  return !variadic || i == ~0u || i < nfixed || !bad_variadic_type(t);
}

// A signature of scalars not seen before, its N words of key at WORDS
// already checked and hashed (TAG) by prep_hashed: its plan is built now.
[[gnu::noinline]] ffi_status prep_new(ffi_cif *cif, unsigned abi, uint32_t fixed, const uint32_t *words, unsigned n,
                                      uint32_t tag, const char *function) {
  Why why;
  Key key;
  uint32_t *p = key.reserve(n);  // never more than its inline words
  if (!p) return prep(cif, abi, fixed != kNotVariadic, fixed, cif->nargs, cif->rtype, cif->arg_types, function);
  __builtin_memcpy(p, words, n * sizeof *words);
  key.commit(p + n);
  cif->flags = 0;  // a cif whose preparation failed cannot be called
  cif->bytes = 0;
  ffi_status s = build_and_intern(cif, backend_for(abi), key, tag, fixed, why);
  if (s != FFI_OK) report(function, s, why);
  return s;
}

// The words of the types from the J-th on (0: the return type, then the
// arguments), structs included, written from P on and hashed into H; the
// end of them, or nullptr for a type the found path does not take or when
// they reach END.
template <bool variadic>
[[gnu::noinline]] uint32_t *write_rest(const ffi_type *rtype, ffi_type **atypes, unsigned j, unsigned ntotal,
                                       unsigned nfixed, uint32_t *p, const uint32_t *end, uint64_t &h) {
  for (; j <= ntotal; j++) {
    const ffi_type *t = j ? atypes[j - 1] : rtype;
    if (uint32_t word; found_scalar(t, word)) {
      if (!variadic_ok<variadic>(t, j - 1, nfixed) || p == end) return nullptr;
      *p++ = word;
      h = hash_word(h, word);
    } else {
      if (!t || t->type != FFI_TYPE_STRUCT) return nullptr;
      uint32_t *q = found_struct<true>(t, p, end);
      if (!q) return nullptr;
      for (; p < q; p++) h = hash_word(h, *p);  // NOLINT(clang-analyzer-core.CallAndMessage): found_struct wrote [p, q)
    }
  }
  return p;
}

// The found path's second way (prep_found): out of line, so that the
// first keeps its registers.
template <bool variadic>
[[gnu::noinline]] ffi_status prep_hashed(ffi_cif *cif, unsigned abi, unsigned nfixed, unsigned ntotal,
                                         ffi_type *rtype, ffi_type **atypes, const char *function, unsigned slot) {
  uint32_t first = variadic ? abi | kVariadicKey : abi;
  unsigned head = variadic ? 3 : 2;  // words before the return type's
  uint32_t words[kFoundWords];
  words[0] = first;
  words[1] = ntotal;
  if (variadic) words[2] = nfixed;
  uint32_t *p = words + head;
  uint64_t h = kHashSeed;
  for (uint32_t *q = words; q < p; q++) h = hash_word(h, *q);
  // The scalars here, without a call (a word each: they fit, ntotal being
  // at most kFoundWords - 4); from the first other type on, write_rest.
  uint32_t word;
  unsigned j = 0;  // types written: the return type, then the arguments
  if (found_scalar(rtype, word)) {
    *p++ = word;
    h = hash_word(h, word);
    for (j = 1; j <= ntotal; j++) {
      const ffi_type *t = atypes[j - 1];
      if (!found_scalar(t, word) || !variadic_ok<variadic>(t, j - 1, nfixed)) break;
      *p++ = word;
      h = hash_word(h, word);
    }
  }
  if (j <= ntotal && !(p = write_rest<variadic>(rtype, atypes, j, ntotal, nfixed, p, words + kFoundWords, h)))
    return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
  uint32_t n = static_cast<uint32_t>(p - words);
  uint32_t tag = hash_tag(h);
  const Plan *plan = find_interned(words, n, tag);
  if (!plan) return prep_new(cif, abi, variadic ? nfixed : kNotVariadic, words, n, tag, function);
  __atomic_store_n(&recent[slot], plan, __ATOMIC_RELEASE);
  cif->bytes = plan->cif_bytes;
  __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
  return FFI_OK;
}

// Compare the words of the types from the J-th on (0: the return type,
// then the arguments) with a plan's key from P to END (prep_found).
template <bool variadic>
[[gnu::noinline]] bool compare_rest(const ffi_type *rtype, ffi_type **atypes, unsigned j, unsigned ntotal,
                                    unsigned nfixed, const uint32_t *p, const uint32_t *end) {
  for (; j <= ntotal; j++) {
    const ffi_type *t = j ? atypes[j - 1] : rtype;
    if (uint32_t word; found_scalar(t, word)) {
      if (!variadic_ok<variadic>(t, j - 1, nfixed) || p == end || *p != word) return false;
      p++;
    } else if (!t || t->type != FFI_TYPE_STRUCT || !(p = found_struct<false>(t, p, end))) {
      return false;
    }
  }
  return p == end;
}

template <bool variadic>
__attribute__((always_inline)) inline ffi_status prep_found(ffi_cif *cif, unsigned abi, unsigned nfixed,
                                                            unsigned ntotal, ffi_type *rtype, ffi_type **atypes,
                                                            const char *function) {
  if (__builtin_expect(!cif || !backend_for(abi) || ntotal > kFoundWords - 4 || (variadic && nfixed > ntotal) ||
                           (ntotal && !atypes),
                       0))
    return prep(cif, abi, variadic, nfixed, ntotal, rtype, atypes, function);
  // Stored first, so that they need no register meanwhile; the general
  // way stores them again.
  static_assert(sizeof(cif->abi) == sizeof abi);
  __builtin_memcpy(&cif->abi, &abi, sizeof abi);
  cif->nargs = ntotal;
  cif->arg_types = atypes;
  cif->rtype = rtype;
  uint32_t first = variadic ? abi | kVariadicKey : abi;
  unsigned head = variadic ? 3 : 2;  // words before the return type's

  unsigned slot = (ntotal + (reinterpret_cast<uintptr_t>(rtype) >> 5)) % kRecentSlots;
  if (const Plan *plan = __atomic_load_n(&recent[slot], __ATOMIC_ACQUIRE)) {
    KeyView k = key_of(plan);
    const uint32_t *p = k.words + head, *end = k.words + k.n;
    // At least a word a type: no scalar below reads past the key.
    bool same = k.n >= head + 1 + ntotal && k.words[0] == first && k.words[1] == ntotal &&
                (!variadic || k.words[2] == nfixed);
    if (same) {
      // The scalars here, without a call; from the first other type on,
      // compare_rest.
      uint32_t word;
      if (!found_scalar(rtype, word)) {
        same = compare_rest<variadic>(rtype, atypes, 0, ntotal, nfixed, p, end);
      } else if (*p != word) {
        same = false;
      } else {
        p++;
        ffi_type **a = atypes, **last = atypes + ntotal;
        for (; a != last; a++, p++) {
          if (!found_scalar(*a, word) || !variadic_ok<variadic>(*a, static_cast<unsigned>(a - atypes), nfixed))
            break;  // compare_rest tells
          if (*p != word) {
            same = false;
            break;
          }
        }
        if (same)
          same = a == last ? p == end
                           : compare_rest<variadic>(rtype, atypes, 1 + static_cast<unsigned>(a - atypes), ntotal,
                                                    nfixed, p, end);
      }
    }
    if (same) {
      cif->bytes = plan->cif_bytes;
      __atomic_store_n(&cif->flags, plan->index, __ATOMIC_RELAXED);
      return FFI_OK;
    }
  }

  return prep_hashed<variadic>(cif, abi, nfixed, ntotal, rtype, atypes, function, slot);
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
  return prep_found<false>(cif, abi_number(abi), nargs, nargs, rtype, atypes, "ffi_prep_cif");
}

extern "C" FFIX_EXPORT ffi_status ffi_prep_cif_var(ffi_cif *cif, ffi_abi abi, unsigned int nfixedargs,
                                                   unsigned int ntotalargs, ffi_type *rtype,
                                                   ffi_type **atypes) {
  return prep_found<true>(cif, abi_number(abi), nfixedargs, ntotalargs, rtype, atypes, "ffi_prep_cif_var");
}
