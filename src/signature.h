// signature.h -- the key plans are interned by: everything about a cif
// that its plan can depend on, and nothing else.  Keys are written here
// and in signature.cc; ffi_prep_cif's found path (prep_cif.cc) writes or
// compares the very same words for the scalars and the laid-out structs
// of scalars it takes (scalar_word, head_word, kMemberBytes, kUnlisted).
//
// A key is the ABI (kVariadicKey added for a variadic call), the argument
// count and, for a variadic call only, the number of fixed arguments; then
// the return type and each argument type.
// Words are heads (kHead: code and alignment) or numbers (sizes, counts,
// all below 2^31), so keys of different shapes never coincide.  A scalar
// is its head; void its head, then its size unless that is 1 (a number
// after a head cannot be the next type's head).  A struct is its head and size,
// then, if it is at most kMemberBytes (no supported ABI looks at the
// members of a larger aggregate: AAPCS64's largest homogeneous aggregate
// is four 16-byte vectors) and its members fit in its size, their count
// and the members, recursively; otherwise a marker.  A complex type is its
// head, size and part's head; a vector its head, size, lane head and lane
// count.
#pragma once

#include "backend.h"
#include "scalars.h"

namespace ffix {

// A signature's key: everything about a cif that its plan depends on, as
// 32-bit words (written below and in signature.cc).  Plans are interned by key.
class Key {
public:
  Key() = default;
  ~Key() {
    if (__builtin_expect(words_ != inline_, 0)) release();
  }
  Key(const Key &) = delete;
  Key &operator=(const Key &) = delete;

  bool put(uint32_t word) {
    if (__builtin_expect(n_ == cap_, 0) && !grow(1)) return false;
    words_[n_++] = word;
    return true;
  }
  // Room for N more words: where they go, or nullptr when out of memory.
  // commit(END) then says where the words written there end.
  uint32_t *reserve(size_t n) {
    if (__builtin_expect(n > cap_ - n_, 0) && !grow(n)) return nullptr;
    return words_ + n_;
  }
  void commit(uint32_t *end) { n_ = static_cast<size_t>(end - words_); }
  const uint32_t *words() const { return words_; }
  unsigned size() const { return static_cast<unsigned>(n_); }
  size_t bytes() const { return n_ * sizeof(uint32_t); }

private:
  bool grow(size_t more);
  void release();

  // size_t, not uint32_t: stores of key words cannot alias the counters.
  uint32_t *words_ = inline_;
  size_t n_ = 0, cap_ = sizeof inline_ / sizeof(uint32_t);
  uint32_t inline_[128];
};

// The hash of a key: one multiply per word, so that a signature can be
// hashed as its words are written, in the pass that checks its types
// (ffi_prep_cif's found path, describe_signature's all-scalar way);
// key_hash gives the same value from the words afterwards.  hash_tag is
// what the plan index keeps (plan_index.h).
constexpr uint64_t kHashSeed = 0x9e3779b97f4a7c15ull;
inline uint64_t hash_word(uint64_t h, uint32_t word) { return (h ^ word) * 0xff51afd7ed558ccdull; }
inline uint64_t key_hash(const uint32_t *words, unsigned n) {
  uint64_t h = kHashSeed;
  for (unsigned i = 0; i < n; i++) h = hash_word(h, words[i]);
  return h;
}
inline uint32_t hash_tag(uint64_t h) { return static_cast<uint32_t>((h ^ (h >> 29)) >> 32); }

constexpr uint32_t kHead = 0x80000000u;
constexpr size_t kMemberBytes = 64;
constexpr uint32_t kUnlisted = 0x7fffffffu;  // a struct whose members are not in the key
constexpr uint32_t kVariadicKey = 0x80000000u;  // ABI numbers are small (backend_for knows them)

// A type's alignment and code as they sit side by side in an ffi_type:
// one load.
static_assert(offsetof(ffi_type, type) == offsetof(ffi_type, alignment) + 2);
constexpr uint32_t side_by_side(unsigned short alignment, unsigned short code) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return alignment | uint32_t{code} << 16;
#else
  return code | uint32_t{alignment} << 16;
#endif
}
inline uint32_t alignment_and_code(const ffi_type *t) {
  uint32_t v;
  __builtin_memcpy(&v, reinterpret_cast<const char *>(t) + offsetof(ffi_type, alignment), 4);
  return v;
}

// A head is its type's alignment and code with kHead: codes and
// alignments are below 2^15 once prepare_type has passed them (a power of
// two of 2^15 on a big-endian target sets kHead itself), so no number
// can be a head.
inline uint32_t head_word(const ffi_type *t) { return kHead | alignment_and_code(t); }

// Each scalar code's predefined type: its size and its alignment and code
// side by side; indexed by the low bits of the code (the code itself is
// compared too).  Other entries hold the code of another entry, which no
// type that lands on them has.  Eight bytes an entry, so that the index
// scales into the table.
struct Scalar {
  uint32_t size;
  uint32_t alignment_and_code;
};
constexpr unsigned kScalarSlots = 32;
static_assert(FFI_TYPE_LAST < kScalarSlots);
struct Scalars {
  Scalar of[kScalarSlots];
  constexpr Scalars() : of{} {
    for (unsigned c = 0; c < kScalarSlots; c++) {
      auto code = static_cast<unsigned short>(c);
      size_t n = c <= FFI_TYPE_LAST ? scalar_size(code) : 0;
      of[c] = n ? Scalar{static_cast<uint32_t>(n), side_by_side(scalar_alignment(code), code)}
                : Scalar{0, side_by_side(0, static_cast<unsigned short>(c + 1))};
    }
  }
};
inline constexpr Scalars kScalars;

