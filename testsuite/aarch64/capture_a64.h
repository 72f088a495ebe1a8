/* capture_a64.h -- the records of a64_capture_callee (capture_a64.S):
   what it captured on entry, and what it returns.  */
#ifndef CAPTURE_A64_H
#define CAPTURE_A64_H
#include <stddef.h>
#include <stdint.h>

struct a64_captured {
  uint64_t x[9];        /* x0-x7, x8 (indirect result location) */
  uint64_t x18;         /* the static chain */
  uint8_t v[8][16];     /* q0-q7, all 128 bits */
  uint64_t sp;          /* sp on entry: the first stack argument */
  uint64_t calls;       /* incremented by every call */
  uint8_t stack[256];   /* the 256 bytes from sp up */
  uint8_t deref[64];    /* a64_ret.deref_len bytes through deref_src */
};

struct a64_ret {
  uint64_t x0, x1;      /* loaded into x0, x1 on return */
  uint8_t q[4][16];     /* loaded into q0-q3 on return */
  uint32_t x8_len;      /* bytes of x8_bytes written through x8 (0: none) */
  int32_t deref_src;    /* 0-8: x0-x8; 16 + N: the Nth 8-byte stack word */
  uint32_t deref_len;   /* bytes to copy from there to deref (0: none, at most 64) */
  uint32_t pad;
  uint8_t x8_bytes[64];
};

/* The offsets capture_a64.S uses.  */
_Static_assert(offsetof(struct a64_captured, x18) == 72, "x18");
_Static_assert(offsetof(struct a64_captured, v) == 80, "v");
_Static_assert(offsetof(struct a64_captured, sp) == 208, "sp");
_Static_assert(offsetof(struct a64_captured, calls) == 216, "calls");
_Static_assert(offsetof(struct a64_captured, stack) == 224, "stack");
_Static_assert(offsetof(struct a64_captured, deref) == 480, "deref");
_Static_assert(offsetof(struct a64_ret, q) == 16, "q");
_Static_assert(offsetof(struct a64_ret, x8_len) == 80, "x8_len");
_Static_assert(offsetof(struct a64_ret, deref_src) == 84, "deref_src");
_Static_assert(offsetof(struct a64_ret, deref_len) == 88, "deref_len");
_Static_assert(offsetof(struct a64_ret, x8_bytes) == 96, "x8_bytes");

extern struct a64_captured a64_captured;
extern struct a64_ret a64_ret;
void a64_capture_callee(void);

#endif
