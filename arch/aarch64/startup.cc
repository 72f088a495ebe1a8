// startup.cc -- what the library would take from the compiler's start-up
// objects, which an AArch64 build links without (configure.ac: they have
// no BTI landing pads).  Two things, both as crtbeginS.o does them:
// - the handle that names this library to the C library (at_fork's
//   handlers, os_posix.cc);
// - handing that handle to __cxa_finalize when the library is unloaded
//   (dlclose), which drops the fork handlers registered with it and runs
//   any __cxa_atexit handlers of ours.  Without it, the first fork() after
//   a dlclose calls the unloaded library's handlers: a crash
//   (testsuite/portable/fork.c).
#include "../../src/backend.h"

extern "C" {
FFIX_HIDDEN void *__dso_handle = &__dso_handle;
void __cxa_finalize(void *);
}

namespace {
// Run from .fini_array, by the loader's indirect call: the compiler gives
// it the BTI landing pad (-mbranch-protection), unlike crtbeginS.o's.
[[gnu::destructor]] void finalize() { __cxa_finalize(__dso_handle); }
}  // namespace
