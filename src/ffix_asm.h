/* ffix_asm.h -- every layout that the core's C++ and some assembly both
   depend on, defined once.  The assembly of every target includes it;
   src/backend.h checks each value against the C++ definitions with
   static_assert, so a change on one side that the other does not follow
   stops the build.

   Offsets are written in terms of the pointer size (and of the target's
   FFI_TRAMPOLINE_SIZE), so they hold for every target's ffi.h.  */
#ifndef FFIX_ASM_H
#define FFIX_ASM_H

#define FFIX_PTR __SIZEOF_POINTER__

/* ffi_cif (ffi.h): abi, nargs, arg_types, rtype, bytes, flags.  flags
   holds the index of the cif's plan (src/prep_cif.cc).  */
#define FFIX_CIF_FLAGS (8 + 2 * FFIX_PTR + 4)

/* ffi_closure (ffi.h): tramp[FFI_TRAMPOLINE_SIZE], cif, fun, user_data.
   Assembly that uses these includes ffi.h with LIBFFI_ASM defined.  */
#define FFIX_CLOSURE_CIF FFI_TRAMPOLINE_SIZE
#define FFIX_CLOSURE_FUN (FFIX_CLOSURE_CIF + FFIX_PTR)
#define FFIX_CLOSURE_USER_DATA (FFIX_CLOSURE_FUN + FFIX_PTR)
/* A closure from ffi_closure_alloc has a static trampoline and no use
   for its tramp bytes but the first word (ftramp): ffi_prep_closure_loc
   puts the plan in the second, for backends whose slot entries read it.  */
#define FFIX_CLOSURE_PLAN FFIX_PTR

/* ffi_go_closure (ffi.h): tramp, cif, fun.  */
#define FFIX_GO_CLOSURE_CIF FFIX_PTR
#define FFIX_GO_CLOSURE_FUN (FFIX_GO_CLOSURE_CIF + FFIX_PTR)

/* A plan (src/backend.h): the invoke function first, so that a call is
   one load; its closure part (NULL until a closure of it is prepared);
   the backend's part at FFIX_PLAN_DATA.  A closure part: the slot entry,
   then the backend's closure bytes at FFIX_PART_DATA.  */
#define FFIX_PLAN_INVOKE 0
#define FFIX_PLAN_CLOSURE 24
#define FFIX_PLAN_DATA 32
#define FFIX_PART_DATA FFIX_PTR

/* The plan table (src/core.h, FfixPlans): its array, the number of
   entries that may be read, and the empty plan those not handed out hold.  */
#define FFIX_PLANS_TABLE 0
#define FFIX_PLANS_LIMIT FFIX_PTR
#define FFIX_PLANS_NONE (FFIX_PLANS_LIMIT + FFIX_PTR)
#define FFIX_EMPTY_PLAN_BYTES 128 /* every word of it is ffix_bad_cif */
#if defined(__aarch64__)
#define FFIX_PLANS_ALIGN 4096 /* ldp has no page-offset relocation */
#else
#define FFIX_PLANS_ALIGN 16
#endif

/* struct ffi_call_plan (src/call_plan.cc): the plan.  */
#define FFIX_CALL_PLAN_PLAN 0

#endif
