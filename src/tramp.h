/* tramp.h -- static trampolines, shared by the core (C++) and each
   target's trampoline template (assembly).

   A trampoline page is a page of identical TRAMP_SIZE-byte stubs in the
   library's own read-only text.  The allocator maps copies of it from the
   library file, each followed by a read-write data page; stub I finds its
   data slot I at the same offset one page further and jumps to the
   slot's target with the slot's address in a scratch register.  No page
   is ever writable and executable.  */
#ifndef FFIX_TRAMP_H
#define FFIX_TRAMP_H

#define FFIX_TRAMP_PAGE 4096
#define FFIX_TRAMP_SIZE 16
#define FFIX_TRAMP_COUNT (FFIX_TRAMP_PAGE / FFIX_TRAMP_SIZE)
/* A data slot: the target to jump to, then the closure.  */
#define FFIX_SLOT_TARGET 0
#define FFIX_SLOT_CLOSURE 8

#ifndef __ASSEMBLER__
#include <stddef.h>

namespace ffix {

struct Slot {
  const void *target;
  void *closure;
  char unused[FFIX_TRAMP_SIZE - 2 * sizeof(void *)];
};
static_assert(sizeof(Slot) == FFIX_TRAMP_SIZE);
static_assert(offsetof(Slot, target) == FFIX_SLOT_TARGET && offsetof(Slot, closure) == FFIX_SLOT_CLOSURE);

// The trampoline stub that jumps through SLOT.
inline void *slot_code(Slot *slot) { return reinterpret_cast<char *>(slot) - FFIX_TRAMP_PAGE; }

// Map a fresh trampoline page and its data page; returns the data page's
// slots (FFIX_TRAMP_COUNT of them), or nullptr when no mapping is possible.
Slot *map_trampolines(void);

} // namespace ffix

/* The template page (arch/<target>/trampoline.S).  */
extern "C" const char ffix_tramp_page[FFIX_TRAMP_PAGE];
#endif

#endif
