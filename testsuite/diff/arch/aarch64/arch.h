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

/* Callee-saved registers (AAPCS64 6.1.1, 6.1.2): x19-x28 and the low 64 bits of v8-v15
   (d8-d15) must survive ffi_call and a call of a closure.  arch_checked_call4(f, a, b, c, d)
   calls f(a, b, c, d) with the values of arch_saved_pattern in them and stores what they
   hold on return into arch_saved_seen (runtime.c defines both and the function, in
   ARCH_RUNTIME_ASM); caller.h compares.  The caller's own values (with x29, x30 and sp) are
   kept in a variable, not on the stack, where a callee writing through a garbage pointer
   (libffi's byref-pointer-misplaced) could change them and crash the program later, outside
   the signature at fault.  (Not reentrant: nothing it calls calls it again.) */
#define ARCH_SAVED_REGS 18
#define ARCH_SAVED_NAMES { "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", \
                           "x28", "d8", "d9", "d10", "d11", "d12", "d13", "d14", "d15" }
#define ARCH_SAVED_PATTERN { \
    0x19a5c3e1f00f1e19ull, 0x20a5c3e1f00f1e20ull, 0x21a5c3e1f00f1e21ull, 0x22a5c3e1f00f1e22ull, \
    0x23a5c3e1f00f1e23ull, 0x24a5c3e1f00f1e24ull, 0x25a5c3e1f00f1e25ull, 0x26a5c3e1f00f1e26ull, \
    0x27a5c3e1f00f1e27ull, 0x28a5c3e1f00f1e28ull, 0x08c3a5e10ff01e08ull, 0x09c3a5e10ff01e09ull, \
    0x10c3a5e10ff01e10ull, 0x11c3a5e10ff01e11ull, 0x12c3a5e10ff01e12ull, 0x13c3a5e10ff01e13ull, \
    0x14c3a5e10ff01e14ull, 0x15c3a5e10ff01e15ull }
extern uint64_t arch_saved_pattern[ARCH_SAVED_REGS], arch_saved_seen[ARCH_SAVED_REGS];
void arch_checked_call4(void *f, void *a, void *b, void *c, void *d);

#define ARCH_RUNTIME_ASM __asm__(                               \
    ".text\n"                                                   \
    ".globl arch_checked_call4\n"                               \
    ".type arch_checked_call4, %function\n"                     \
    ".p2align 2\n"                                              \
    "arch_checked_call4:\n"                                     \
    "  adrp x10, arch_saved_entry\n"                            \
    "  add x10, x10, #:lo12:arch_saved_entry\n"                 \
    ARCH_SAVED_MOVE("stp", "x10")                               \
    "  stp x29, x30, [x10, #144]\n"                             \
    "  mov x11, sp\n"                                           \
    "  str x11, [x10, #160]\n"                                  \
    "  stp x29, x30, [sp, #-16]!\n"                             \
    "  mov x29, sp\n"                                           \
    "  mov x9, x0\n"                                            \
    "  mov x0, x1\n"                                            \
    "  mov x1, x2\n"                                            \
    "  mov x2, x3\n"                                            \
    "  mov x3, x4\n"                                            \
    "  adrp x10, arch_saved_pattern\n"                          \
    "  add x10, x10, #:lo12:arch_saved_pattern\n"               \
    ARCH_SAVED_MOVE("ldp", "x10")                               \
    "  blr x9\n"                                                \
    "  adrp x10, arch_saved_seen\n"                             \
    "  add x10, x10, #:lo12:arch_saved_seen\n"                  \
    ARCH_SAVED_MOVE("stp", "x10")                               \
    "  adrp x10, arch_saved_entry\n"                            \
    "  add x10, x10, #:lo12:arch_saved_entry\n"                 \
    "  ldr x11, [x10, #160]\n"                                  \
    "  mov sp, x11\n"                                           \
    ARCH_SAVED_MOVE("ldp", "x10")                               \
    "  ldp x29, x30, [x10, #144]\n"                             \
    "  ret\n"                                                   \
    ".size arch_checked_call4, .-arch_checked_call4\n");      \
  uint64_t arch_saved_pattern[ARCH_SAVED_REGS] = ARCH_SAVED_PATTERN;   \
  uint64_t arch_saved_seen[ARCH_SAVED_REGS], arch_saved_entry[ARCH_SAVED_REGS + 3];

/* ldp or stp of x19-x28 and d8-d15 from or to the 18 words at the address in base */
#define ARCH_SAVED_MOVE(op, base)                               \
    "  " op " x19, x20, [" base "]\n"                           \
    "  " op " x21, x22, [" base ", #16]\n"                      \
    "  " op " x23, x24, [" base ", #32]\n"                      \
    "  " op " x25, x26, [" base ", #48]\n"                      \
    "  " op " x27, x28, [" base ", #64]\n"                      \
    "  " op " d8, d9, [" base ", #80]\n"                        \
    "  " op " d10, d11, [" base ", #96]\n"                      \
    "  " op " d12, d13, [" base ", #112]\n"                     \
    "  " op " d14, d15, [" base ", #128]\n"

#endif
