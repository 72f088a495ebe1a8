// tramp_map.cc -- mapping copies of the trampoline page (see tramp.h).
//
// A copy of one page of the template is mapped read-only and executable,
// with an anonymous read-write page FFIX_TRAMP_SPAN bytes after it, and
// after that the caller's extra memory (the closures' blocks) in the same
// mapping, so that one munmap gives it all back.  The code page comes, in order of preference, from:
//   1. the very file the loader mapped the library's text from
//      (mapped_file.h: proven by its device and inode, never read past its
//      end), so a library file replaced, cut short, deleted or made a
//      directory under a running program changes nothing;
//   2. a sealed memfd holding a copy of the template page, taken from the
//      library's text in memory (no /proc, or the file not proven);
//   3. anonymous memory, written while read-write and then made
//      read-only and executable (no memfd_create, or no executable memfd).
// None of these is ever writable and executable at once, and 1 and 2 need
// no writable-then-executable memory at all, so they work under SELinux's
// execmem denial, W^X policies and noexec /tmp; 3 is the last resort.
#include "core.h"
#include "mapped_file.h"
#include "os.h"
#include "tramp.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

namespace ffix {

namespace {

enum class Source { Unchosen, File, Anonymous };
Source source = Source::Unchosen;
int source_fd = -1;  // Source::File: the library file or the memfd
off_t source_offset;
size_t page;         // the page size, once read

// The address space a copy with EXTRA bytes takes: its code page, the gap
// up to the data page (none when the page is as large as the span), the
// data page and the extra memory after it.
size_t reservation(size_t extra) { return FFIX_TRAMP_SPAN + page + extra; }

// Reserve a copy's address space, and map anonymous read-write memory for
// its data page FFIX_TRAMP_SPAN bytes on and the EXTRA bytes after it,
// with its pages made present at once if POPULATE; the code page stays
// reserved.
char *reserve_pair(size_t extra, bool populate) {
  const int anon = MAP_PRIVATE | MAP_ANONYMOUS;
  void *base = mmap(nullptr, reservation(extra), PROT_NONE, anon, -1, 0);
  if (base == MAP_FAILED) return nullptr;
  char *code = static_cast<char *>(base);
  char *data = code + FFIX_TRAMP_SPAN;
  if (mmap(data, page + extra, PROT_READ | PROT_WRITE, anon | MAP_FIXED | (populate ? MAP_POPULATE : 0), -1, 0) !=
      data) {
    munmap(base, reservation(extra));
    return nullptr;
  }
  return code;
}

// A copy whose code page is one page of FD at OFFSET.
char *map_pair(int fd, off_t offset, size_t extra, bool populate) {
  char *code = reserve_pair(extra, populate);
  if (code && mmap(code, page, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, offset) != code) {
    munmap(code, reservation(extra));
    return nullptr;
  }
  return code;
}

// A copy whose code page is anonymous memory: written read-write, then
// made read-only and executable.
char *write_pair(size_t extra, bool populate) {
  char *code = reserve_pair(extra, populate);
  if (!code) return nullptr;
  if (mmap(code, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) != code) {
    munmap(code, reservation(extra));
    return nullptr;
  }
  memcpy(code, ffix_tramp_page, page);
  if (mprotect(code, page, PROT_READ | PROT_EXEC) != 0) {
    munmap(code, reservation(extra));
    return nullptr;
  }
  sync_code(code, code + page);
  return code;
}

// The first copy from FD at OFFSET, which becomes the source if the copy
// maps and holds the template; FD is closed otherwise.
char *first_from(int fd, off_t offset, size_t extra, bool populate) {
  errno = 0;
  char *code = map_pair(fd, offset, extra, populate);
  if (code && memcmp(code, ffix_tramp_page, page) != 0) {
    munmap(code, reservation(extra));
    code = nullptr;
  }
  if (!code) {
    int error = errno;
    close(fd);
    errno = error;
    return nullptr;
  }
  source = Source::File;
  source_fd = fd;
  source_offset = offset;
  return code;
}

// A sealed memfd holding one page of the template, or -1.  MFD_EXEC
// (Linux 6.3) keeps it executable where vm.memfd_noexec makes memfds
// non-executable by default; older kernels refuse the flag.
int sealed_memfd() {
  unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
#ifdef MFD_EXEC
  int fd = memfd_create("ffix-trampolines", flags | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("ffix-trampolines", flags);
#else
  int fd = memfd_create("ffix-trampolines", flags);
#endif
  if (fd < 0) return -1;
  size_t done = 0;
  while (done < page) {
    ssize_t n = write(fd, ffix_tramp_page + done, page - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  if (done != page || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// The first copy, from the first source that gives one.  Out of memory
// is no reason to settle for a lesser source for good: nothing is chosen,
// and the next call tries again.
char *choose_source(size_t extra, bool populate) {
  MappedFile file = open_mapped_file(ffix_tramp_page, page);
  if (file.fd >= 0) {
    if (char *code = first_from(file.fd, file.offset, extra, populate)) return code;
    if (errno == ENOMEM) return nullptr;
  }
  int memfd = sealed_memfd();
  if (memfd >= 0) {
    if (char *code = first_from(memfd, 0, extra, populate)) return code;
    if (errno == ENOMEM) return nullptr;
  }
  char *code = write_pair(extra, populate);
  if (code) source = Source::Anonymous;
  return code;
}

} // namespace

SlotPage map_trampolines(size_t extra, bool populate) {
  if (!page) {
    size_t p = page_size();
    if (!tramp_page_fits(p)) return {};  // pages larger than the template: no closures
    page = p;
  }
  extra = (extra + page - 1) & ~(page - 1);
  char *code = source == Source::File        ? map_pair(source_fd, source_offset, extra, populate)
               : source == Source::Anonymous ? write_pair(extra, populate)
                                             : choose_source(extra, populate);
  if (!code) return {};
  char *data = code + FFIX_TRAMP_SPAN;
  return {reinterpret_cast<Slot *>(data), page / FFIX_TRAMP_SIZE, data + page, extra};
}

void unmap_trampolines(const SlotPage &copy) {
  munmap(slot_code(copy.slots), reservation(copy.extra_bytes));
}

} // namespace ffix
