/* sysv_asm.h -- the numbers the System V C++ code and its assembly
   (invoke.S, closure.S, shapes.S) share.  plan.h checks the offsets with
   static_assert; the assembly checks its handler tables against the kinds
   (AT, arch/x86_64/asm.h).  */
#ifndef FFIX_SYSV_ASM_H
#define FFIX_SYSV_ASM_H

#include "../../src/ffix_asm.h"

/* The plan header (plan.h), as offsets from the plan.  */
#define SYSV_PLAN_FRAME (FFIX_PLAN_DATA + 0)     /* u64: stack arguments (+ scratch slots) */
#define SYSV_PLAN_DISCARD (FFIX_PLAN_DATA + 8)   /* u64: room for a result nobody wants */
#define SYSV_PLAN_STEPS (FFIX_PLAN_DATA + 16)    /* the first step (src/steps.h) */

/* The closure part's header (plan.h), as offsets from the part.  */
#define SYSV_CL_HANDLER (FFIX_PART_DATA + 0)     /* closure.S's handler for the result */
#define SYSV_CL_NARGS (FFIX_PART_DATA + 8)       /* u32 */
#define SYSV_CL_BELOW (FFIX_PART_DATA + 12)      /* u32: bytes below the frame (joined area, avalue) */
#define SYSV_CL_RET (FFIX_PART_DATA + 16)        /* u8: SYSV_RET_* for closures */
#define SYSV_CL_SLOW (FFIX_PART_DATA + 17)       /* u8: the flags below */
#define SYSV_CL_JOINS (FFIX_PART_DATA + 20)      /* u32: how many Join records */
#define SYSV_CL_JOIN_AT (FFIX_PART_DATA + 24)    /* u32: their offset from the part */
#define SYSV_CL_LOCATE (FFIX_PART_DATA + 28)     /* i32 per argument: its address less rbp */
#define SYSV_CL_SAVE_XMM 1                       /* some argument is in an XMM register */
#define SYSV_CL_JOIN 2                           /* some argument is joined from two registers */

/* A closure's frame (closure.S), from rbp down: the result handler, the
   result buffer (32 bytes), the register save area; then the joined area
   and avalue, sized per plan.  The caller's stack arguments start at
   rbp + SYSV_CL_STACK (above rbp: the saved rbp, fun, the user data and
   the return address).  */
#define SYSV_CL_KIND (-8)
#define SYSV_CL_RESULT (-48)
#define SYSV_CL_SAVE (SYSV_CL_RESULT - SYSV_SAVE_SIZE)
#define SYSV_CL_FRAME (-SYSV_CL_SAVE)
#define SYSV_CL_STACK 32

/* The argument registers, in the order the psABI fills them.  */
#define SYSV_GPRS 6   /* rdi, rsi, rdx, rcx, r8, r9 */
#define SYSV_XMMS 8   /* xmm0-xmm7 */

/* Handler families and their kinds (rows of the tables in invoke.S).
   The integer kinds come first, in the same order in the GPR and STACK
   families and in the SYSV_RET kinds from SYSV_RET_SINT8 on.  */
#define SYSV_GPR_SINT8 0
#define SYSV_GPR_UINT8 1
#define SYSV_GPR_SINT16 2
#define SYSV_GPR_UINT16 3
#define SYSV_GPR_SINT32 4
#define SYSV_GPR_UINT32 5
#define SYSV_GPR_WORD 6        /* bytes 0-7 of the argument */
#define SYSV_GPR_WORD_HI 7     /* bytes 8-15 */
#define SYSV_GPR_SCRATCH 8     /* the register's scratch slot */
#define SYSV_GPR_KINDS 9

#define SYSV_XMM_FLOAT 0
#define SYSV_XMM_WORD 1
#define SYSV_XMM_WORD_HI 2
#define SYSV_XMM_QUAD 3        /* all 16 bytes */
#define SYSV_XMM_SCRATCH 4     /* the register's scratch slot */
#define SYSV_XMM_KINDS 5

/* Pair steps load two arguments (A and B, any two) into a register and
   the next of its class: the kinds that load an argument's bytes, the
   GPR kinds from SYSV_GPR_SINT8 to SYSV_GPR_WORD_HI and the XMM kinds from
   SYSV_XMM_FLOAT to SYSV_XMM_WORD_HI.  A pair starts at any register but
   the last.  */
#define SYSV_GPR_PAIR_KINDS 8
#define SYSV_XMM_PAIR_KINDS 3

