// tramp_map.cc -- mapping copies of the trampoline page (see tramp.h).
//
// A copy of one page of the template is mapped from the file the library
// was loaded from (found with dl_iterate_phdr), read-only and executable,
// with an anonymous read-write page FFIX_TRAMP_SPAN bytes after it.  This
// needs no writable-and-executable memory and no executable temporary
// file, so it works under SELinux's execmem denial, W^X policies and
// noexec /tmp.  The first copy is compared with the template in memory,
// in case the file was replaced since it was loaded; if it differs or
// cannot be mapped, a memfd holding one page of the template is used.
#include "core.h"
#include "os.h"
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
size_t page;         // the page size, once read

struct Found {
  const char *path;
  off_t offset;
  bool ok;
};

int find_page(struct dl_phdr_info *info, size_t, void *data) {
  auto *found = static_cast<Found *>(data);
  uintptr_t tmpl = reinterpret_cast<uintptr_t>(ffix_tramp_page);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type != PT_LOAD || tmpl < start || tmpl + FFIX_TRAMP_SPAN > start + ph.p_filesz) continue;
    found->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
    found->offset = static_cast<off_t>(ph.p_offset + (tmpl - start));
    found->ok = true;
    return 1;
  }
  return 0;
}

// The address space a copy takes: its code page, the gap up to the data
// page (none when the page is as large as the span), the data page.
size_t reservation() { return FFIX_TRAMP_SPAN + page; }

// Reserve a copy's address space; map one page of the template from FD at
// OFFSET at its start and anonymous memory FFIX_TRAMP_SPAN bytes on.
char *map_pair(int fd, off_t offset) {
  void *base = mmap(nullptr, reservation(), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  char *code = static_cast<char *>(base);
  char *data = code + FFIX_TRAMP_SPAN;
  if (mmap(code, page, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, offset) != code ||
      mmap(data, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != data) {
    munmap(base, reservation());
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
  bool same = code && memcmp(code, ffix_tramp_page, page) == 0;
  if (code) munmap(code, reservation());
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
  if (write(fd, ffix_tramp_page, page) != static_cast<ssize_t>(page) ||
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
SlotPage map_trampolines() {
  if (!page) {
    size_t p = page_size();
    if (!tramp_page_fits(p)) return {};  // pages larger than the template: no closures
    page = p;
  }
  if (source_fd < 0 && !choose_library_file() && !choose_memfd()) return {};
  char *code = map_pair(source_fd, source_offset);
  if (!code) return {};
  return {reinterpret_cast<Slot *>(code + FFIX_TRAMP_SPAN), page / FFIX_TRAMP_SIZE};
}

} // namespace ffix
