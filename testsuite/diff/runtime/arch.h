/* The per-architecture interface of the differential tests' runtime, chosen by the
   compiler's predefined macros.  An architecture's arch/<name>/arch.h provides:

     ARCH_STACK_ALIGN          the alignment of the stack pointer in the body of a function
                               that calls others (callees log !MISALIGNED-STACK: otherwise)
     ARCH_READ_SP(var)         a statement storing the stack pointer into the uintptr_t var
     ARCH_JUNK_RETURN_REGS()   a statement loading junk into every register a result can be
                               returned in, with those registers as clobbers, so that the
                               compiler loads the result after it (callees and closure
                               handlers end with it)
     ARCH_FP_STACK_NAME        the name of a floating-point register stack that must be empty
                               at calls and returns ("X87"), used in the flag
                               <name>-STACK-NOT-EMPTY
     int arch_fp_stack_depth(void)   the number of its registers in use (0 if there is none)
     void arch_fp_stack_reset(void)  empty it after a leak is flagged
     ARCH_RESULT_REG32         the name of the low 32 bits of the integer result register
                               ("eax"), used in the flag NARROW-RESULT-NOT-EXTENDED

   and optionally, to check that ffi_call, call plans and closures preserve the callee-saved
   registers (flag CALLEE-SAVED-CLOBBERED):

     ARCH_SAVED_REGS, ARCH_SAVED_NAMES    how many there are, their names
     arch_saved_pattern[], arch_saved_seen[]   what they are loaded with, what they held after
     arch_checked_call4(f, a, b, c, d)    calls f(a, b, c, d) with the pattern loaded
     ARCH_RUNTIME_ASM          definitions of the above, expanded once, in runtime.c

   The assembly thunks of callees.c are the Python side's (arch/<name>/__init__.py), see
   README.md. */
#ifndef DIFF_RUNTIME_ARCH_H
#define DIFF_RUNTIME_ARCH_H

#if defined(__x86_64__) && !defined(__ILP32__)
#include "../arch/x86_64/arch.h"
#elif defined(__aarch64__) && !defined(__ILP32__)
#include "../arch/aarch64/arch.h"
#else
#error "testsuite/diff has no runtime for this architecture: write arch/<name>/arch.h (see runtime/arch.h and README.md)"
#endif

#endif
