// classify.cc -- AAPCS64 (ARM IHI 0055, 2023Q3) type classification.
//
// §5.9.5 HFA: a composite all of whose members, found through nested
// structs and arrays (an array is its elements, ffi_type lists each one),
// have one floating-point type: float, double or the 128-bit long double.
// §5.9.5 HVA: the same with one short vector type (§4.1.2: 8 or 16 bytes;
// every short vector of one size is one fundamental type, whatever its
// lanes, as GCC passes them).
// Either has 1 to 4 members and no padding.  Complex types count as two
// members of their part type, as GCC treats them (§5.9.6 leaves complex
// types to the language; _Complex T is laid out as struct {T re, im}).
//
// Stage B of §6.8.2, applied to the type:
//   B.3  an HFA or HVA is passed as it is (in v registers, or on the stack);
//   B.4  any other composite over 16 bytes is copied to memory the caller
//        allocates and replaced by a pointer to the copy;
//   B.5  a composite of up to 16 bytes is rounded up to 8-byte words
//        (build_plan.cc counts its words).
// Scalars: integral and pointer types of up to 8 bytes go in x registers,
// __int128 in an even pair, float/double/long double and short vectors in
// one v register each.
#include "classify.h"

namespace ffix::a64 {

namespace {

// The identity of an HFA or HVA member: its size, and whether it is a
// short vector (a vector and a double of 8 bytes are different types).
struct Base {
  unsigned size = 0;  // 0: none yet
  unsigned key = 0;
};

bool short_vector(const ffi_type *t) { return t->size == 8 || t->size == 16; }

// Walk TYPE as a candidate HFA/HVA: false as soon as a member breaks it.
struct Homogeneous {
  Base base;
  unsigned count = 0;

  bool member(unsigned size, unsigned key) {
    if (base.size == 0) base = Base{size, key};
    else if (base.size != size || base.key != key) return false;
    return ++count <= 4;
  }

  bool walk(const ffi_type *t, int depth, ffi_status &status) {
    switch (t->type) {
    case FFI_TYPE_FLOAT: return member(4, 0);
    case FFI_TYPE_DOUBLE: return member(8, 0);
    case FFI_TYPE_LONGDOUBLE: return member(16, 0);
    case FFI_TYPE_VECTOR:
      return short_vector(t) && member(static_cast<unsigned>(t->size), 1);
    case FFI_TYPE_COMPLEX: {
      const ffi_type *part = t->elements[0];
      return walk(part, depth + 1, status) && walk(part, depth + 1, status);
    }
    case FFI_TYPE_STRUCT: {
      if (depth > kMaxDepth) {
        status = FFI_BAD_TYPEDEF;
        return false;
      }
      bool fit;
      if (ffi_status s = check_members(const_cast<ffi_type *>(t), depth, fit); s != FFI_OK) {
        status = s;
        return false;
      }
      if (!fit) return false;  // members overrun a preset size: not homogeneous
      for (ffi_type **e = t->elements; *e; e++)
        if (!walk(*e, depth + 1, status)) return false;
      return true;
    }
    default:
      return false;
    }
  }
};

} // namespace

ffi_status classify(const ffi_type *type, Classified &out) {
  out = Classified{Class::Integer, 0, 0};
  switch (type->type) {
  case FFI_TYPE_INT: case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: case FFI_TYPE_UINT16:
  case FFI_TYPE_SINT16: case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: case FFI_TYPE_UINT64:
  case FFI_TYPE_SINT64: case FFI_TYPE_POINTER:
    return FFI_OK;
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128:
    out.cls = Class::Int128;
    return FFI_OK;
  case FFI_TYPE_VECTOR:
    if (!short_vector(type)) return FFI_BAD_TYPEDEF;
    break;
  default:
    break;
  }
  Homogeneous h;
  ffi_status status = FFI_OK;
  bool homogeneous = h.walk(type, 0, status);
  if (status != FFI_OK) return status;
  if (homogeneous && h.count >= 1 && type->size == h.count * h.base.size) {
    out = Classified{Class::Vfp, static_cast<uint8_t>(h.count), static_cast<uint8_t>(h.base.size)};
    return FFI_OK;  // B.3
  }
  out.cls = type->size > 16 ? Class::Reference : Class::Composite;  // B.4, B.5
  return FFI_OK;
}

} // namespace ffix::a64
