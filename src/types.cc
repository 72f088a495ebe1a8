// types.cc -- the predefined ffi_type objects.  Each is a 24-byte object
// that programs take copy relocations on, so size and layout are ABI.
#include "core.h"

// Each is its C type's size and alignment, which the core knows by type
// code (core.h: signature.cc finds such types without preparing them).
#define FFIX_SCALAR(name, ctype, code)                                                           \
  static_assert(sizeof(ctype) == ffix::scalar_size(code) && alignof(ctype) == ffix::scalar_alignment(code)); \
  extern "C" {                                                                                   \
  FFIX_EXPORT ffi_type ffi_type_##name = {sizeof(ctype), alignof(ctype), code, nullptr};         \
  }

// void has size 1 and alignment 1 in libffi.
extern "C" {
FFIX_EXPORT ffi_type ffi_type_void = {ffix::scalar_size(FFI_TYPE_VOID), ffix::scalar_alignment(FFI_TYPE_VOID),
                                      FFI_TYPE_VOID, nullptr};
}
FFIX_SCALAR(uint8, uint8_t, FFI_TYPE_UINT8)
FFIX_SCALAR(sint8, int8_t, FFI_TYPE_SINT8)
FFIX_SCALAR(uint16, uint16_t, FFI_TYPE_UINT16)
FFIX_SCALAR(sint16, int16_t, FFI_TYPE_SINT16)
FFIX_SCALAR(uint32, uint32_t, FFI_TYPE_UINT32)
FFIX_SCALAR(sint32, int32_t, FFI_TYPE_SINT32)
FFIX_SCALAR(uint64, uint64_t, FFI_TYPE_UINT64)
FFIX_SCALAR(sint64, int64_t, FFI_TYPE_SINT64)
FFIX_SCALAR(float, float, FFI_TYPE_FLOAT)
FFIX_SCALAR(double, double, FFI_TYPE_DOUBLE)
FFIX_SCALAR(pointer, void *, FFI_TYPE_POINTER)
FFIX_SCALAR(longdouble, long double, FFI_TYPE_LONGDOUBLE)

#ifdef FFI_TARGET_HAS_INT128
FFIX_SCALAR(uint128, unsigned __int128, FFI_TYPE_UINT128)
FFIX_SCALAR(sint128, __int128, FFI_TYPE_SINT128)
#endif

#define FFIX_COMPLEX(name, ctype)                                                                \
  static ffi_type *complex_##name##_parts[2] = {&ffi_type_##name, nullptr};                     \
  extern "C" {                                                                                   \
  FFIX_EXPORT ffi_type ffi_type_complex_##name = {2 * sizeof(ctype), alignof(ctype),            \
                                                  FFI_TYPE_COMPLEX, complex_##name##_parts};     \
  }

FFIX_COMPLEX(float, float)
FFIX_COMPLEX(double, double)
FFIX_COMPLEX(longdouble, long double)

static_assert(sizeof(ffi_type) == 24, "ffi_type is 24 bytes in libffi's ABI");

namespace ffix {

KnownScalars known_scalars;

// Their addresses as the program sees them (through the GOT: a copy of
// the program's own when it took a copy relocation), each into its slot
// unless another took it.  Word first, address last: a reader that sees
// the address sees the word.
void fill_known_scalars() {
  static ffi_type *const all[] = {&ffi_type_void,   &ffi_type_uint8,  &ffi_type_sint8,   &ffi_type_uint16,
                                  &ffi_type_sint16, &ffi_type_uint32, &ffi_type_sint32,  &ffi_type_uint64,
                                  &ffi_type_sint64, &ffi_type_float,  &ffi_type_double,  &ffi_type_pointer,
                                  &ffi_type_longdouble,
#ifdef FFI_TARGET_HAS_INT128
                                  &ffi_type_uint128, &ffi_type_sint128,
#endif
  };
  for (ffi_type *t : all) {
    KnownScalar &k = known_slot(t);
    uintptr_t empty = 1;
    if (__atomic_load_n(&k.type, __ATOMIC_RELAXED) != empty) continue;
    __atomic_store_n(&k.word, kHead | alignment_and_code(t), __ATOMIC_RELAXED);
    __atomic_compare_exchange_n(&k.type, &empty, reinterpret_cast<uintptr_t>(t), false, __ATOMIC_RELEASE,
                                __ATOMIC_RELAXED);
  }
}

} // namespace ffix
