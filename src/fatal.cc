// fatal.cc -- stopping the program with a message, for what cannot be
// reported through an ffi_status: a cif that was never prepared reaching
// ffi_call (which is assembly, arch/<target>/entry.S), a closure freed
// twice or called before it is prepared.
#include "ffix.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

namespace ffix {

void fatal(const char *message) {
  static const char prefix[] = "ffix: ";
  if (write(2, prefix, sizeof prefix - 1) < 0 || write(2, message, strlen(message)) < 0 ||
      write(2, "\n", 1) < 0) {
    // nothing more can be said
  }
  abort();
}

} // namespace ffix

void ffix_bad_cif(void) { ffix::fatal("a cif that ffi_prep_cif did not prepare successfully was used"); }
