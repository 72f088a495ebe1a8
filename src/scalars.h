// scalars.h -- what the core knows of each scalar type code: the size and
// alignment of its C type, as the predefined ffi_type objects have them
// (types.cc checks them against the C types).
#pragma once

#include "backend.h"

namespace ffix {

// Canonical size of a scalar type code; 0 for codes that are not scalars.
constexpr size_t scalar_size(unsigned short code) {
  switch (code) {
  case FFI_TYPE_VOID: case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: return 1;
  case FFI_TYPE_UINT16: case FFI_TYPE_SINT16: return 2;
  case FFI_TYPE_INT: case FFI_TYPE_FLOAT: case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: return 4;
  case FFI_TYPE_DOUBLE: case FFI_TYPE_UINT64: case FFI_TYPE_SINT64: return 8;
  case FFI_TYPE_POINTER: return sizeof(void *);
  case FFI_TYPE_LONGDOUBLE: return sizeof(long double);
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128: return 16;
  default: return 0;  // aggregates and unknown codes
  }
}

// The alignment of the C type of a scalar type code, as the predefined
// ffi_type objects have it (types.cc checks them); 0 for other codes.
constexpr unsigned short scalar_alignment(unsigned short code) {
  switch (code) {
  case FFI_TYPE_VOID: return 1;  // libffi's ffi_type_void
  case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: return alignof(uint8_t);
  case FFI_TYPE_UINT16: case FFI_TYPE_SINT16: return alignof(uint16_t);
  case FFI_TYPE_INT: return alignof(int);
  case FFI_TYPE_FLOAT: return alignof(float);
  case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: return alignof(uint32_t);
  case FFI_TYPE_DOUBLE: return alignof(double);
  case FFI_TYPE_UINT64: case FFI_TYPE_SINT64: return alignof(uint64_t);
  case FFI_TYPE_POINTER: return alignof(void *);
  case FFI_TYPE_LONGDOUBLE: return alignof(long double);
#ifdef __SIZEOF_INT128__
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128: return alignof(__int128);
#else
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128: return 16;
#endif
  default: return 0;
  }
}

} // namespace ffix
