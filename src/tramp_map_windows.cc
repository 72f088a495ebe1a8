// tramp_map_windows.cc -- trampoline pages on Windows (see tramp.h).
//
// A DLL's text cannot be mapped again the way tramp_map.cc maps the
// library file on POSIX systems, so each copy of the trampoline page is
// made in private memory: the code page is committed read-write, the
// stubs are copied in, and it becomes execute-read before any slot is
// handed out; its data page stays read-write.  At no time is a page both
// writable and executable (libffi's Windows closures use
// PAGE_EXECUTE_READWRITE; ffix never does), which also keeps closures
// working where dynamic code is restricted to W^X.
//
// VirtualAlloc reserves address space in units of the allocation
// granularity (64 KiB), sixteen 4 KiB pages: each reservation is shared
// by as many code/data pairs as fit, instead of wasting 56 KiB a pair.
#include "ffix.h"
#include "tramp.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <string.h>

namespace ffix {

namespace {

constexpr size_t kPair = size_t{2} * FFIX_TRAMP_PAGE;  // a code page and its data page

char *reservation;      // the current reservation, or nullptr
size_t pairs_per_reservation;
size_t next_pair;       // the first pair of it not handed out yet

bool check_system() {
  if (pairs_per_reservation) return true;
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  // The stubs reach their data slots one page on (trampoline.S).
  if (info.dwPageSize != FFIX_TRAMP_PAGE) return false;
  size_t granularity = info.dwAllocationGranularity > kPair ? info.dwAllocationGranularity : kPair;
  pairs_per_reservation = granularity / kPair;
  return true;
}

// Commit pair N of the current reservation: a read-write data page after
// an execute-read copy of the trampoline page.  Returns the code page.
char *commit_pair(size_t n) {
  char *code = reservation + n * kPair;
  if (!VirtualAlloc(code, kPair, MEM_COMMIT, PAGE_READWRITE)) return nullptr;
  memcpy(code, ffix_tramp_page, FFIX_TRAMP_PAGE);
  DWORD old;
  if (!VirtualProtect(code, FFIX_TRAMP_PAGE, PAGE_EXECUTE_READ, &old)) {
    VirtualFree(code, kPair, MEM_DECOMMIT);
    return nullptr;
  }
  FlushInstructionCache(GetCurrentProcess(), code, FFIX_TRAMP_PAGE);
  return code;
}

} // namespace

// Called with the closure allocator's lock held.
Slot *map_trampolines(void) {
  if (!check_system()) return nullptr;
  if (!reservation || next_pair == pairs_per_reservation) {
    void *fresh = VirtualAlloc(nullptr, pairs_per_reservation * kPair, MEM_RESERVE, PAGE_NOACCESS);
    if (!fresh) return nullptr;
    reservation = static_cast<char *>(fresh);
    next_pair = 0;
  }
  char *code = commit_pair(next_pair);
  if (!code) return nullptr;
  next_pair++;
  return reinterpret_cast<Slot *>(code + FFIX_TRAMP_PAGE);
}

} // namespace ffix
