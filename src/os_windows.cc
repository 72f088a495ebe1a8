// os_windows.cc -- os.h on Windows, with the Win32 API only (no
// winpthreads, no POSIX layer), so that the DLL needs nothing beyond
// kernel32 and the C runtime.
#include "os.h"

#define WIN32_LEAN_AND_MEAN
#include <malloc.h>
#include <windows.h>

namespace ffix {

void *reserve_memory(size_t bytes) {
  // Windows charges committed pages against the commit limit whether or
  // not they are touched: reserve here, commit as the table grows.
  return VirtualAlloc(nullptr, bytes, MEM_RESERVE, PAGE_NOACCESS);
}

bool commit_memory(void *p, size_t bytes) {
  // Committing pages that are committed already leaves their contents.
  return VirtualAlloc(p, bytes, MEM_COMMIT, PAGE_READWRITE) != nullptr;
}

void discard_memory(void *p, size_t bytes) {
  // MEM_RESET: the pages stay committed and readable, their contents may go.
  VirtualAlloc(p, bytes, MEM_RESET, PAGE_READWRITE);
}

void *alloc_aligned(size_t align, size_t bytes) { return _aligned_malloc(bytes, align); }
void free_aligned(void *p) { _aligned_free(p); }

void write_stderr(const char *message, size_t len) {
  HANDLE err = GetStdHandle(STD_ERROR_HANDLE);
  if (err == nullptr || err == INVALID_HANDLE_VALUE) return;
  while (len > 0) {
    DWORD n = 0;
    DWORD chunk = len > 0x10000 ? 0x10000 : static_cast<DWORD>(len);
    if (!WriteFile(err, message, chunk, &n, nullptr) || n == 0) return;
    message += n;
    len -= n;
  }
}

bool debug_requested() {
  char v[8];
  DWORD n = GetEnvironmentVariableA("FFIX_DEBUG", v, sizeof v);
  return n > 0 && !(n == 1 && v[0] == '0');
}

// Windows has no fork(): nothing can copy the allocator's lock mid-use.
void at_fork(void (*)(void), void (*)(void), void (*)(void)) {}

void yield_processor() { SwitchToThread(); }

size_t page_size() {
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return info.dwPageSize;
}

} // namespace ffix
