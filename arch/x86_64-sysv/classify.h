// classify.h -- System V x86-64 psABI classification (AMD64 psABI 1.0,
// section 3.2.3 "Parameter Passing").
#pragma once

#include "../../src/backend.h"

namespace ffix::sysv {

// §3.2.3: the classes of an eightbyte.
enum class Cls : uint8_t { None, Integer, Sse, SseUp, X87, X87Up, ComplexX87, Memory };

// How one value (argument or return value) travels.
struct Classified {
  bool memory;    // class MEMORY: on the stack, or returned through a hidden pointer
  uint8_t words;  // eightbytes when in registers: 1 or 2
  Cls cls[2];
  uint8_t ngpr, nsse;  // registers it needs
};

// Classify TYPE (already validated by prepare_type).  Returns FFI_OK, or
// FFI_BAD_TYPEDEF for what the psABI cannot pass (vectors over 16 bytes)
// or a malformed member met while walking a pre-sized struct.
ffi_status classify(const ffi_type *type, Classified &out);

} // namespace ffix::sysv
