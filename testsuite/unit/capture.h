/* capture.h -- the register-recording callee of capture.S.  */
#ifndef CAPTURE_H
#define CAPTURE_H
#include <stdint.h>

struct captured {
  uint64_t gpr[6];      /* rdi rsi rdx rcx r8 r9 */
  uint64_t rax;         /* %al: SSE registers used */
  uint64_t r10;         /* static chain */
  uint8_t xmm[8][16];
  uint8_t stack[256];   /* from the first stack argument on */
};

struct ret_regs {
  uint64_t rax, rdx;
  uint8_t xmm0[16], xmm1[16];
  uint32_t nx87, pad[3];
  long double st0, st1;
};

extern struct captured captured;
extern struct ret_regs ret_regs;
void capture_callee(void);

#endif
