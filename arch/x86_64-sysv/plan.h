// plan.h -- the System V call plan: what ffi_prep_cif decides once, so that
// ffi_call only runs a list of steps.
//
// The plan is direct-threaded code: each step holds the address of a small
// handler in invoke.S that moves one argument (or one eightbyte of it)
// straight into its register or stack slot, then jumps to the next step.
// The last step makes the call and stores the return value in the way its
// handler was chosen for.  Stack steps come first: they may use the
// argument registers as scratch.  Handler addresses point into the
// library's own text, so they are as stable as the plan itself.
#pragma once

#include "../../src/ffix.h"
#include "sysv_asm.h"

namespace ffix::sysv {

struct Step {
  const void *handler;
  uint32_t a, b;
};
static_assert(sizeof(Step) == STEP_SIZE && offsetof(Step, a) == STEP_A && offsetof(Step, b) == STEP_B);

// How a closure finds argument I: ffi_call's placement read backwards.
enum class Where : uint8_t {
  Saved,  // at byte A of the register save area
  Stack,  // at byte A of the caller's stack arguments
  Split,  // two eightbytes, from save area bytes A and B, copied to byte C of a temporary
};

struct Locate {
  Where where;
  uint8_t unused[3];
  uint32_t a, b, c;
};
static_assert(sizeof(Locate) == 16);

struct Header {
  uint64_t frame;        // bytes below the saved registers: stack arguments, then scratch slots
  uint64_t discard;      // room for the result when rvalue is NULL
  uint32_t locate;       // offset of the closure's Locate array from the header
  uint32_t split_bytes;  // temporary bytes a closure needs for Split arguments
  uint8_t closure_ret;   // RET_* (no PART kinds) or RET_MEMORY
  uint8_t unused[3];
  uint32_t nargs;        // Locate entries
  Step steps[];
};
static_assert(FFIX_PLAN_DATA + offsetof(Header, frame) == SYSV_PLAN_FRAME);
static_assert(FFIX_PLAN_DATA + offsetof(Header, discard) == SYSV_PLAN_DISCARD);
static_assert(FFIX_PLAN_DATA + offsetof(Header, steps) == SYSV_PLAN_STEPS);

inline const Header *header(const Plan *p) { return reinterpret_cast<const Header *>(p->data); }
inline const Locate *locate(const Header *h) {
  return reinterpret_cast<const Locate *>(reinterpret_cast<const unsigned char *>(h) + h->locate);
}

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);

} // namespace ffix::sysv

// The handlers, by family, kind and register (invoke.S).
extern "C" {
FFIX_HIDDEN extern const void *const ffix_sysv_gpr_ops[GPR_KINDS][6];
FFIX_HIDDEN extern const void *const ffix_sysv_xmm_ops[XMM_KINDS][8];
FFIX_HIDDEN extern const void *const ffix_sysv_stack_ops[STACK_KINDS];
FFIX_HIDDEN extern const void *const ffix_sysv_call_ops[RET_KINDS];
FFIX_HIDDEN extern const void *const ffix_sysv_retptr_op;
FFIX_HIDDEN void ffix_sysv_invoke(const ffix::Plan *plan, void (*fn)(void), void *rvalue,
                                  void **avalue, void *chain);
}
