/* x86-64 (System V and Microsoft x64) implementation of the differential tests'
   per-architecture interface; runtime/arch.h lists what it must provide and
   includes this file when the compiler targets x86-64. */
#ifndef DIFF_ARCH_X86_64_H
#define DIFF_ARCH_X86_64_H

#if !defined(__x86_64__) || defined(__ILP32__)
#error "arch/x86_64/arch.h is for x86-64 (LP64) only"
#endif

#include <stdint.h>

/* Both conventions keep %rsp 16-byte aligned at calls, so inside the body of a function
   that calls others %rsp is a multiple of 16 (psABI 3.2.2). */
#define ARCH_STACK_ALIGN 16
#define ARCH_READ_SP(var) __asm__ volatile("movq %%rsp, %0" : "=r"(var))

/* Load junk into every return register the compiler is not about to load the result into
   (rax, rdx, xmm0, xmm1): the clobbers force the result to be (re)loaded after this point. */
#define ARCH_JUNK_RETURN_REGS() __asm__ volatile(              \
    "movabsq $0xa5c3e1f00f1e3c5a, %%rax\n\t"                    \
    "movabsq $0x5a3c1e0ff0e1c3a5, %%rdx\n\t"                    \
    "movq %%rax, %%xmm0\n\t"                                    \
    "movq %%rdx, %%xmm1\n\t"                                    \
    "punpcklqdq %%xmm1, %%xmm0\n\t"                             \
    "punpcklqdq %%xmm0, %%xmm1\n\t"                             \
    ::: "rax", "rdx", "xmm0", "xmm1", "memory")

/* The x87 register stack: the psABI wants it empty at every call and return, except for an
   x87 result, which its receiver pops.  The number of registers in use is the population
   count of the abridged tag word that fxsave stores at byte 4. */
#define ARCH_FP_STACK_NAME "X87"

static inline int arch_fp_stack_depth(void)
{
  static _Alignas(16) unsigned char fx[512];
  __asm__ volatile("fxsave %0" : "=m"(fx));
  return __builtin_popcount(fx[4]);
}

static inline void arch_fp_stack_reset(void)
{
  __asm__ volatile("fninit");
}

/* The low 32 bits of the integer result register, as named in NARROW-RESULT-NOT-EXTENDED. */
#define ARCH_RESULT_REG32 "eax"

#endif
