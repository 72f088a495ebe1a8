/* capture_ms.h -- the Microsoft x64 helpers of capture_ms.S.  */
#ifndef CAPTURE_MS_H
#define CAPTURE_MS_H
#include <stdint.h>

struct ms_captured {
  uint64_t gpr[4];      /* rcx rdx r8 r9 */
  uint64_t r10;         /* static chain */
  uint64_t rsp;         /* at entry: 8 mod 16 */
  uint8_t xmm[4][16];
  uint8_t stack[512];   /* the home area (32 bytes), the stack arguments, and what ffi_call put above them (its copies) */
};
struct ms_ret_regs {
  uint64_t rax, pad;
  uint8_t xmm0[16];
};

extern struct ms_captured ms_captured;
extern struct ms_ret_regs ms_ret;
void ms_capture_callee(void);
unsigned ms_call_preserving(void *fn, uint64_t a, uint64_t b);

#endif
