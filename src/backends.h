// backends.h -- which ABI folder serves which ffi_abi value on this target.
// Adding an ABI means adding its folder under arch/ and one line here.
// Inline: ffi_prep_cif asks for every cif.
#pragma once

#include "backend.h"

namespace ffix {

extern FFIX_HIDDEN const Backend sysv_backend;
extern FFIX_HIDDEN const Backend win64_backend;
extern FFIX_HIDDEN const Backend a64_backend;

// Which backend serves ABI, or nullptr when the ABI is not supported.
inline const Backend *backend_for(unsigned abi) {
  switch (abi) {
#if defined(X86_64)
  case FFI_UNIX64: return &sysv_backend;
#endif
#if defined(X86_64) || defined(X86_WIN64)
  case FFI_WIN64:
  case FFI_GNUW64: return &win64_backend;
#endif
#if defined(AARCH64)
  case FFI_SYSV: return &a64_backend;
#endif
  default: return nullptr;  // includes every value <= FFI_FIRST_ABI or >= FFI_LAST_ABI
  }
}

} // namespace ffix
