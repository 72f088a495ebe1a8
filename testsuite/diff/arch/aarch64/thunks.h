/* Included by the generated thunks.c: the AArch64 assembly thunks of the callees in
   callees.c, which arch/aarch64/__init__.py writes, are one top-level asm made of
   ASM_FUNC_BEGIN(name) <instructions> ASM_FUNC_END(name) pieces (ELF). */
#ifndef DIFF_ARCH_AARCH64_THUNKS_H
#define DIFF_ARCH_AARCH64_THUNKS_H

#if !defined(__aarch64__) || defined(__ILP32__)
#error "arch/aarch64/thunks.h is for AArch64 (LP64) only"
#endif

#define ASM_FUNC_BEGIN(f) ".globl " f "\n.type " f ", %function\n.p2align 2\n" f ":\n"
#define ASM_FUNC_END(f) ".size " f ", .-" f "\n"

#endif
