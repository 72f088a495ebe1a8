// core.h -- what only the arch-neutral core (src/) shares: type
// validation, signature keys, the plan table, the backends by ABI.  The
// ABI folders see backend.h alone.
#pragma once

#include "backend.h"
#include "backends.h"
#include "scalars.h"
#include "signature.h"

namespace ffix {

// An ffi_abi's number, read as bytes: a caller may pass any value, and
// loading one outside the enumeration as ffi_abi is undefined in C++.
inline unsigned abi_number(const ffi_abi &abi) {
  unsigned v;
  __builtin_memcpy(&v, &abi, sizeof v);
  return v;
}

// Validate TYPE and, for aggregates declared with size 0, compute size and
// alignment in place (libffi does the same).  Used for every argument and
// the return type (layout.cc).
// WHY records a refusal (why.h); it may be nullptr.
FFIX_HIDDEN ffi_status prepare_type(ffi_type *type, int depth, Why *why);

// FUNCTION was given a NULL closure: FFI_BAD_ARGTYPE, reported
// (FFIX_DEBUG) as such (closures.cc).
[[gnu::cold]] FFIX_HIDDEN ffi_status refuse_null_closure(const char *function);

// find_interned (KEY, TAG): the interned plan for KEY, or nullptr, is in
// plan_index.h, inline.

// Intern the plan in W for BACKEND under KEY (hash_tag TAG), or find the
// one another thread interned meanwhile; nullptr when out of memory, or
// when W is incomplete (it ran out of memory).
FFIX_HIDDEN const Plan *intern_plan(const Backend *backend, const Key &key, uint32_t tag, const PlanWriter &w);

// The closure part of PLAN, built from CIF (whose plan it is) the first
// time; nullptr with STATUS and WHY when CIF's types no longer make the
// plan's signature, or out of memory (plan_table.cc).
FFIX_HIDDEN const ClosurePart *build_closure_part(const Plan *plan, const ffi_cif *cif, Why &why, ffi_status &status);
inline const ClosurePart *closure_part(const Plan *plan, const ffi_cif *cif, Why &why, ffi_status &status) {
  if (const ClosurePart *part = __atomic_load_n(&plan->closure, __ATOMIC_ACQUIRE)) return part;
  return build_closure_part(plan, cif, why, status);
}

// A cif whose plan could not be interned (memory or indices ran out) is
// unplanned: its flags are kUnplanned with its number of fixed arguments,
// or kNotVariadic, and each call classifies it again (unplanned.cc), as
// libffi does.  No index reaches kUnplanned (plan_table.cc), so ffi_call's
// bound check sends these cifs to ffix_call_unplanned at no cost to the
// others.
inline constexpr uint32_t kUnplanned = 0x80000000u;
inline constexpr uint32_t kNotVariadic = 0x7fffffffu;

// Call through an unplanned CIF (the backend's invoke when GO, with CHAIN).
// A cif that is neither planned nor unplanned stops the program.
FFIX_HIDDEN void call_unplanned(const ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue, void *chain,
                                bool go);

// Write into *OUT (ROOM bytes) the plan of unplanned CIF, built now; the
// bytes it needs (more than ROOM: nothing written), or 0 when CIF cannot
// be planned.
FFIX_HIDDEN size_t build_unplanned(const ffi_cif *cif, void *out, size_t room);

// Try again to intern the plan of unplanned CIF (prep_cif.cc); its plan,
// with CIF planned from now on, or nullptr.
FFIX_HIDDEN const Plan *replan(ffi_cif *cif);

} // namespace ffix

// The plan table: append-only, one flat array reserved once (untouched
// pages cost nothing), so that a lookup is a compare and a load.  C names:
// the assembly entries look plans up too (ffi_call, closures).  Every entry
// below LIMIT is readable and holds a plan: the index's own, or NONE (the
// empty plan, plan_table.cc) for index 0 (a zeroed cif) and indices not
// handed out yet, so that code which jumps through a field of the plan it
// found needs no test.  TABLE and LIMIT are one pair (AArch64: one adrp,
// one ldp), so the struct starts a page there.
struct alignas(FFIX_PLANS_ALIGN) FfixPlans {
  const ffix::Plan **table;
  uintptr_t limit;
  const ffix::Plan *none;
};
static_assert(offsetof(FfixPlans, table) == FFIX_PLANS_TABLE && offsetof(FfixPlans, limit) == FFIX_PLANS_LIMIT &&
              offsetof(FfixPlans, none) == FFIX_PLANS_NONE);
extern "C" {
extern FFIX_HIDDEN FfixPlans ffix_plans;
[[noreturn]] FFIX_HIDDEN void ffix_bad_cif(void);
// Where ffi_call goes when the cif's index is out of bounds (entry.S).
FFIX_HIDDEN void ffix_call_unplanned(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue);
}

namespace ffix {

// The plan with INDEX, or nullptr (for checking a cif).  Index 0 is never
// handed out, so a zeroed cif (never prepared, or its preparation failed)
// finds nothing.
inline const Plan *find_plan(uint32_t index) {
  if (index >= __atomic_load_n(&ffix_plans.limit, __ATOMIC_ACQUIRE)) return nullptr;
  const Plan *plan = __atomic_load_n(&__atomic_load_n(&ffix_plans.table, __ATOMIC_RELAXED)[index], __ATOMIC_RELAXED);
  return plan == ffix_plans.none ? nullptr : plan;
}

// The plan with INDEX, for calls: a cif that was never prepared
// successfully stops the program with a message.
inline const Plan *plan_at(uint32_t index) {
  const Plan *plan = find_plan(index);
  if (__builtin_expect(plan == nullptr, 0)) ffix_bad_cif();
  return plan;
}

} // namespace ffix
