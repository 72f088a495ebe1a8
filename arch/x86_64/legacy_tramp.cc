// legacy_tramp.cc -- the trampoline libffi writes into closure->tramp when
// a program prepares a closure in executable memory of its own (codeloc ==
// the closure), as programs did before ffi_closure_alloc:
//     endbr64
//     movabs $closure, %r10
//     movabs $entry, %r11
//     jmp    *%r11
#include "../../src/backend.h"

#include <string.h>

namespace ffix {

void write_legacy_trampoline(void *tramp, void *closure, const void *entry) {
  unsigned char code[FFI_TRAMPOLINE_SIZE] = {
      0xf3, 0x0f, 0x1e, 0xfa,  // endbr64
      0x49, 0xba, 0, 0, 0, 0, 0, 0, 0, 0,  // movabs $closure, %r10
      0x49, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0,  // movabs $entry, %r11
      0x41, 0xff, 0xe3,        // jmp *%r11
      0x0f, 0x1f, 0x40, 0x00, 0x90,  // padding
  };
  memcpy(code + 6, &closure, 8);
  memcpy(code + 16, &entry, 8);
  memcpy(tramp, code, sizeof code);
  __builtin___clear_cache(static_cast<char *>(tramp), static_cast<char *>(tramp) + sizeof code);
}

} // namespace ffix
