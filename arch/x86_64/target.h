/* target.h -- what the core takes from the x86-64 target family (C++ and
   assembly; found through the include path configure sets up for the
   target, -I arch/<family>).

   The static trampoline page (src/tramp.h): stubs of FFIX_TRAMP_SIZE
   bytes, each reaching its data slot FFIX_TRAMP_SPAN bytes further on.
   The span is the largest page size the target's kernels use (x86-64:
   4 KiB base pages only), and the template page in the library's text is
   that long; at run time each mapped copy uses one page of it, whatever
   the page size, so on x86-64 the whole.  */
#ifndef FFIX_TARGET_H
#define FFIX_TARGET_H

#define FFIX_TRAMP_SIZE 16
/* make check-tramp-span builds with a larger span, to run pages smaller
   than the span (as on AArch64) on this target too.  */
#ifndef FFIX_TRAMP_SPAN
#define FFIX_TRAMP_SPAN 4096
#endif

#endif
