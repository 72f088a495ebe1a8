// plan.h -- the Win64 call plan: what ffi_prep_cif decides once, so that
// ffi_call only runs a list of steps (src/steps.h; the same direct-threaded
// scheme as the System V backend: each step is the address of a handler in
// win64_invoke.S and its operands; copies and stack slots first, register
// slots next, the call last).
#pragma once

#include "../../src/backend.h"
#include "win64_asm.h"

namespace ffix::win64 {

struct Header {
  uint64_t frame;    // argument slots (at least the four of the home area), then copies
  uint64_t discard;  // room for the result when rvalue is NULL
  uint64_t align;    // -(the frame's alignment)
  uint32_t locate;   // offset of the closure's Locate array (nargs int32s) from the header
  uint32_t nargs;
  uint8_t memory;    // the result goes through a hidden pointer
  uint8_t unused[7];
  Step steps[];
};
static_assert(FFIX_PLAN_DATA + offsetof(Header, frame) == W64_PLAN_FRAME);
static_assert(FFIX_PLAN_DATA + offsetof(Header, discard) == W64_PLAN_DISCARD);
static_assert(FFIX_PLAN_DATA + offsetof(Header, align) == W64_PLAN_ALIGN);
static_assert(FFIX_PLAN_DATA + offsetof(Header, locate) == W64_PLAN_LOCATE);
static_assert(FFIX_PLAN_DATA + offsetof(Header, nargs) == W64_PLAN_NARGS);
static_assert(FFIX_PLAN_DATA + offsetof(Header, memory) == W64_PLAN_MEMORY);
static_assert(FFIX_PLAN_DATA + offsetof(Header, steps) == W64_PLAN_STEPS);

// An integer argument's kind indexes both the register and the stack
// handlers.
static_assert(W64_STACK_SINT8 == W64_GPR_SINT8 && W64_STACK_UINT8 == W64_GPR_UINT8 &&
              W64_STACK_SINT16 == W64_GPR_SINT16 && W64_STACK_UINT16 == W64_GPR_UINT16 &&
              W64_STACK_SINT32 == W64_GPR_SINT32 && W64_STACK_UINT32 == W64_GPR_UINT32 &&
              W64_STACK_WORD == W64_GPR_WORD);

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);

} // namespace ffix::win64

// The handlers, by family, kind and register slot (win64_invoke.S).
extern "C" {
FFIX_HIDDEN extern const void *const ffix_win64_gpr_ops[W64_GPR_KINDS][W64_REG_SLOTS];
FFIX_HIDDEN extern const void *const ffix_win64_xmm_ops[W64_XMM_KINDS][W64_REG_SLOTS];
FFIX_HIDDEN extern const void *const ffix_win64_stack_ops[W64_STACK_KINDS];
FFIX_HIDDEN extern const void *const ffix_win64_call_ops[W64_RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_win64_retptr_op;
FFIX_HIDDEN void ffix_win64_invoke(const ffix::Plan *plan, void (*fn)(void), void *rvalue,
                                   void **avalue, void *chain);
}
