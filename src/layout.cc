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
ffi_status layout_struct(ffi_type *type, size_t *offsets, int depth, Why *why) {
  if (!type->elements) return refuse(why, Reason::NullElements, type);
  if (!type->elements[0]) return refuse(why, Reason::EmptyElements, type);
  size_t size = 0;
  unsigned short align = 1;
  for (ffi_type **e = type->elements; *e; e++) {
    auto i = static_cast<uint32_t>(e - type->elements);
    if (ffi_status s = prepare_type(*e, depth + 1, why); s != FFI_OK) return step(why, i, type, s);
    size = align_up(size, (*e)->alignment);
    if (offsets) *offsets++ = size;
    size += (*e)->size;
    if (size > kMaxTypeSize) return refuse(why, Reason::MembersTooLarge, type, size, i, kMaxTypeSize);
    if ((*e)->alignment > align) align = (*e)->alignment;
  }
  type->size = align_up(size, align);
  type->alignment = align;
  return FFI_OK;
}

// The integer types a complex number may be made of: GCC's _Complex of
// every integer type, __int128 included (libffi 3.8 accepts them all).
bool is_integer_code(unsigned short c) {
  return c == FFI_TYPE_INT || (c >= FFI_TYPE_UINT8 && c <= FFI_TYPE_SINT64) || c == FFI_TYPE_UINT128 ||
         c == FFI_TYPE_SINT128;
}

ffi_status prepare_complex(ffi_type *type, int depth, Why *why) {
  if (!type->elements) return refuse(why, Reason::NullElements, type);
  ffi_type *part = type->elements[0];
  if (!part) return refuse(why, Reason::EmptyElements, type);
  unsigned short c = part->type;
  if (!(c == FFI_TYPE_FLOAT || c == FFI_TYPE_DOUBLE || c == FFI_TYPE_LONGDOUBLE || is_integer_code(c)))
    return refuse(why, Reason::ComplexPart, type, c);
  if (ffi_status s = prepare_type(part, depth + 1, why); s != FFI_OK) return step(why, 0, type, s);
  if (type->size == 0) {
    type->size = 2 * part->size;
    type->alignment = part->alignment;
  }
  if (type->size != 2 * part->size) return refuse(why, Reason::ComplexSize, type, type->size, 2 * part->size);
  return valid_alignment(type->alignment) ? FFI_OK : refuse(why, Reason::BadAlignment, type, type->alignment);
}

// Vectors (libffi 3.8): N identical scalar lanes; size is the lane bytes
// rounded up to a power of two, alignment min(size, 16).
ffi_status prepare_vector(ffi_type *type, int depth, Why *why) {
  if (!type->elements) return refuse(why, Reason::NullElements, type);
  if (!type->elements[0]) return refuse(why, Reason::EmptyElements, type);
  unsigned short lane = type->elements[0]->type;
  if (!(lane == FFI_TYPE_FLOAT || lane == FFI_TYPE_DOUBLE ||
        (lane >= FFI_TYPE_UINT8 && lane <= FFI_TYPE_SINT64)))
    return refuse(why, Reason::VectorLane, type, lane);
  size_t bytes = 0;
  for (ffi_type **e = type->elements; *e; e++) {
    auto i = static_cast<uint32_t>(e - type->elements);
    if ((*e)->type != lane) return refuse(why, Reason::VectorMixed, type, i, (*e)->type, lane);
    if (ffi_status s = prepare_type(*e, depth + 1, why); s != FFI_OK) return step(why, i, type, s);
    bytes += (*e)->size;
    if (bytes > kMaxTypeSize) return refuse(why, Reason::MembersTooLarge, type, bytes, i, kMaxTypeSize);
  }
  size_t size = 1;
  while (size < bytes) size <<= 1;
  unsigned short align = static_cast<unsigned short>(size < 16 ? size : 16);
  if (type->size == 0 && type->alignment == 0) {
    type->size = size;
    type->alignment = align;
  }
  return type->size == size && type->alignment == align
             ? FFI_OK
             : refuse(why, Reason::VectorLayout, type, type->size, type->alignment, size, align);
}

} // namespace

namespace {

// A size within the limit and a power-of-two alignment, or why not.
ffi_status check_size_and_alignment(const ffi_type *type, Why *why) {
  if (type->size > kMaxTypeSize) return refuse(why, Reason::TooLarge, type, type->size, kMaxTypeSize);
  return valid_alignment(type->alignment) ? FFI_OK : refuse(why, Reason::BadAlignment, type, type->alignment);
}

} // namespace

ffi_status prepare_type(ffi_type *type, int depth, Why *why) {
  if (!type) return refuse(why, Reason::NullType, type);
  if (depth > kMaxDepth) return refuse(why, Reason::TooDeep, type, kMaxDepth);
  switch (type->type) {
  case FFI_TYPE_STRUCT:
    if (type->size == 0) return layout_struct(type, nullptr, depth, why);
    if (!type->elements) return refuse(why, Reason::NullElements, type);
    return check_size_and_alignment(type, why);
  case FFI_TYPE_COMPLEX:
    return prepare_complex(type, depth, why);
  case FFI_TYPE_VECTOR:
    return prepare_vector(type, depth, why);
  case FFI_TYPE_VOID:  // size 0 asks for a layout void has not
    if (!type->size) return refuse(why, Reason::VoidSize0, type);
    return check_size_and_alignment(type, why);
  default: {
    size_t want = scalar_size(type->type);
    if (!want) return refuse(why, Reason::UnknownCode, type, type->type);
    if (type->size != want) return refuse(why, Reason::ScalarSize, type, type->size, type->type, want);
    return check_size_and_alignment(type, why);
  }
  }
}

ffi_status check_members(ffi_type *type, int depth, bool &fit, Why *why) {
  fit = false;
  if (!type->elements) return refuse(why, Reason::NullElements, type);
  if (depth > kMaxDepth) return refuse(why, Reason::TooDeep, type, kMaxDepth);
  size_t end = 0;
  for (ffi_type **e = type->elements; *e; e++) {
    if (ffi_status s = prepare_type(*e, depth + 1, why); s != FFI_OK)
      return step(why, static_cast<uint32_t>(e - type->elements), type, s);
    end = align_up(end, (*e)->alignment) + (*e)->size;
    if (end > type->size) return FFI_OK;  // stop early: nothing beyond can fit
  }
  fit = true;
  return FFI_OK;
}

} // namespace ffix

using namespace ffix;

namespace {

ffi_status struct_offsets(unsigned abi, ffi_type *struct_type, size_t *offsets, Why &why) {
  if (!backend_for(abi)) return refuse(&why, Reason::BadAbi, nullptr, abi, 0, 0, 0, FFI_BAD_ABI);
  ffi_status s = FFI_BAD_TYPEDEF;
  if (!struct_type) s = refuse(&why, Reason::NullType, nullptr);
  else if (struct_type->type != FFI_TYPE_STRUCT) s = refuse(&why, Reason::NotAStruct, struct_type, struct_type->type);
  else s = layout_struct(struct_type, offsets, 0, &why);
  return at(&why, Where::Struct, 0, s);
}

} // namespace

extern "C" FFIX_EXPORT ffi_status ffi_get_struct_offsets(ffi_abi abi, ffi_type *struct_type,
                                                         size_t *offsets) {
  Why why;
  ffi_status s = struct_offsets(abi_number(abi), struct_type, offsets, why);
  if (__builtin_expect(s != FFI_OK, 0)) report("ffi_get_struct_offsets", s, why);
  return s;
}
