// plan.h -- the Win64 call plan: what ffi_prep_cif decides once, so that
// ffi_call only runs a list of steps (the same direct-threaded scheme as
// the System V backend: each step is the address of a handler in
// win64_invoke.S and its operands; copies and stack slots first, register
// slots next, the call last).
#pragma once

#include "../../src/ffix.h"
#include "win64_asm.h"

namespace ffix::win64 {

using Step = x86_64::Step;

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
static_assert(FFIX_PLAN_DATA == W64_PLAN);
static_assert(W64_PLAN + offsetof(Header, frame) == W64_PLAN_FRAME);
static_assert(W64_PLAN + offsetof(Header, discard) == W64_PLAN_DISCARD);
static_assert(W64_PLAN + offsetof(Header, align) == W64_PLAN_ALIGN);
static_assert(W64_PLAN + offsetof(Header, locate) == W64_PLAN_LOCATE);
static_assert(W64_PLAN + offsetof(Header, nargs) == W64_PLAN_NARGS);
static_assert(W64_PLAN + offsetof(Header, memory) == W64_PLAN_MEMORY);
static_assert(W64_PLAN + offsetof(Header, steps) == W64_PLAN_STEPS);

// An integer argument's kind indexes both the register and the stack
// handlers.
static_assert(STACK_SINT8 == GPR_SINT8 && STACK_UINT8 == GPR_UINT8 && STACK_SINT16 == GPR_SINT16 &&
              STACK_UINT16 == GPR_UINT16 && STACK_SINT32 == GPR_SINT32 && STACK_UINT32 == GPR_UINT32 &&
              STACK_WORD == GPR_WORD);

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);

} // namespace ffix::win64

// The handlers, by family, kind and register slot (win64_invoke.S).
extern "C" {
FFIX_HIDDEN extern const void *const ffix_win64_gpr_ops[GPR_KINDS][4];
FFIX_HIDDEN extern const void *const ffix_win64_xmm_ops[XMM_KINDS][4];
FFIX_HIDDEN extern const void *const ffix_win64_stack_ops[STACK_KINDS];
FFIX_HIDDEN extern const void *const ffix_win64_call_ops[RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_win64_retptr_op;
FFIX_HIDDEN void ffix_win64_invoke(const ffix::Plan *plan, void (*fn)(void), void *rvalue,
                                   void **avalue, void *chain);
}
