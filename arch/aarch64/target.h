/* target.h -- what the core takes from the AArch64 target family (C++ and
   assembly; found through -I arch/<family>).

   The static trampoline page (src/tramp.h): stubs of FFIX_TRAMP_SIZE
   bytes, each reaching its data slot FFIX_TRAMP_SPAN bytes further on.
   arm64 kernels use 4, 16 or 64 KiB pages, so the template is 64 KiB
   long and laid out for the largest; a mapped copy uses one page of it,
   whatever the page size at run time.  */
#ifndef FFIX_TARGET_H
#define FFIX_TARGET_H

#define FFIX_TRAMP_SIZE 16
#ifndef FFIX_TRAMP_SPAN
#define FFIX_TRAMP_SPAN 65536
#endif

#endif
