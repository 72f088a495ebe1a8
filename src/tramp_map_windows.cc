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
// Each copy is its own reservation: the code page, the gap up to
// FFIX_TRAMP_SPAN (none when the page is as large as the span), the data
// page and the caller's extra memory, so that giving a copy back releases
// all of it at once.  VirtualAlloc rounds a reservation up to the
// allocation granularity (64 KiB): that is address space only, and a
// copy with its extra memory takes a good part of it.
#include "core.h"
#include "os.h"
#include "tramp.h"

#define WIN32_LEAN_AND_MEAN
#include <windows.h>

#include <string.h>

namespace ffix {

namespace {

size_t page;  // the page size, once read

// Commit the copy reserved at CODE: a read-write data page FFIX_TRAMP_SPAN
// bytes after an execute-read copy of one page of the template, and EXTRA
// read-write bytes after the data page.
bool commit_pair(char *code, size_t extra) {
  char *data = code + FFIX_TRAMP_SPAN;
  if (!VirtualAlloc(code, page, MEM_COMMIT, PAGE_READWRITE)) return false;
  memcpy(code, ffix_tramp_page, page);
  DWORD old;
  if (!VirtualProtect(code, page, PAGE_EXECUTE_READ, &old) ||
      !VirtualAlloc(data, page + extra, MEM_COMMIT, PAGE_READWRITE))
    return false;
  FlushInstructionCache(GetCurrentProcess(), code, page);
  return true;
}

} // namespace

// POPULATE asks nothing more here: committed pages are demand-zero.
SlotPage map_trampolines(size_t extra, bool /*populate*/) {
  if (!page) {
    size_t p = page_size();
    if (!tramp_page_fits(p)) return {};
    page = p;
  }
  extra = (extra + page - 1) & ~(page - 1);
  auto *code = static_cast<char *>(VirtualAlloc(nullptr, FFIX_TRAMP_SPAN + page + extra, MEM_RESERVE, PAGE_NOACCESS));
  if (!code) return {};
  if (!commit_pair(code, extra)) {
    VirtualFree(code, 0, MEM_RELEASE);
    return {};
  }
  char *data = code + FFIX_TRAMP_SPAN;
  return {reinterpret_cast<Slot *>(data), page / FFIX_TRAMP_SIZE, data + page, extra};
}

void unmap_trampolines(const SlotPage &copy) { VirtualFree(slot_code(copy.slots), 0, MEM_RELEASE); }

} // namespace ffix
