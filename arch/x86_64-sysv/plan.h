// plan.h -- the System V call plan: what ffi_prep_cif decides once, so that
// ffi_call only runs a list of steps.
//
// The plan is direct-threaded code (src/steps.h): each step holds the
// address of a small handler in invoke.S that moves one argument (or one
// eightbyte of it) straight into its register or stack slot, or two into
// a register and the next of its class (a pair step), then jumps to the
// next step.  The last step makes the call and stores the return value
// in the way its handler was chosen for.  Stack steps come first: they may
// use the argument registers as scratch.
#pragma once

#include "../../src/backend.h"
#include "sysv_asm.h"

namespace ffix::sysv {

// How a closure finds argument I: ffi_call's placement read backwards.
// Each argument is at a fixed offset from the closure's frame pointer: in
// the register save area, among the caller's stack arguments, or in the
// joined area, where an argument split between two registers that are not
// side by side in the save area is first copied together.  closure.S
// reads these.
// Copy save-area bytes LO and HI (8 each) to rbp + TO (negative: two's
// complement) in the joined area.
struct Join {
  uint32_t lo, hi, to, unused;
};
static_assert(sizeof(Join) == 16);

struct Header {
  uint64_t frame;        // bytes below the saved registers: stack arguments, then scratch slots
  uint64_t discard;      // room for the result when rvalue is NULL
  Step steps[];
};
static_assert(FFIX_PLAN_DATA + offsetof(Header, frame) == SYSV_PLAN_FRAME);
static_assert(FFIX_PLAN_DATA + offsetof(Header, discard) == SYSV_PLAN_DISCARD);
static_assert(FFIX_PLAN_DATA + offsetof(Header, steps) == SYSV_PLAN_STEPS);

// What closures alone read (the plan's ClosurePart, built at the first
// closure of the signature): the argument offsets, then the Joins.
struct ClosureHeader {
  const void *handler;  // closure.S's code that loads the result (by ret)
  uint32_t nargs;
  uint32_t below;       // bytes below the fixed frame: the joined area, then avalue
  uint8_t ret;          // SYSV_RET_* or SYSV_RET_MEMORY
  uint8_t slow;         // SYSV_CL_SAVE_XMM, SYSV_CL_JOIN: what only some closures do
  uint8_t unused[2];
  uint32_t joins;       // how many Join records
  uint32_t join_at;     // where they are, from the part
  int32_t locate[];     // nargs of them: each argument's address less rbp
};
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, handler) == SYSV_CL_HANDLER);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, nargs) == SYSV_CL_NARGS);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, below) == SYSV_CL_BELOW);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, ret) == SYSV_CL_RET);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, slow) == SYSV_CL_SLOW);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, joins) == SYSV_CL_JOINS);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, join_at) == SYSV_CL_JOIN_AT);
static_assert(FFIX_PART_DATA + offsetof(ClosureHeader, locate) == SYSV_CL_LOCATE);
static_assert(SYSV_CL_FRAME % 16 == 0 && SYSV_CL_SAVE % 16 == 0, "movaps needs the save area 16-aligned");
static_assert(sizeof(Join) == 16 && offsetof(Join, hi) == 4 && offsetof(Join, to) == 8);

// One integer kind for every family (sysv_asm.h).
static_assert(SYSV_STACK_SINT8 == SYSV_GPR_SINT8 && SYSV_STACK_UINT8 == SYSV_GPR_UINT8 &&
              SYSV_STACK_SINT16 == SYSV_GPR_SINT16 && SYSV_STACK_UINT16 == SYSV_GPR_UINT16 &&
              SYSV_STACK_SINT32 == SYSV_GPR_SINT32 && SYSV_STACK_UINT32 == SYSV_GPR_UINT32);
