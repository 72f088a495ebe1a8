// mapped_file.h -- the file the loader mapped for a piece of this
// library's text, proven to be that very file (POSIX).
//
// A package manager replaces a library by renaming a new file over its
// path while programs that loaded the old one keep running; the path may
// then name another file, a shorter one, a directory or nothing.  The
// mapping itself still holds the old file.  tramp_map.cc maps copies of the
// trampoline page from it, and only from a file shown to be the mapped one.
#pragma once

#include <stddef.h>
#include <sys/types.h>

namespace ffix {

// An open descriptor (close-on-exec) of the file mapped at [ADDR, ADDR +
// LEN), which must lie in one loadable segment of a loaded object, and
// the file offset of ADDR in it.  fd is -1 unless /proc/self/maps names
// the mapping, its address range agrees with the object's program
// headers, the file opened (/proc/self/map_files/..., else the object's
// path) has the mapping's device and inode, and the file is long enough
// to hold all LEN bytes: nothing is ever read or mapped past its end.
struct MappedFile {
  int fd;
  off_t offset;
};
MappedFile open_mapped_file(const void *addr, size_t len);

} // namespace ffix
