/* a64_asm.h -- the numbers the AArch64 C++ code (build_plan.cc, plan.h)
   and its assembly (invoke.S, closure.S) share.  plan.h checks the
   offsets with static_assert; the assembly checks its handler tables
   against the kinds (AT, asm.h).  */
#ifndef FFIX_A64_ASM_H
#define FFIX_A64_ASM_H

#include "../../src/ffix_asm.h"

/* The plan header (plan.h), as offsets from the plan.  */
#define A64_PLAN_COPIES (FFIX_PLAN_DATA + 0)   /* u32: bytes of by-reference copies, below fp */
#define A64_PLAN_FRAME (FFIX_PLAN_DATA + 4)    /* u32: those and the stack arguments (at sp) */
#define A64_PLAN_DISCARD (FFIX_PLAN_DATA + 8)  /* u32: room for a result nobody wants */
#define A64_PLAN_NARGS (FFIX_PLAN_DATA + 12)   /* u32 */
#define A64_PLAN_BELOW (FFIX_PLAN_DATA + 16)   /* u32: a closure's bytes below fp: avalue, then gathered HFAs */
#define A64_PLAN_LOCATE (FFIX_PLAN_DATA + 20)  /* u32: the closure's Locate array, from the plan */
#define A64_PLAN_GATHERS (FFIX_PLAN_DATA + 24) /* u32: Gather records after it */
#define A64_PLAN_CLOSURE_RET (FFIX_PLAN_DATA + 29) /* u8: A64_RET_* for closures */
#define A64_PLAN_CLOSURE_HANDLER (FFIX_PLAN_DATA + 32) /* closure.S's code that loads the result */
#define A64_PLAN_CLOSURE_ENTRY (FFIX_PLAN_DATA + 40) /* where a closure goes once it has the plan */
#define A64_PLAN_STEPS (FFIX_PLAN_DATA + 48)   /* the first step (src/steps.h) */

/* The argument registers (AAPCS64 §6.1): x0-x7 and v0-v7.  */
#define A64_GPRS 8
#define A64_FPRS 8

/* Handler families and their kinds (rows of the tables in invoke.S).
   GPR kinds: A is the argument, B the byte of it that the register's
   value starts at.  BYTES_N loads N bytes, zero-extended; the SINT kinds
   sign-extend a narrow integer (what an AAPCS64 callee on Linux does
   itself, and Apple's convention asks of the caller).  */
#define A64_GPR_SINT8 0
#define A64_GPR_SINT16 1
#define A64_GPR_SINT32 2
#define A64_GPR_BYTES1 3   /* BYTES_N is A64_GPR_BYTES1 + N - 1 */
#define A64_GPR_BYTES8 10
#define A64_GPR_REF 11     /* wide: a copy of C bytes at fp-D; the register gets its address */
#define A64_GPR_KINDS 12

/* v register kinds: the low 4, 8 or 16 bytes from byte B of the argument.  */
#define A64_FPR_S 0
#define A64_FPR_D 1
#define A64_FPR_Q 2
#define A64_FPR_KINDS 3

/* Pair kinds: whole scalar arguments A and B into a register and the
   next of one class, by [kind of A][kind of B][register].  */
#define A64_PAIR_SINT32 0
#define A64_PAIR_UINT32 1
#define A64_PAIR_WORD 2
#define A64_GPR_PAIR_KINDS 3
#define A64_PAIR_FLOAT 0
#define A64_PAIR_DOUBLE 1
#define A64_FPR_PAIR_KINDS 2

/* Stack kinds: B is the offset from sp.  */
#define A64_STACK_BYTES1 0
#define A64_STACK_BYTES2 1
#define A64_STACK_BYTES4 2
#define A64_STACK_BYTES8 3
#define A64_STACK_BYTES16 4
#define A64_STACK_BLOCK 5   /* wide: C bytes of the argument to sp+B */
#define A64_STACK_REF 6     /* wide: a copy of C bytes at fp-D; its address to sp+B */
#define A64_STACK_KINDS 7

