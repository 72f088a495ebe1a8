// tramp_map.cc -- mapping copies of the trampoline page (see tramp.h).
//
// A copy is mapped from the file the library was loaded from (found with
// dl_iterate_phdr), read-only and executable, with an anonymous read-write
// page after it.  This needs no writable-and-executable memory and no
// executable temporary file, so it works under SELinux's execmem denial,
// W^X policies and noexec /tmp.  The first copy is compared with the page
// in memory, in case the file was replaced since it was loaded; if it
// differs or cannot be mapped, a memfd holding the page is used instead.
#include "ffix.h"
#include "tramp.h"

#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

namespace ffix {

namespace {

int source_fd = -1;  // the file to map the page from, once chosen
off_t source_offset;

struct Found {
  const char *path;
  off_t offset;
  bool ok;
};

int find_page(struct dl_phdr_info *info, size_t, void *data) {
  auto *found = static_cast<Found *>(data);
  uintptr_t page = reinterpret_cast<uintptr_t>(ffix_tramp_page);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type != PT_LOAD || page < start || page + FFIX_TRAMP_PAGE > start + ph.p_filesz) continue;
    found->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
    found->offset = static_cast<off_t>(ph.p_offset + (page - start));
    found->ok = true;
    return 1;
  }
  return 0;
}

// Reserve two pages; map the trampoline page from FD at OFFSET into the
// first and anonymous memory into the second.
char *map_pair(int fd, off_t offset) {
  void *base = mmap(nullptr, 2 * size_t{FFIX_TRAMP_PAGE}, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  char *code = static_cast<char *>(base);
  if (mmap(code, FFIX_TRAMP_PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, offset) == MAP_FAILED ||
      mmap(code + FFIX_TRAMP_PAGE, FFIX_TRAMP_PAGE, PROT_READ | PROT_WRITE,
           MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
    munmap(base, 2 * size_t{FFIX_TRAMP_PAGE});
    return nullptr;
  }
  return code;
}

// The library file itself, if its page is still what we run.
bool choose_library_file() {
  Found found{};
  dl_iterate_phdr(find_page, &found);
  if (!found.ok) return false;
  int fd = open(found.path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char *code = map_pair(fd, found.offset);
  bool same = code && memcmp(code, ffix_tramp_page, FFIX_TRAMP_PAGE) == 0;
  if (code) munmap(code, 2 * size_t{FFIX_TRAMP_PAGE});
  if (!same) {
    close(fd);
    return false;
  }
  source_fd = fd;
  source_offset = found.offset;
  return true;
}

// A sealed memfd holding a copy of the page.
bool choose_memfd() {
  int fd = memfd_create("ffix-trampolines", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return false;
  if (write(fd, ffix_tramp_page, FFIX_TRAMP_PAGE) != FFIX_TRAMP_PAGE ||
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    close(fd);
    return false;
  }
  source_fd = fd;
  source_offset = 0;
  return true;
}

} // namespace

// Called with the closure allocator's lock held.
Slot *map_trampolines(void) {
  if (source_fd < 0 && !choose_library_file() && !choose_memfd()) return nullptr;
  char *code = map_pair(source_fd, source_offset);
  return code ? reinterpret_cast<Slot *>(code + FFIX_TRAMP_PAGE) : nullptr;
}

} // namespace ffix
