/* Included by the generated thunks.c: the x86-64 assembly thunks of the callees in
   callees.c, which arch/x86_64/__init__.py writes, are one top-level asm made of
   ASM_FUNC_BEGIN(name) <instructions> ASM_FUNC_END(name) pieces.  (thunks.c is a file of
   its own: a top-level asm that switches sections must restore GCC's idea of the current
   one, and COFF (mingw) has no .pushsection.) */
#ifndef DIFF_ARCH_X86_64_THUNKS_H
#define DIFF_ARCH_X86_64_THUNKS_H

#if !defined(__x86_64__) || defined(__ILP32__)
#error "arch/x86_64/thunks.h is for x86-64 (LP64) only"
#endif

#ifdef _WIN32
#define ASM_FUNC_BEGIN(f) ".globl " f "\n.def " f "; .scl 2; .type 32; .endef\n" f ":\n"
#define ASM_FUNC_END(f) ""
#else
#define ASM_FUNC_BEGIN(f) ".globl " f "\n.type " f ", @function\n" f ":\n"
#define ASM_FUNC_END(f) ".size " f ", .-" f "\n"
#endif

#endif
