// signature.cc -- the key plans are interned by: everything about a cif
// that its plan can depend on, and nothing else.
//
// Words are heads (kHead: code and alignment) or numbers, so keys of
// different shapes never coincide.  A scalar is its head; void its head
// and size.  A struct is its head and size, then, if it is at most
// kMemberBytes (no supported ABI looks at the members of a larger
// aggregate: AAPCS64's largest homogeneous aggregate is four 16-byte
// vectors) and its members fit in its size, their count and the members,
// recursively; otherwise a marker.  A complex type is its head, size and
// part's head; a vector its head, size, lane head and lane count.
#include "ffix.h"

#include <stdlib.h>
#include <string.h>

namespace ffix {

namespace {

constexpr size_t kMemberBytes = 64;
constexpr uint32_t kUnlisted = 0x7fffffffu;  // a struct whose members are not in the key

ffi_status put_type(ffi_type *t, Key &key, int depth) {
  if (depth > kMaxDepth) return FFI_BAD_TYPEDEF;
  bool ok = key.put(head_word(t));
  bool parts = t->elements && t->elements[0];  // prepare_type made sure, for complex and vectors
  switch (t->type) {
  case FFI_TYPE_VOID:
    ok = ok && key.put(static_cast<uint32_t>(t->size));
    break;
  case FFI_TYPE_COMPLEX:
    if (!parts) return FFI_BAD_TYPEDEF;
    ok = ok && key.put(static_cast<uint32_t>(t->size)) && key.put(head_word(t->elements[0]));
    break;
  case FFI_TYPE_VECTOR: {
    if (!parts) return FFI_BAD_TYPEDEF;
    uint32_t lanes = 0;
    for (ffi_type **e = t->elements; *e; e++) lanes++;
    ok = ok && key.put(static_cast<uint32_t>(t->size)) && key.put(head_word(t->elements[0])) && key.put(lanes);
    break;
  }
  case FFI_TYPE_STRUCT: {
    ok = ok && key.put(static_cast<uint32_t>(t->size));
    bool fit = false;
    if (t->size <= kMemberBytes)
      if (ffi_status s = check_members(t, depth, fit); s != FFI_OK) return s;
    if (!fit) {
      ok = ok && key.put(kUnlisted);
      break;
    }
    uint32_t n = 0;
    for (ffi_type **e = t->elements; *e; e++) n++;
    ok = ok && key.put(n);
    for (ffi_type **e = t->elements; ok && *e; e++)
      if (ffi_status s = put_type(*e, key, depth + 1); s != FFI_OK) return s;
    break;
  }
  default:
    break;
  }
  return ok ? FFI_OK : FFI_BAD_TYPEDEF;
}

} // namespace

ffi_status describe_aggregate(ffi_type *type, Key &key) {
  if (ffi_status s = prepare_type(type); s != FFI_OK) return s;
  return put_type(type, key, 0);
}

Key::~Key() {
  if (words_ != inline_words) free(words_);
}

bool Key::grow() {
  if (cap > (1u << 28)) return false;  // a key of a billion bytes: refuse the signature
  auto *bigger = static_cast<uint32_t *>(malloc(size_t{2} * cap * sizeof(uint32_t)));
  if (!bigger) return false;
  memcpy(bigger, words_, n * sizeof(uint32_t));
  if (words_ != inline_words) free(words_);
  words_ = bigger;
  cap *= 2;
  return true;
}

} // namespace ffix