// A scalar exactly like its predefined type (void of size 1 included) is
// keyed by its head alone (WORD), found without calling prepare_type: one
// compare of its size and one of its alignment and code.  False for any
// other type, which goes through prepare_type and put_type (and gets the
// same word there if it is a scalar of another alignment).
inline bool scalar_word(const ffi_type *t, uint32_t &word) {
  if (!t) return false;
  const Scalar &s = kScalars.of[t->type % kScalarSlots];
  uint32_t ac = alignment_and_code(t);
  word = kHead | ac;
  return t->size == s.size && ac == s.alignment_and_code;
}

// The predefined scalar types (types.cc) are known by address, before
// any field is read: they are the library's own, exactly like their
// codes' (types.cc checks that at build time), and libffi keeps them
// read-only.  The addresses are the ones the program sees, a program's
// copies of them (copy relocations) included: types.cc fills the table
// before the first plan is built (fill_known_scalars, from prep_cif.cc),
// and until then, or for a type whose slot another one took, the fields
// are checked as for any other type.  An empty slot holds an address no
// type has.  Slots by address / 8: the objects are 24 bytes, 32 apart.
struct KnownScalar {
  uintptr_t type;
  uint32_t word;
};
constexpr unsigned kKnownSlots = 64;
struct KnownScalars {
  KnownScalar of[kKnownSlots];
  constexpr KnownScalars() : of{} {
    for (KnownScalar &k : of) k.type = 1;
  }
};
extern FFIX_HIDDEN KnownScalars known_scalars;
FFIX_HIDDEN void fill_known_scalars();
inline KnownScalar &known_slot(const void *t) {
  return known_scalars.of[(reinterpret_cast<uintptr_t>(t) >> 3) % kKnownSlots];
}
// True when T is one of them, with its key word in WORD.
inline bool predefined_scalar(const ffi_type *t, uint32_t &word) {
  const KnownScalar &k = known_slot(t);
  if (__atomic_load_n(&k.type, __ATOMIC_ACQUIRE) != reinterpret_cast<uintptr_t>(t)) return false;
  word = k.word;
  return true;
}

// Validate and lay out TYPE and append its words (signature.cc).
FFIX_HIDDEN ffi_status describe_type(ffi_type *type, Key &key, Why *why);

// Validate and lay out the return type and every argument type, write
// the signature's key into KEY and its hash_tag into TAG; WHY records a
// refusal (why.h).  NFIXED is ~0u for a call that is not variadic.  The
// general way of ffi_prep_cif (prep_cif.cc): a signature seen before is
// mostly found without it.
inline ffi_status describe_signature(Key &key, uint32_t &tag, unsigned abi, unsigned ntotal, unsigned nfixed,
                                     ffi_type *rtype, ffi_type **atypes, Why *why) {
  // The common signature is all scalars: room for one word a type is made
  // once, and the words go straight in, hashed on the way.  The first
  // other type goes the general way, and so does everything after it; the
  // key is then hashed from its words.
  uint32_t *p = key.reserve(size_t{4} + ntotal);
  if (!p) return refuse(why, Reason::OutOfMemory, nullptr, 0, 0, 0, 0, kOutOfMemory);
  // A word less for the common call that is not variadic: at eight
  // arguments the key then fits 48 bytes of the arena, not 64.
  uint32_t first = nfixed == ~0u ? abi : abi | kVariadicKey;
  uint64_t h = hash_word(hash_word(kHashSeed, first), ntotal);
  *p++ = first;
  *p++ = ntotal;
  if (nfixed != ~0u) {
    *p++ = nfixed;
    h = hash_word(h, nfixed);
  }
  unsigned i = 0;
  uint32_t word;
  if (__builtin_expect(scalar_word(rtype, word), 1)) {
    *p++ = word;
    h = hash_word(h, word);
    if (atypes)
      for (; i < ntotal && scalar_word(atypes[i], word); i++) {
        *p++ = word;
        h = hash_word(h, word);
      }
    key.commit(p);
    if (__builtin_expect(i == ntotal, 1)) {
      tag = hash_tag(h);
      return FFI_OK;
    }
  } else {
    key.commit(p);
    if (ffi_status s = describe_type(rtype, key, why); s != FFI_OK) return at(why, Where::Return, 0, s);
  }
  if (i < ntotal && !atypes) return refuse(why, Reason::NullArgTypes, nullptr, ntotal);
  for (; i < ntotal; i++)
    if (ffi_status s = describe_type(atypes[i], key, why); s != FFI_OK) return at(why, Where::Argument, i, s);
  tag = hash_tag(key_hash(key.words(), key.size()));
  return FFI_OK;
}

} // namespace ffix