static_assert(SYSV_RET_UINT8 - SYSV_RET_SINT8 == SYSV_GPR_UINT8 && SYSV_RET_SINT16 - SYSV_RET_SINT8 == SYSV_GPR_SINT16 &&
              SYSV_RET_UINT16 - SYSV_RET_SINT8 == SYSV_GPR_UINT16 &&
              SYSV_RET_SINT32 - SYSV_RET_SINT8 == SYSV_GPR_SINT32 &&
              SYSV_RET_UINT32 - SYSV_RET_SINT8 == SYSV_GPR_UINT32 && SYSV_GPR_SINT8 == 0);
static_assert(SYSV_SHAPE_RET_SINT32 == 1 + SYSV_SHAPE_SINT32 && SYSV_SHAPE_RET_UINT32 == 1 + SYSV_SHAPE_UINT32 &&
              SYSV_SHAPE_RET_WORD == 1 + SYSV_SHAPE_WORD && SYSV_SHAPE_RET_DOUBLE == 1 + SYSV_SHAPE_DOUBLE &&
              SYSV_SHAPE_RET_FLOAT == 1 + SYSV_SHAPE_FLOAT && SYSV_SHAPE_RETS == 1 + SYSV_SHAPE_NONE);
static_assert(SYSV_SCRATCH_BYTES % 16 == 0);
// A PART pair is its whole pair moved by one offset (build_plan.cc).
static_assert(SYSV_RET_PART_RAX_RDX - SYSV_RET_RAX_RDX == SYSV_RET_PART_RAX_XMM0 - SYSV_RET_RAX_XMM0 &&
              SYSV_RET_PART_RAX_RDX - SYSV_RET_RAX_RDX == SYSV_RET_PART_XMM0_RAX - SYSV_RET_XMM0_RAX &&
              SYSV_RET_PART_RAX_RDX - SYSV_RET_RAX_RDX == SYSV_RET_PART_XMM0_XMM1 - SYSV_RET_XMM0_XMM1);


ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);

} // namespace ffix::sysv

// The handlers, by family, kind and register (invoke.S).
extern "C" {
FFIX_HIDDEN extern const void *const ffix_sysv_gpr_ops[SYSV_GPR_KINDS][SYSV_GPRS];
FFIX_HIDDEN extern const void *const ffix_sysv_xmm_ops[SYSV_XMM_KINDS][SYSV_XMMS];
FFIX_HIDDEN extern const void *const ffix_sysv_gpr_pairs[SYSV_GPR_PAIR_KINDS][SYSV_GPR_PAIR_KINDS][SYSV_GPRS - 1];
FFIX_HIDDEN extern const void *const ffix_sysv_xmm_pairs[SYSV_XMM_PAIR_KINDS][SYSV_XMM_PAIR_KINDS][SYSV_XMMS - 1];
FFIX_HIDDEN extern const void *const ffix_sysv_stack_ops[SYSV_STACK_KINDS];
FFIX_HIDDEN extern const void *const ffix_sysv_call_ops[SYSV_RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_sysv_retptr_op;
FFIX_HIDDEN extern const void *const ffix_sysv_closure_rets[SYSV_CLOSURE_RETS];
FFIX_HIDDEN void ffix_sysv_closure_slot_xmm(void);  // closure.S: the slot entry that saves no GPR
FFIX_HIDDEN extern const ffix::InvokeFn ffix_sysv_shapes[SYSV_SHAPE_RETS][SYSV_SHAPE_KINDS][SYSV_SHAPE_KINDS];
FFIX_HIDDEN extern const ffix::InvokeFn ffix_sysv_word_shapes[SYSV_SHAPE_RETS][SYSV_SHAPE_MAX_WORDS + 1];
FFIX_HIDDEN extern const void *const ffix_sysv_closure_shapes[SYSV_SHAPE_RETS][SYSV_SHAPE_KINDS][SYSV_SHAPE_KINDS];
FFIX_HIDDEN void ffix_sysv_invoke(const ffix::Plan *plan, void (*fn)(void), void *rvalue,
                                  void **avalue, void *chain);
}