/* How the result comes back (AAPCS64 §6.9): the call handlers' order.
   A64_RET_SINT8..UINT32 widen a narrow integer to ffi_arg, as libffi does.
   PART copies the first B bytes of x0:x1.  S_N, D_N and Q_N store the
   first N v registers' low 4, 8 or 16 bytes side by side (floating-point
   values, vectors, HFAs and HVAs).  */
#define A64_RET_VOID 0
#define A64_RET_SINT8 1
#define A64_RET_UINT8 2
#define A64_RET_SINT16 3
#define A64_RET_UINT16 4
#define A64_RET_SINT32 5
#define A64_RET_UINT32 6
#define A64_RET_X0 7
#define A64_RET_X0_X1 8
#define A64_RET_PART 9
#define A64_RET_S1 10      /* S_N is A64_RET_S1 + N - 1 */
#define A64_RET_D1 14
#define A64_RET_Q1 18
#define A64_RET_MEMORY 22  /* through x8 */
#define A64_RET_KINDS 23

/* Whole-call stubs (shapes.S): the kind of each of at most two arguments
   and of the result.  A result kind is 1 + its argument kind, or VOID
   (plain numbers: shapes.S makes labels of them).  REF is a composite
   passed by reference (over 16 bytes, §6.8.2 B.4): as an argument, the
   register holds its address (closures only: a call must copy it
   first); as a result (MEMORY), it is written through x8 (§6.9).  */
#define A64_SHAPE_SINT32 0
#define A64_SHAPE_UINT32 1
#define A64_SHAPE_WORD 2      /* 64-bit integers and pointers */
#define A64_SHAPE_DOUBLE 3
#define A64_SHAPE_FLOAT 4
#define A64_SHAPE_REF 5
#define A64_SHAPE_NONE 6      /* no argument here */
#define A64_SHAPE_KINDS 7
#define A64_SHAPE_RET_VOID 0
#define A64_SHAPE_RET_MEMORY (1 + A64_SHAPE_REF)
#define A64_SHAPE_RETS 7

/* invoke.S's frame, from fp up: the frame record, then x19 and x20
   (rvalue and fn across the call), then a PART result's size.  */
#define A64_INV_X19 16
#define A64_INV_PART 32
#define A64_INV_FRAME 48

/* ffix_a64_invoke_regs's frame, from sp up: the return address, a PART
   result's size, fn, rvalue (the last two stored with one stp), then
   room for a result nobody wants (no REGS plan returns in memory, and
   anything else fits in 64 bytes).  */
#define A64_REGS_PART 8
#define A64_REGS_FN 16
#define A64_REGS_RVALUE 24
#define A64_REGS_DISCARD 32
#define A64_REGS_FRAME 96

/* A closure's frame, from fp up: the frame record; fun, user data; the
   register save area (x0-x8, then q0-q7); the result buffer; the
   handler that loads the result.  The caller's stack arguments start at
   fp + A64_CL_FRAME.  */
#define A64_CL_FUN 16
#define A64_CL_USER_DATA 24
#define A64_CL_SAVE 32
#define A64_SAVE_X 0                        /* x0-x8, 8 bytes each */
#define A64_SAVE_V 80                       /* q0-q7, 16 bytes each */
#define A64_SAVE_SIZE (A64_SAVE_V + 16 * A64_FPRS)
#define A64_CL_RESULT (A64_CL_SAVE + A64_SAVE_SIZE)  /* 64 bytes: four q registers */
#define A64_CL_HANDLER (A64_CL_RESULT + 64)
#define A64_CL_FRAME (A64_CL_HANDLER + 16)

/* A Locate (plan.h): where a closure finds an argument, as an offset
   from fp (the save area and the caller's stack arguments are both at
   fixed places from it), unless flagged: GATHERED offsets are into the
   gathered HFAs, INDIRECT ones hold the argument's address.  */
#define A64_LOC_SPECIAL_BIT 31     /* one of the two below */
#define A64_LOC_INDIRECT_BIT 30    /* else GATHERED */
#define A64_LOC_OFFSET_MASK 0x3fffffff

#endif
