// fatal.cc -- stopping the program with a message, for what cannot be
// reported through an ffi_status: a cif that was never prepared reaching
// ffi_call (which is assembly, arch/<target>/entry.S), a closure freed
// twice or called before it is prepared.
#include "core.h"
#include "os.h"

#include <stdlib.h>
#include <string.h>

namespace ffix {

void fatal(const char *message) {
  static const char prefix[] = "ffix: ";
  write_stderr(prefix, sizeof prefix - 1);
  write_stderr(message, strlen(message));
  write_stderr("\n", 1);
  abort();
}

} // namespace ffix

void ffix_bad_cif(void) { ffix::fatal("a cif that ffi_prep_cif did not prepare successfully was used"); }
