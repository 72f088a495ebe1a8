/* steps.h -- the step that call plans are made of (C++ and assembly).

   A plan's code part is direct-threaded: a list of steps, each the
   address of a small assembly handler and its operands; the handler does
   its part of the call and jumps to the next step.  Handler addresses
   point into the library's own text, so they are as stable as the plan.

   A step is the handler, then 32-bit operands A and B.  A wide step takes
   a second record of the same size, whose first eight bytes are operands
   C and D.  Every backend's handlers read operands at these offsets.  */
#ifndef FFIX_STEPS_H
#define FFIX_STEPS_H

#include "ffix_asm.h"

#define STEP_A FFIX_PTR
#define STEP_B (FFIX_PTR + 4)
#define STEP_SIZE (FFIX_PTR + 8)
#define STEP_C (STEP_SIZE + 0)
#define STEP_D (STEP_SIZE + 4)

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace ffix {

struct Step {
  const void *handler;
  uint32_t a, b;
};
static_assert(sizeof(Step) == STEP_SIZE && offsetof(Step, a) == STEP_A && offsetof(Step, b) == STEP_B);

} // namespace ffix
#endif

#endif
