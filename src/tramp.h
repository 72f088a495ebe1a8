/* tramp.h -- static trampolines, shared by the core (C++) and each
   target's trampoline template (assembly).

   The template is FFIX_TRAMP_SPAN bytes of identical FFIX_TRAMP_SIZE-byte
   stubs in the library's own read-only text (arch/<family>/target.h: the
   span is the largest page size of the target).  The allocator maps
   copies of one page of it, each with a read-write data page
   FFIX_TRAMP_SPAN bytes further on; stub I finds its data slot I at that
   distance and jumps to the slot's target with the slot's address in a
   scratch register.  The page size is read at run time: a page smaller
   than the span uses the first page of the template, and the address
   space between code and data stays reserved, inaccessible.  No page is
   ever writable and executable.  */
#ifndef FFIX_TRAMP_H
#define FFIX_TRAMP_H

#include "target.h"

/* A data slot: the target to jump to, then the closure.  */
#define FFIX_SLOT_TARGET 0
#define FFIX_SLOT_CLOSURE __SIZEOF_POINTER__

#ifndef __ASSEMBLER__
#include "backend.h"

namespace ffix {

struct Slot {
  const void *target;
  void *closure;
  char unused[FFIX_TRAMP_SIZE - 2 * sizeof(void *)];
};
static_assert(sizeof(Slot) == FFIX_TRAMP_SIZE);
static_assert(offsetof(Slot, target) == FFIX_SLOT_TARGET && offsetof(Slot, closure) == FFIX_SLOT_CLOSURE);
static_assert(is_pow2(FFIX_TRAMP_SPAN) && FFIX_TRAMP_SPAN % FFIX_TRAMP_SIZE == 0);

// The trampoline stub that jumps through SLOT.
inline void *slot_code(Slot *slot) { return reinterpret_cast<char *>(slot) - FFIX_TRAMP_SPAN; }

// Whether a page of PAGE bytes can hold copies of the template: a power of
// two no larger than the span (arm64 kernels use 4, 16 or 64 KiB pages).
inline bool tramp_page_fits(size_t page) {
  return page >= FFIX_TRAMP_SIZE && is_pow2(page) && page <= FFIX_TRAMP_SPAN;
}

// A freshly mapped copy of the trampoline page: its COUNT data slots (the
// page size over FFIX_TRAMP_SIZE), all zero, and EXTRA_BYTES (a whole
// number of pages) of zeroed read-write memory right after the data page
// for the caller's own use, backed once touched, or at once if POPULATE
// (fewer page faults when the caller will touch them all soon; a hint).
// Empty (no slots) when no mapping is possible.
struct SlotPage {
  Slot *slots;
  size_t count;
  char *extra;
  size_t extra_bytes;
};
// A copy with at least EXTRA bytes of extra memory.  Called with the
// closure allocator's lock held, as is unmap_trampolines.
SlotPage map_trampolines(size_t extra, bool populate);
// Give a copy back to the system, code page, data page and extra memory:
// a stub of it called afterwards faults.
void unmap_trampolines(const SlotPage &copy);

// Make new code at [BEGIN, END), written through the data side, visible
// to instruction fetch.  x86-64 keeps the caches coherent (Intel SDM vol.
// 3, 11.6, "Self-modifying code"): nothing to do.  AArch64 (Arm ARM
// B2.4.4, "Concurrent modification and execution of instructions"): clean
// the data cache lines to the point of unification, then invalidate the
// instruction cache lines, each followed by a barrier.  Written here, not
// taken from libgcc (__builtin___clear_cache), whose object has no BTI
// note.  CTR_EL0 gives the smallest line sizes, in words.
#if defined(__aarch64__)
inline void sync_code(char *begin, char *end) {
  uint64_t ctr;
  asm volatile("mrs %0, ctr_el0" : "=r"(ctr));
  const uintptr_t dline = uintptr_t{4} << ((ctr >> 16) & 15), iline = uintptr_t{4} << (ctr & 15);
  const auto from = reinterpret_cast<uintptr_t>(begin), to = reinterpret_cast<uintptr_t>(end);
  for (uintptr_t p = from & ~(dline - 1); p < to; p += dline) asm volatile("dc cvau, %0" : : "r"(p) : "memory");
  asm volatile("dsb ish" : : : "memory");
  for (uintptr_t p = from & ~(iline - 1); p < to; p += iline) asm volatile("ic ivau, %0" : : "r"(p) : "memory");
  asm volatile("dsb ish\n\tisb" : : : "memory");
}
#else
inline void sync_code(char *, char *) {}
#endif

} // namespace ffix

/* The template (arch/<family>/trampoline.S).  */
extern "C" const char ffix_tramp_page[FFIX_TRAMP_SPAN];
#endif

#endif
