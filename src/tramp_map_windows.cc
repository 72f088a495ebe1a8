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
// by as many copies as fit, instead of wasting 56 KiB a copy.  A copy is
// a code page, the gap up to FFIX_TRAMP_SPAN (none when the page is as
// large as the span) and its data page.
#include "core.h"
#include "os.h"
#include "tramp.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <string.h>

namespace ffix {

namespace {

size_t page;            // the page size, once read
size_t stride;          // the address space of one copy
char *reservation;      // the current reservation, or nullptr
size_t pairs_per_reservation;
size_t next_pair;       // the first copy of it not handed out yet

bool check_system() {
  if (pairs_per_reservation) return true;
  size_t p = page_size();
  if (!tramp_page_fits(p)) return false;
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  page = p;
  stride = FFIX_TRAMP_SPAN + p;
  size_t granularity = info.dwAllocationGranularity;
  pairs_per_reservation = granularity > stride ? granularity / stride : 1;
  return true;
}

// Commit copy N of the current reservation: a read-write data page
// FFIX_TRAMP_SPAN bytes after an execute-read copy of one page of the
// template.  Returns the code page.
char *commit_pair(size_t n) {
  char *code = reservation + n * stride;
  char *data = code + FFIX_TRAMP_SPAN;
  if (!VirtualAlloc(code, page, MEM_COMMIT, PAGE_READWRITE)) return nullptr;
  memcpy(code, ffix_tramp_page, page);
  DWORD old;
  if (!VirtualProtect(code, page, PAGE_EXECUTE_READ, &old) || !VirtualAlloc(data, page, MEM_COMMIT, PAGE_READWRITE)) {
    VirtualFree(code, page, MEM_DECOMMIT);
    return nullptr;
  }
  FlushInstructionCache(GetCurrentProcess(), code, page);
  return code;
}

} // namespace

// Called with the closure allocator's lock held.
SlotPage map_trampolines() {
  if (!check_system()) return {};
  if (!reservation || next_pair == pairs_per_reservation) {
    void *fresh = VirtualAlloc(nullptr, pairs_per_reservation * stride, MEM_RESERVE, PAGE_NOACCESS);
    if (!fresh) return {};
    reservation = static_cast<char *>(fresh);
    next_pair = 0;
  }
  char *code = commit_pair(next_pair);
  if (!code) return {};
  next_pair++;
  return {reinterpret_cast<Slot *>(code + FFIX_TRAMP_SPAN), page / FFIX_TRAMP_SIZE};
}

} // namespace ffix