#define SYSV_STACK_SINT8 0
#define SYSV_STACK_UINT8 1
#define SYSV_STACK_SINT16 2
#define SYSV_STACK_UINT16 3
#define SYSV_STACK_SINT32 4
#define SYSV_STACK_UINT32 5
#define SYSV_STACK_WORD 6
#define SYSV_STACK_QUAD 7
#define SYSV_STACK_BLOCK 8     /* wide: C bytes from the argument to rsp+B */
#define SYSV_STACK_PART 9      /* wide: C bytes from argument byte D, zero-padded to 8, at rbp+B */
#define SYSV_STACK_KINDS 10

/* How the return value comes back: the call handlers' order.  The
   PART kinds copy the first B bytes of what the registers hold.  */
#define SYSV_RET_VOID 0
#define SYSV_RET_SINT8 1
#define SYSV_RET_UINT8 2
#define SYSV_RET_SINT16 3
#define SYSV_RET_UINT16 4
#define SYSV_RET_SINT32 5
#define SYSV_RET_UINT32 6
#define SYSV_RET_RAX 7
#define SYSV_RET_FLOAT 8
#define SYSV_RET_XMM0 9
#define SYSV_RET_X87 10
#define SYSV_RET_X87_2 11
#define SYSV_RET_RAX_RDX 12
#define SYSV_RET_RAX_XMM0 13
#define SYSV_RET_XMM0_RAX 14
#define SYSV_RET_XMM0_XMM1 15
#define SYSV_RET_XMM0_FULL 16
#define SYSV_RET_PART_RAX 17
#define SYSV_RET_PART_XMM0 18
#define SYSV_RET_PART_RAX_RDX 19
#define SYSV_RET_PART_RAX_XMM0 20
#define SYSV_RET_PART_XMM0_RAX 21
#define SYSV_RET_PART_XMM0_XMM1 22
#define SYSV_RET_KINDS 23
/* Closures only: the result was written through the hidden pointer, which
   goes back in rax.  Closures have no PART kinds (closure_rets).  */
#define SYSV_RET_MEMORY 23
#define SYSV_CLOSURE_RETS 24

/* invoke.S's frame, below rbp: rvalue, fn, the static chain, the result's
   size (PART returns); then, where a plan loads a struct's tail through
   one, a scratch slot per argument register (GPRs, then XMM registers),
   at fixed offsets, so that build_plan.cc knows them before it knows how
   much stack the arguments take.  */
#define SYSV_INV_RVALUE (-8)
#define SYSV_INV_FN (-16)
#define SYSV_INV_CHAIN (-24)
#define SYSV_INV_PART_SIZE (-32)
#define SYSV_SCRATCH_BYTES (8 * (SYSV_GPRS + SYSV_XMMS))
#define SYSV_SCRATCH_GPR (-32 - SYSV_SCRATCH_BYTES)
#define SYSV_SCRATCH_XMM (SYSV_SCRATCH_GPR + 8 * SYSV_GPRS)

/* Whole-call stubs (shapes.S): the kind of each of at most two arguments
   and of the result.  A result kind is 1 + its argument kind, or VOID
   (plain numbers: shapes.S makes labels of them).  */
#define SYSV_SHAPE_SINT32 0
#define SYSV_SHAPE_UINT32 1
#define SYSV_SHAPE_WORD 2      /* 64-bit integers and pointers */
#define SYSV_SHAPE_DOUBLE 3
#define SYSV_SHAPE_FLOAT 4
#define SYSV_SHAPE_NONE 5      /* no argument here */
#define SYSV_SHAPE_KINDS 6
#define SYSV_SHAPE_RET_VOID 0
#define SYSV_SHAPE_RET_SINT32 1
#define SYSV_SHAPE_RET_UINT32 2
#define SYSV_SHAPE_RET_WORD 3
#define SYSV_SHAPE_RET_DOUBLE 4
#define SYSV_SHAPE_RET_FLOAT 5
#define SYSV_SHAPE_RETS 6
#define SYSV_SHAPE_MAX_WORDS 6 /* ffix_sysv_word_shapes: up to six 64-bit arguments */

/* A closure's register save area: the six argument GPRs, then the eight
   argument XMM registers (16 bytes each).  */
#define SYSV_SAVE_GPR 0
#define SYSV_SAVE_XMM (8 * SYSV_GPRS)
#define SYSV_SAVE_SIZE (SYSV_SAVE_XMM + 16 * SYSV_XMMS)

#endif
