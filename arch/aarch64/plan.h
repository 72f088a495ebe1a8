// plan.h -- the AArch64 call plan: what ffi_prep_cif decides once, so that
// ffi_call only runs a list of steps.
//
// The plan is direct-threaded code (src/steps.h): each step holds the
// address of a small handler in invoke.S that moves one argument, or one
// register's worth of it, straight into its x or v register or stack slot,
// then branches to the next step.  The last step makes the call and stores
// the result in the way its handler was chosen for.  Steps may come in any
// order: the handlers use only x9-x17, v16 and v17 as scratch.
#pragma once

#include "../../src/backend.h"
#include "a64_asm.h"

namespace ffix::a64 {

// How a closure finds argument I: ffi_call's placement read backwards, as
// one word (a64_asm.h, A64_LOC_*): an offset from the closure's fp, or
// into the gathered HFAs, or of a slot that holds the argument's address.
// (Eight bytes a record, the unit plans are written in.)
struct Locate {
  uint32_t where, unused;
};
inline constexpr uint32_t kLocIndirect = (1u << A64_LOC_SPECIAL_BIT) | (1u << A64_LOC_INDIRECT_BIT);
inline constexpr uint32_t kLocGathered = 1u << A64_LOC_SPECIAL_BIT;

// An HFA or HVA in v registers: COUNT members of SIZE bytes, each in the
// low bytes of its register's 16-byte save slot from save-area byte FROM
// on, copied side by side to byte TO of the gathered area.
struct Gather {
  uint32_t from, to;
  uint16_t count, size;
  uint32_t unused;
};

struct Header {
  uint32_t copies;    // bytes below fp for copies of arguments passed by reference
  uint32_t frame;     // those, and the stack arguments below them (a multiple of 16)
  uint32_t discard;   // room for the result when rvalue is NULL
  uint32_t nargs;
  uint32_t below;     // a closure's bytes below fp: avalue (32-aligned), then 64 per Gather
  uint32_t locate;    // offset of the closure's Locate array (nargs entries) from the plan
  uint32_t gathers;   // Gather records, after the Locate array
  uint8_t unused;
  uint8_t closure_ret;  // A64_RET_* as a closure loads it
  uint8_t unused2[2];
  const void *closure_handler;  // closure.S's code that loads the result
  const void *closure_entry;    // the generic closure code (closure.S) or a whole-closure stub (shapes.S)
  Step steps[];
};
static_assert(FFIX_PLAN_DATA + offsetof(Header, copies) == A64_PLAN_COPIES);
static_assert(FFIX_PLAN_DATA + offsetof(Header, frame) == A64_PLAN_FRAME);
static_assert(FFIX_PLAN_DATA + offsetof(Header, discard) == A64_PLAN_DISCARD);
static_assert(FFIX_PLAN_DATA + offsetof(Header, nargs) == A64_PLAN_NARGS);
static_assert(FFIX_PLAN_DATA + offsetof(Header, below) == A64_PLAN_BELOW);
static_assert(FFIX_PLAN_DATA + offsetof(Header, locate) == A64_PLAN_LOCATE);
static_assert(FFIX_PLAN_DATA + offsetof(Header, gathers) == A64_PLAN_GATHERS);
static_assert(FFIX_PLAN_DATA + offsetof(Header, closure_ret) == A64_PLAN_CLOSURE_RET);
static_assert(FFIX_PLAN_DATA + offsetof(Header, closure_handler) == A64_PLAN_CLOSURE_HANDLER);
static_assert(FFIX_PLAN_DATA + offsetof(Header, closure_entry) == A64_PLAN_CLOSURE_ENTRY);
static_assert(FFIX_PLAN_DATA + offsetof(Header, steps) == A64_PLAN_STEPS);
// closure.S jumps through closure_entry of whatever plan it finds.
static_assert(A64_PLAN_CLOSURE_ENTRY + sizeof(void *) <= FFIX_EMPTY_PLAN_BYTES);
static_assert(sizeof(Locate) == 8 && kMaxStackBytes + A64_CL_FRAME <= A64_LOC_OFFSET_MASK);
static_assert(sizeof(Gather) == 16 && offsetof(Gather, to) == 4 && offsetof(Gather, count) == 8 &&
              offsetof(Gather, size) == 10);
static_assert(A64_CL_FRAME % 16 == 0 && (A64_CL_SAVE + A64_SAVE_V) % 16 == 0 && A64_SAVE_V >= 9 * 8);
static_assert(A64_INV_FRAME % 16 == 0);
// closure.S loads fun and the user data with one ldp.
static_assert(A64_CL_USER_DATA == A64_CL_FUN + 8);
static_assert(A64_SHAPE_RETS == 1 + A64_SHAPE_NONE);

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);

} // namespace ffix::a64

// The handlers, by family, kind and register (invoke.S, closure.S).
extern "C" {
FFIX_HIDDEN extern const void *const ffix_a64_gpr_ops[A64_GPR_KINDS][A64_GPRS];
FFIX_HIDDEN extern const void *const ffix_a64_fpr_ops[A64_FPR_KINDS][A64_FPRS];
FFIX_HIDDEN extern const void *const ffix_a64_gpr_pairs[A64_GPR_PAIR_KINDS][A64_GPR_PAIR_KINDS][A64_GPRS];
FFIX_HIDDEN extern const void *const ffix_a64_fpr_pairs[A64_FPR_PAIR_KINDS][A64_FPR_PAIR_KINDS][A64_FPRS];
FFIX_HIDDEN extern const void *const ffix_a64_stack_ops[A64_STACK_KINDS];
FFIX_HIDDEN extern const void *const ffix_a64_call_ops[A64_RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_a64_call_regs_ops[A64_RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_a64_closure_rets[A64_RET_KINDS];
FFIX_HIDDEN extern const ffix::InvokeFn ffix_a64_shapes[A64_SHAPE_RETS][A64_SHAPE_KINDS][A64_SHAPE_KINDS];
FFIX_HIDDEN extern const void *const ffix_a64_closure_shapes[A64_SHAPE_RETS][A64_SHAPE_KINDS][A64_SHAPE_KINDS];
FFIX_HIDDEN extern const void *const ffix_a64_closure_slot_shapes[A64_SHAPE_RETS][A64_SHAPE_KINDS][A64_SHAPE_KINDS];
// The generic closure code (closure.S) by [saves x0-x8][saves q0-q7][plain
// Locates], entered from the dispatch, or from a static trampoline.
FFIX_HIDDEN extern const void *const ffix_a64_closure_generics[2][2][2];
FFIX_HIDDEN extern const void *const ffix_a64_closure_slot_generics[2][2][2];
FFIX_HIDDEN void ffix_a64_invoke(const ffix::Plan *plan, void (*fn)(void), void *rvalue, void **avalue,
                                 void *chain);
FFIX_HIDDEN void ffix_a64_invoke_regs(const ffix::Plan *plan, void (*fn)(void), void *rvalue, void **avalue,
                                      void *chain);
FFIX_HIDDEN void ffix_a64_invoke_go(const ffix::Plan *plan, void (*fn)(void), void *rvalue, void **avalue,
                                    void *chain);
}
