/* steps.h -- the step both x86-64 backends build their plans from (C++
   and assembly).  A plan is direct-threaded code: each step holds the
   address of a small assembly handler and its operands; the handler does
   its part of the call and jumps to the next step.

   A step is 16 bytes: the handler's address, then 32-bit operands A and
   B.  A wide step takes a second 16 bytes: operands C and D.  */
#ifndef FFIX_X86_64_STEPS_H
#define FFIX_X86_64_STEPS_H

#define STEP_A 8
#define STEP_B 12
#define STEP_C 16
#define STEP_D 20
#define STEP_SIZE 16

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace ffix::x86_64 {

struct Step {
  const void *handler;
  uint32_t a, b;
};
static_assert(sizeof(Step) == STEP_SIZE && offsetof(Step, a) == STEP_A && offsetof(Step, b) == STEP_B);

} // namespace ffix::x86_64
#endif

#endif
