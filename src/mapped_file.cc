// mapped_file.cc -- the file behind a piece of this library's text (see
// mapped_file.h).
//
// The path the loader opened proves nothing once the library may have
// been replaced: only the mapping's own device and inode, which
// /proc/self/maps lists, tell the loaded file from whatever the path names
// now.  So the mapping is looked up there and checked against the program
// headers (dl_iterate_phdr), a file is opened (the mapping itself through
// /proc/self/map_files where that is allowed, which needs CAP_SYS_ADMIN or
// CAP_CHECKPOINT_RESTORE, else the path) and kept only if fstat gives the
// mapping's device and inode and a size that covers the range.  Without
// /proc (a chroot) nothing is proven and the caller uses its own copy.
// No allocation, no stdio: a fixed buffer and a small parser.
#include "mapped_file.h"
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

namespace ffix {

namespace {

// What the program headers say of [addr, addr + len): the object's path,
// the loadable segment holding it, and the file offset of addr.
struct Segment {
  uintptr_t addr;
  size_t len;
  const char *path;
  uintptr_t start, end;
  off_t offset;
  bool found;
};

int find_segment(struct dl_phdr_info *info, size_t, void *data) {
  auto *seg = static_cast<Segment *>(data);
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) &ph = info->dlpi_phdr[i];
    uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type != PT_LOAD || seg->addr < start || seg->addr + seg->len > start + ph.p_filesz) continue;
    // The main program has no name here (libffi.a linked into it).
    seg->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "/proc/self/exe";
    seg->start = start;
    seg->end = start + ph.p_filesz;
    seg->offset = static_cast<off_t>(ph.p_offset + (seg->addr - start));
    seg->found = true;
    return 1;
  }
  return 0;
}

// One line of /proc/self/maps (proc(5)):
//   start-end perms offset major:minor inode   path
// all numbers hex but the inode, which is decimal.
struct Mapping {
  uint64_t start, end, offset, inode;
  unsigned major, minor;
};

// The number at P in BASE (16 or 10), or nullptr when there is none.
const char *number(const char *p, const char *end, unsigned base, uint64_t *value) {
  uint64_t v = 0;
  const char *first = p;
  for (; p < end; p++) {
    unsigned d;
    if (*p >= '0' && *p <= '9') d = static_cast<unsigned>(*p - '0');
    else if (base == 16 && *p >= 'a' && *p <= 'f') d = static_cast<unsigned>(*p - 'a' + 10);
    else break;
    v = v * base + d;
  }
  *value = v;
  return p == first ? nullptr : p;
}

// P past the character C, or nullptr when C is not there.
const char *expect(const char *p, const char *end, char c) { return p && p < end && *p == c ? p + 1 : nullptr; }

bool parse_mapping(const char *p, const char *end, Mapping *m) {
  uint64_t major = 0, minor = 0;
  p = expect(number(p, end, 16, &m->start), end, '-');
  p = p ? expect(number(p, end, 16, &m->end), end, ' ') : nullptr;
  while (p && p < end && *p != ' ') p++;  // the permissions
  p = expect(p, end, ' ');
  p = p ? expect(number(p, end, 16, &m->offset), end, ' ') : nullptr;
  p = p ? expect(number(p, end, 16, &major), end, ':') : nullptr;
  p = p ? expect(number(p, end, 16, &minor), end, ' ') : nullptr;
  p = p ? number(p, end, 10, &m->inode) : nullptr;
  m->major = static_cast<unsigned>(major);
  m->minor = static_cast<unsigned>(minor);
  return p != nullptr;
}

// The mapping that holds ADDR, from /proc/self/maps.  Only the start of
// each line matters, so lines are read through a short buffer and the
// rest of a long one (its path) is skipped.
bool find_mapping(uintptr_t addr, Mapping *m) {
  int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024], line[128];
  size_t used = 0;
  bool found = false;
  while (!found) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (ssize_t i = 0; i < n && !found; i++) {
      if (buf[i] != '\n') {
        if (used < sizeof line) line[used++] = buf[i];
        continue;
      }
      found = parse_mapping(line, line + used, m) && m->start <= addr && addr < m->end;
      used = 0;
    }
  }
  close(fd);
  return found;
}

// "/proc/self/map_files/START-END", the mapping itself.
void map_files_path(const Mapping &m, char (&path)[64]) {
  static const char prefix[] = "/proc/self/map_files/";
  size_t n = 0;
  for (const char *p = prefix; *p; p++) path[n++] = *p;
  auto hex = [&](uint64_t v) {
    char digits[16];
    size_t k = 0;
    do digits[k++] = "0123456789abcdef"[v & 15]; while (v >>= 4);
    while (k) path[n++] = digits[--k];
  };
  hex(m.start);
  path[n++] = '-';
  hex(m.end);
  path[n] = '\0';
}

// Whether FD is the mapped file, and holds [offset, offset + len).
bool is_mapped_file(int fd, const Mapping &m, off_t offset, size_t len) {
  struct stat st;
  return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && major(st.st_dev) == m.major && minor(st.st_dev) == m.minor &&
         static_cast<uint64_t>(st.st_ino) == m.inode && offset >= 0 && st.st_size >= offset &&
         static_cast<uint64_t>(st.st_size - offset) >= len;
}

// O_NONBLOCK: the path may name a FIFO by now, whose open would wait.
int open_checked(const char *path, const Mapping &m, off_t offset, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd >= 0 && !is_mapped_file(fd, m, offset, len)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

} // namespace

MappedFile open_mapped_file(const void *addr, size_t len) {
  Segment seg{};
  seg.addr = reinterpret_cast<uintptr_t>(addr);
  seg.len = len;
  dl_iterate_phdr(find_segment, &seg);
  Mapping m{};
  // The mapping must be the segment's: it holds the whole range, lies
  // inside the segment's pages, and puts ADDR at the same file offset.
  const uintptr_t page = page_size();
  if (!seg.found || !find_mapping(seg.addr, &m) || m.inode == 0 || seg.addr + len > m.end ||
      m.start < (seg.start & ~(page - 1)) || m.end > ((seg.end + page - 1) & ~(page - 1)) ||
      m.offset + (seg.addr - m.start) != static_cast<uint64_t>(seg.offset))
    return {-1, 0};
  char path[64];
  map_files_path(m, path);
  int fd = open_checked(path, m, seg.offset, len);
  // The loader's name for the object, copied first: qemu-user with a
  // page size above 4 KiB (-p) refuses system calls on the loader's
  // string where it lies (EFAULT), though the program reads it fine.
  char name[PATH_MAX];
  size_t n = 0;
  while (n < sizeof name - 1 && seg.path[n]) {
    name[n] = seg.path[n];
    n++;
  }
  name[n] = '\0';
  if (fd < 0 && !seg.path[n]) fd = open_checked(name, m, seg.offset, len);
  return {fd, fd < 0 ? 0 : seg.offset};
}

} // namespace ffix
