// classify.h -- what AAPCS64 (ARM IHI 0055, 2023Q3 release) makes of one
// argument or result type, before registers are counted: stage B of
// §6.8.2 "Parameter Passing Rules" and the type rules of §5.9 (composite
// types, HFA and HVA).
#pragma once

#include "../../src/backend.h"

namespace ffix::a64 {

enum class Class : uint8_t {
  Integer,    // integral or pointer of up to 8 bytes (rules C.9, C.16)
  Int128,     // a 16-byte integral type (C.10, C.11)
  Vfp,        // floating-point, short vector, HFA or HVA: COUNT members of SIZE bytes (C.1-C.6)
  Composite,  // any other composite of up to 16 bytes (C.10, C.12-C.15)
  Reference,  // a composite over 16 bytes: a pointer to a copy (B.4)
};

struct Classified {
  Class cls;
  uint8_t count;   // Vfp: members, 1 to 4
  uint8_t member;  // Vfp: bytes of each member, 4, 8 or 16 (one v register each)
};

// Classify TYPE (validated by prepare_type).  FFI_BAD_TYPEDEF for what
// ffix does not pass: vectors other than the 8- and 16-byte short vectors
// of §4.1.2, and malformed members met in a pre-sized struct.
ffi_status classify(const ffi_type *type, Classified &out);

// The parts of AAPCS64 that its platform variants change (§10 leaves
// them to the platform), as data, so that a variant is a table: Linux
// follows the base standard.  Apple's arm64 would put variadic arguments
// on the stack, pack stack arguments to their natural size, and have the
// caller extend narrow integers.
struct Convention {
  bool variadic_on_stack;   // variadic arguments go on the stack, 8-byte slots
  bool packed_stack_slots;  // stack arguments take their size, not 8-byte slots
};
inline constexpr Convention kLinux{false, false};

} // namespace ffix::a64
