// signature.h -- the key plans are interned by: everything about a cif
// that its plan can depend on, and nothing else.  Keys are written here
// and in signature.cc, nowhere else.
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
  ~Key();
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

  // size_t, not uint32_t: stores of key words cannot alias the counters.
  uint32_t *words_ = inline_;
  size_t n_ = 0, cap_ = sizeof inline_ / sizeof(uint32_t);
  uint32_t inline_[128];
};

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

constexpr uint32_t kHead = 0x80000000u;
constexpr uint32_t kVariadicKey = 0x80000000u;  // ABI numbers are small (backend_for knows them)

inline uint32_t head_word(const ffi_type *t) { return kHead | t->type | uint32_t{t->alignment} << 8; }

// Each scalar code's predefined type: its size, its alignment and code as
// they sit side by side in an ffi_type, and its key word; indexed by the
// low bits of the code (the code itself is compared too).  Other entries
// get a size no type has.
struct Scalar {
  size_t size;
  uint32_t alignment_and_code;
  uint32_t word;
};
static_assert(offsetof(ffi_type, type) == offsetof(ffi_type, alignment) + 2);
constexpr uint32_t side_by_side(unsigned short alignment, unsigned short code) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  return alignment | uint32_t{code} << 16;
#else
  return code | uint32_t{alignment} << 16;
#endif
}
constexpr unsigned kScalarSlots = 32;
static_assert(FFI_TYPE_LAST < kScalarSlots);
struct Scalars {
  Scalar of[kScalarSlots];
  constexpr Scalars() : of{} {
    for (unsigned c = 0; c < kScalarSlots; c++) {
      auto code = static_cast<unsigned short>(c);
      size_t n = c <= FFI_TYPE_LAST ? scalar_size(code) : 0;
      unsigned short a = scalar_alignment(code);
      of[c] = Scalar{n ? n : ~size_t{0}, side_by_side(a, code), kHead | c | uint32_t{a} << 8};
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
  uint32_t alignment_and_code;
  __builtin_memcpy(&alignment_and_code, reinterpret_cast<const char *>(t) + offsetof(ffi_type, alignment), 4);
  word = s.word;
  return t->size == s.size && alignment_and_code == s.alignment_and_code;
}

// Validate and lay out TYPE and append its words (signature.cc).
FFIX_HIDDEN ffi_status describe_type(ffi_type *type, Key &key, Why *why);

// Validate and lay out the return type and every argument type, and
// write the signature's key into KEY; WHY records a refusal (why.h).  NFIXED is ~0u for a call that is
// not variadic.  Inline: ffi_prep_cif runs it for every call of some
// consumers (CPython's ctypes).
inline ffi_status describe_signature(Key &key, unsigned abi, unsigned ntotal, unsigned nfixed, ffi_type *rtype,
                                     ffi_type **atypes, Why *why) {
  // The common signature is all scalars: room for one word a type is made
  // once, and the words go straight in.  The first other type goes the
  // general way, and so does everything after it.
  uint32_t *p = key.reserve(size_t{4} + ntotal);
  if (!p) return refuse(why, Reason::OutOfMemory, nullptr, 0, 0, 0, 0, kOutOfMemory);
  // A word less for the common call that is not variadic: at eight
  // arguments the key then fits 48 bytes of the arena, not 64.
  *p++ = nfixed == ~0u ? abi : abi | kVariadicKey;
  *p++ = ntotal;
  if (nfixed != ~0u) *p++ = nfixed;
  unsigned i = 0;
  uint32_t word;
  if (scalar_word(rtype, word)) {
    *p++ = word;
    if (atypes)
      for (; i < ntotal && scalar_word(atypes[i], word); i++) *p++ = word;
    key.commit(p);
    if (i == ntotal) return FFI_OK;
  } else {
    key.commit(p);
    if (ffi_status s = describe_type(rtype, key, why); s != FFI_OK) return at(why, Where::Return, 0, s);
  }
  if (i < ntotal && !atypes) return refuse(why, Reason::NullArgTypes, nullptr, ntotal);
  for (; i < ntotal; i++)
    if (ffi_status s = describe_type(atypes[i], key, why); s != FFI_OK) return at(why, Where::Argument, i, s);
  return FFI_OK;
}

} // namespace ffix
