// os.h -- the little the core asks of the operating system, besides the
// trampoline mappings (tramp.h): address space for the plan table, a way
// to say why the program stops, fork handlers, yielding the processor,
// the page size.
// os_posix.cc implements it for Linux and other POSIX systems,
// os_windows.cc for Windows; Makefile.am builds one of them.
#pragma once

#include <stddef.h>

namespace ffix {

// Reserve BYTES of address space for data, or nullptr.  Pages are backed
// only once commit_memory has covered them (POSIX: on first touch, so
// commit_memory has nothing to do there).
void *reserve_memory(size_t bytes);

// Make the pages of [P, P + BYTES) inside a reservation readable and
// writable.  Safe to call again, and from several threads at once, for
// pages already committed.
bool commit_memory(void *p, size_t bytes);

// Give the pages of [P, P + BYTES) inside a reservation back to the
// system; they stay readable and read as zeros (POSIX) or as zeros or
// their old contents (Windows).
void discard_memory(void *p, size_t bytes);

// Memory aligned to ALIGN (a power of two, at most 4096) for BYTES, and
// its release; the C runtime of Windows has no aligned_alloc.
void *alloc_aligned(size_t align, size_t bytes);
void free_aligned(void *p);

// Write MESSAGE (LEN bytes) to the standard error stream, unbuffered;
// best effort.
void write_stderr(const char *message, size_t len);

// Whether the environment variable FFIX_DEBUG is set, non-empty and not
// "0" (why.cc reads it once).
bool debug_requested();

// Run PREPARE before a fork() and PARENT, CHILD after it in each process
// (nothing on systems without fork).
void at_fork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

// Let another thread run (the spin locks' back-off).
void yield_processor();

// The size of a page of memory, as the system says at run time (never
// assumed: arm64 kernels use 4, 16 or 64 KiB pages).
size_t page_size();

} // namespace ffix
