// layout.cc -- validation and layout of ffi_type graphs (ABI-neutral).
//
// libffi's rules, kept exactly: a struct declared with size 0 gets its
// members laid out in order, each at the next multiple of its alignment,
// and its size rounded up to its alignment (nested size-0 structs first).
// A struct with a non-zero size is trusted as declared.  On top of that,
// everything a malformed graph could do wrong is refused with
// FFI_BAD_TYPEDEF instead of being followed: NULL pointers, empty or
// cyclic element lists, sizes that overflow, unknown type codes, scalars
// whose size disagrees with their code, alignments that are not powers of
// two.
#include "core.h"

namespace ffix {

namespace {

bool valid_alignment(unsigned short a) { return is_pow2(a); }

// Lay out the members of struct TYPE in place (libffi's initialize_aggregate),
// storing member offsets in OFFSETS when given.
ffi_status layout_struct(ffi_type *type, size_t *offsets, int depth) {
  if (!type->elements || !type->elements[0]) return FFI_BAD_TYPEDEF;
  size_t size = 0;
  unsigned short align = 1;
  for (ffi_type **e = type->elements; *e; e++) {
    if (ffi_status s = prepare_type(*e, depth + 1); s != FFI_OK) return s;
    size = align_up(size, (*e)->alignment);
    if (offsets) *offsets++ = size;
    size += (*e)->size;
    if (size > kMaxTypeSize) return FFI_BAD_TYPEDEF;
    if ((*e)->alignment > align) align = (*e)->alignment;
  }
  type->size = align_up(size, align);
  type->alignment = align;
  return FFI_OK;
}

bool is_integer_code(unsigned short c) {
  return c == FFI_TYPE_INT || (c >= FFI_TYPE_UINT8 && c <= FFI_TYPE_SINT64);
}

ffi_status prepare_complex(ffi_type *type, int depth) {
  ffi_type *part = type->elements ? type->elements[0] : nullptr;
  if (!part) return FFI_BAD_TYPEDEF;
  unsigned short c = part->type;
  if (!(c == FFI_TYPE_FLOAT || c == FFI_TYPE_DOUBLE || c == FFI_TYPE_LONGDOUBLE || is_integer_code(c)))
    return FFI_BAD_TYPEDEF;
  if (ffi_status s = prepare_type(part, depth + 1); s != FFI_OK) return s;
  if (type->size == 0) {
    type->size = 2 * part->size;
    type->alignment = part->alignment;
  }
  return type->size == 2 * part->size && valid_alignment(type->alignment) ? FFI_OK : FFI_BAD_TYPEDEF;
}

// Vectors (libffi 3.8): N identical scalar lanes; size is the lane bytes
// rounded up to a power of two, alignment min(size, 16).
ffi_status prepare_vector(ffi_type *type, int depth) {
  if (!type->elements || !type->elements[0]) return FFI_BAD_TYPEDEF;
  unsigned short lane = type->elements[0]->type;
  if (!(lane == FFI_TYPE_FLOAT || lane == FFI_TYPE_DOUBLE ||
        (lane >= FFI_TYPE_UINT8 && lane <= FFI_TYPE_SINT64)))
    return FFI_BAD_TYPEDEF;
  size_t bytes = 0;
  for (ffi_type **e = type->elements; *e; e++) {
    if ((*e)->type != lane) return FFI_BAD_TYPEDEF;
    if (ffi_status s = prepare_type(*e, depth + 1); s != FFI_OK) return s;
    bytes += (*e)->size;
    if (bytes > kMaxTypeSize) return FFI_BAD_TYPEDEF;
  }
  size_t size = 1;
  while (size < bytes) size <<= 1;
  unsigned short align = static_cast<unsigned short>(size < 16 ? size : 16);
  if (type->size == 0 && type->alignment == 0) {
    type->size = size;
    type->alignment = align;
  }
  return type->size == size && type->alignment == align ? FFI_OK : FFI_BAD_TYPEDEF;
}

} // namespace

ffi_status prepare_type(ffi_type *type, int depth) {
  if (!type || depth > kMaxDepth) return FFI_BAD_TYPEDEF;
  switch (type->type) {
  case FFI_TYPE_STRUCT:
    if (type->size == 0) return layout_struct(type, nullptr, depth);
    if (!type->elements) return FFI_BAD_TYPEDEF;
    return type->size <= kMaxTypeSize && valid_alignment(type->alignment) ? FFI_OK : FFI_BAD_TYPEDEF;
  case FFI_TYPE_COMPLEX:
    return prepare_complex(type, depth);
  case FFI_TYPE_VECTOR:
    return prepare_vector(type, depth);
  case FFI_TYPE_VOID:  // size 0 asks for a layout void has not
    return type->size && type->size <= kMaxTypeSize && valid_alignment(type->alignment) ? FFI_OK
                                                                                         : FFI_BAD_TYPEDEF;
  default: {
    size_t want = scalar_size(type->type);
    return want && type->size == want && valid_alignment(type->alignment) ? FFI_OK : FFI_BAD_TYPEDEF;
  }
  }
}

ffi_status check_members(ffi_type *type, int depth, bool &fit) {
  fit = false;
  if (!type->elements || depth > kMaxDepth) return FFI_BAD_TYPEDEF;
  size_t end = 0;
  for (ffi_type **e = type->elements; *e; e++) {
    if (ffi_status s = prepare_type(*e, depth + 1); s != FFI_OK) return s;
    end = align_up(end, (*e)->alignment) + (*e)->size;
    if (end > type->size) return FFI_OK;  // stop early: nothing beyond can fit
  }
  fit = true;
  return FFI_OK;
}

} // namespace ffix

using namespace ffix;

extern "C" FFIX_EXPORT ffi_status ffi_get_struct_offsets(ffi_abi abi, ffi_type *struct_type,
                                                         size_t *offsets) {
  if (!backend_for(abi_number(abi))) return FFI_BAD_ABI;
  if (!struct_type || struct_type->type != FFI_TYPE_STRUCT) return FFI_BAD_TYPEDEF;
  return layout_struct(struct_type, offsets, 0);
}
