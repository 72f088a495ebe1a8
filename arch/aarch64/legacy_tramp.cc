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

#include <string.h>

namespace ffix {

namespace {

// Make new code at [BEGIN, END) visible to instruction fetch (Arm ARM
// B2.4.4, "Concurrent modification and execution of instructions"): clean
// the data cache lines to the point of unification, then invalidate the
// instruction cache lines, each followed by a barrier.  Written here, not
// taken from libgcc (__builtin___clear_cache), whose object has no BTI
// note.  CTR_EL0 gives the smallest line sizes, in words.
void sync_code(char *begin, char *end) {
  uint64_t ctr;
  asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
  const uintptr_t dline = uintptr_t{4} << ((ctr >> 16) & 15), iline = uintptr_t{4} << (ctr & 15);
  const auto from = reinterpret_cast<uintptr_t>(begin), to = reinterpret_cast<uintptr_t>(end);
  for (uintptr_t p = from & ~(dline - 1); p < to; p += dline) asm volatile("dc cvau, %0" : : "r"(p) : "memory");
  asm volatile("dsb ish" : : : "memory");
  for (uintptr_t p = from & ~(iline - 1); p < to; p += iline) asm volatile("ic ivau, %0" : : "r"(p) : "memory");
  asm volatile("dsb ish\n\tisb" : : : "memory");
}

} // namespace

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
