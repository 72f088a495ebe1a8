// startup.cc -- what the library would take from the compiler's start-up
// objects, which an AArch64 build links without (configure.ac: they have
// no BTI landing pads).  Only one thing: the handle that names this
// library to the C library (at_fork's handlers, os_posix.cc), which
// crtbeginS.o would define the same way.
#include "../../src/backend.h"

extern "C" {
FFIX_HIDDEN void *__dso_handle = &__dso_handle;
}
