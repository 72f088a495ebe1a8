// signature.cc -- the key plans are interned by: everything about a cif
// that its plan can depend on, and nothing else.
//
// A scalar is its type code and alignment; an aggregate its code,
// alignment, size and members, recursively (ABIs classify small
// aggregates member by member).  Struct members beyond 16 bytes' worth do
// not change any supported ABI's decision, but they are kept: the key
// must stay exact for every backend, and a long key only costs a longer
// compare.
#include "ffix.h"

#include <stdlib.h>
#include <string.h>

namespace ffix {

namespace {

bool put_type(const ffi_type *t, Key &key, int depth) {
  if (depth > kMaxDepth) return false;
  uint32_t head = t->type | uint32_t{t->alignment} << 16;
  switch (t->type) {
  case FFI_TYPE_STRUCT:
  case FFI_TYPE_COMPLEX:
  case FFI_TYPE_VECTOR: {
    unsigned n = 0;
    for (ffi_type **e = t->elements; *e; e++) n++;
    if (!key.put(head) || !key.put(static_cast<uint32_t>(t->size)) || !key.put(n)) return false;
    for (ffi_type **e = t->elements; *e; e++)
      if (!put_type(*e, key, depth + 1)) return false;
    return true;
  }
  default:
    return key.put(head);
  }
}

} // namespace

ffi_status describe_aggregate(ffi_type *type, Key &key) {
  if (ffi_status s = prepare_type(type); s != FFI_OK) return s;
  return put_type(type, key, 0) ? FFI_OK : FFI_BAD_TYPEDEF;
}

Key::~Key() {
  if (words_ != inline_words) free(words_);
}

bool Key::grow() {
  auto *bigger = static_cast<uint32_t *>(malloc(size_t{2} * cap * sizeof(uint32_t)));
  if (!bigger) return false;
  memcpy(bigger, words_, n * sizeof(uint32_t));
  if (words_ != inline_words) free(words_);
  words_ = bigger;
  cap *= 2;
  return true;
}

} // namespace ffix
