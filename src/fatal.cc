// fatal.cc -- what cannot be reported through an ffi_status: a cif that
// was never prepared reaching ffi_call (which is assembly,
// arch/<target>/entry.S) stops the program with a message (fatal(),
// why.cc, which also serves closures freed twice or called unprepared).
#include "core.h"

void ffix_bad_cif(void) {
  ffix::fatal("ffi_call", "a cif that ffi_prep_cif did not prepare successfully was used");
}
