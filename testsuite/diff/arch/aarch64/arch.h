/* AArch64 (AAPCS64, Linux) implementation of the differential tests'
   per-architecture interface; runtime/arch.h lists what it must provide and
   includes this file when the compiler targets AArch64. */
#ifndef DIFF_ARCH_AARCH64_H
#define DIFF_ARCH_AARCH64_H

#if !defined(__aarch64__) || defined(__ILP32__)
#error "arch/aarch64/arch.h is for AArch64 (LP64) only"
#endif

#include <stdint.h>

/* sp is 16-byte aligned at every public interface, and the hardware may check it on every
   access (AAPCS64 6.4.5.1), so inside any function body it is a multiple of 16. */
#define ARCH_STACK_ALIGN 16
#define ARCH_READ_SP(var) __asm__ volatile("mov %0, sp" : "=r"(var))

/* Junk in every register a result can come back in: x0 and x1 (integers, pointers,
   __int128, composites of up to 16 bytes), v0-v3 whole (float, double, long double,
   vectors, complex numbers, homogeneous aggregates of up to four members); the clobbers
   force the result to be (re)loaded after this point.  (x8, the address of a result in
   memory, is not a result register: the caller keeps its own copy.) */
#define ARCH_JUNK_RETURN_REGS() __asm__ volatile(              \
    "movz x0, #0x3c5a\n\t"                                      \
    "movk x0, #0x0f1e, lsl #16\n\t"                             \
    "movk x0, #0xe1f0, lsl #32\n\t"                             \
    "movk x0, #0xa5c3, lsl #48\n\t"                             \
    "mvn x1, x0\n\t"                                            \
    "fmov d0, x0\n\t"                                           \
    "mov v0.d[1], x1\n\t"                                       \
    "fmov d1, x1\n\t"                                           \
    "mov v1.d[1], x0\n\t"                                       \
    "ext v2.16b, v0.16b, v1.16b, #3\n\t"                        \
    "ext v3.16b, v1.16b, v0.16b, #5\n\t"                        \
    ::: "x0", "x1", "v0", "v1", "v2", "v3", "memory")

/* AArch64 has no floating-point register stack: nothing to check. */
#define ARCH_FP_STACK_NAME "FP"

static inline int arch_fp_stack_depth(void)
{
  return 0;
}

static inline void arch_fp_stack_reset(void)
{
}

/* The low 32 bits of the integer result register, as named in NARROW-RESULT-NOT-EXTENDED. */
#define ARCH_RESULT_REG32 "w0"

#endif
