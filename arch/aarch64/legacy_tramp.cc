// legacy_tramp.cc -- the trampoline libffi writes into closure->tramp when
// a program prepares a closure in executable memory of its own (codeloc ==
// the closure), as programs did before ffi_closure_alloc:
//     bti  c
//     ldr  x16, entry          the literal below
//     adr  x17, closure        the trampoline is the closure's first field
//     br   x16
//     entry: .quad ENTRY
// The closure is found from the trampoline's own address, so the code is
// right wherever the memory is mapped; x17 is what ffix's closure entry
// expects (the static trampolines leave their data slot there instead).
#include "../../src/backend.h"
#include "../../src/tramp.h"  // sync_code

#include <string.h>

namespace ffix {

void write_legacy_trampoline(void *tramp, void *closure, const void *entry) {
  static_assert(FFI_TRAMPOLINE_SIZE == 24);
  if (tramp != closure) fatal("ffi_prep_closure_loc", "a legacy trampoline must be the closure's first field");
  const uint32_t code[4] = {
      0xd503245f,  // bti c
      0x58000070,  // ldr x16, .+12
      0x10ffffd1,  // adr x17, .-8
      0xd61f0200,  // br x16
  };
  memcpy(tramp, code, sizeof code);
  memcpy(static_cast<char *>(tramp) + sizeof code, &entry, sizeof entry);
  sync_code(static_cast<char *>(tramp), static_cast<char *>(tramp) + FFI_TRAMPOLINE_SIZE);
}

} // namespace ffix
