// signature.cc -- the key plans are interned by (signature.h): the
// general way, for any type; signature.h has the way of the common
// all-scalar signature, which writes the very same words.
#include "core.h"

#include <stdlib.h>
#include <string.h>

namespace ffix {

namespace {


// T's words; T has been through prepare_type (or check_members).
ffi_status put_type(ffi_type *t, Key &key, int depth, Why *why) {
  if (depth > kMaxDepth) return refuse(why, Reason::TooDeep, t, kMaxDepth);
  bool ok = key.put(head_word(t));
  bool parts = t->elements && t->elements[0];  // prepare_type made sure, for complex and vectors
  switch (t->type) {
  case FFI_TYPE_VOID:
    if (t->size != 1) ok = ok && key.put(static_cast<uint32_t>(t->size));
    break;
  case FFI_TYPE_COMPLEX:
    if (!parts) return refuse(why, Reason::EmptyElements, t);
    ok = ok && key.put(static_cast<uint32_t>(t->size)) && key.put(head_word(t->elements[0]));
    break;
  case FFI_TYPE_VECTOR: {
    if (!parts) return refuse(why, Reason::EmptyElements, t);
    uint32_t lanes = 0;
    for (ffi_type **e = t->elements; *e; e++) lanes++;
    ok = ok && key.put(static_cast<uint32_t>(t->size)) && key.put(head_word(t->elements[0])) && key.put(lanes);
    break;
  }
  case FFI_TYPE_STRUCT: {
    ok = ok && key.put(static_cast<uint32_t>(t->size));
    bool fit = false;
    if (t->size <= kMemberBytes)
      if (ffi_status s = check_members(t, depth, fit, why); s != FFI_OK) return s;
    if (!fit) {
      ok = ok && key.put(kUnlisted);
      break;
    }
    uint32_t n = 0;
    for (ffi_type **e = t->elements; *e; e++) n++;
    ok = ok && key.put(n);
    for (ffi_type **e = t->elements; ok && *e; e++)
      if (ffi_status s = put_type(*e, key, depth + 1, why); s != FFI_OK)
        return step(why, static_cast<uint32_t>(e - t->elements), t, s);
    break;
  }
  default:  // a scalar: its head
    break;
  }
  return ok ? FFI_OK : refuse(why, Reason::OutOfMemory, t, 0, 0, 0, 0, kOutOfMemory);
}

} // namespace

ffi_status describe_type(ffi_type *t, Key &key, Why *why) {
  if (uint32_t word; scalar_word(t, word))
    return key.put(word) ? FFI_OK : refuse(why, Reason::OutOfMemory, t, 0, 0, 0, 0, kOutOfMemory);
  if (ffi_status s = prepare_type(t, 0, why); s != FFI_OK) return s;
  return put_type(t, key, 0, why);
}

void Key::release() { free(words_); }

bool Key::grow(size_t more) {
  size_t cap = 2 * cap_;
  while (cap < n_ + more) cap *= 2;
  if (cap > (size_t{1} << 29)) return false;  // a key of two gigabytes: refuse the signature
  auto *bigger = static_cast<uint32_t *>(malloc(cap * sizeof(uint32_t)));
  if (!bigger) return false;
  memcpy(bigger, words_, n_ * sizeof(uint32_t));
  if (words_ != inline_) free(words_);
  words_ = bigger;
  cap_ = cap;
  return true;
}

} // namespace ffix
