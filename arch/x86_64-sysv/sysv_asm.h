/* sysv_asm.h -- constants shared by the System V C++ code and invoke.S.
   The C++ side checks every offset with static_assert (plan.h).  */
#ifndef FFIX_SYSV_ASM_H
#define FFIX_SYSV_ASM_H

/* Offset of the backend's data in a plan (FFIX_PLAN_DATA in ffix.h).  */
#define SYSV_PLAN 32
/* Fields of the plan header, relative to the plan.  */
#define SYSV_PLAN_FRAME (SYSV_PLAN + 0)     /* stack arguments + scratch slots */
#define SYSV_PLAN_DISCARD (SYSV_PLAN + 8)   /* room for a result nobody wants */
#define SYSV_PLAN_LOCATE (SYSV_PLAN + 16)   /* u32: the closure's Locate array, from SYSV_PLAN */
#define SYSV_PLAN_JOINS (SYSV_PLAN + 20)    /* u32: Join records after it */
#define SYSV_PLAN_CLOSURE_RET (SYSV_PLAN + 24) /* u8: RET_* for closures */
#define SYSV_PLAN_NSSE (SYSV_PLAN + 25)     /* u8: XMM registers the arguments use */
#define SYSV_PLAN_NARGS (SYSV_PLAN + 28)    /* u32 */
#define SYSV_PLAN_CLOSURE_HANDLER (SYSV_PLAN + 32) /* closure.S's handler for the result */
#define SYSV_PLAN_STEPS (SYSV_PLAN + 40)    /* the first step */

/* Steps (STEP_*): ../x86_64/steps.h.  Wide steps here are block copies.  */
#include "../x86_64/steps.h"

/* Handler families and their kinds (rows of the tables in invoke.S).  */
#define GPR_SINT8 0
#define GPR_UINT8 1
#define GPR_SINT16 2
#define GPR_UINT16 3
#define GPR_SINT32 4
#define GPR_UINT32 5
#define GPR_WORD 6        /* bytes 0-7 of the argument */
#define GPR_WORD_HI 7     /* bytes 8-15 */
#define GPR_SCRATCH 8     /* the scratch slot at rsp+B */
#define GPR_KINDS 9

#define XMM_FLOAT 0
#define XMM_WORD 1
#define XMM_WORD_HI 2
#define XMM_QUAD 3        /* all 16 bytes */
#define XMM_SCRATCH 4
#define XMM_KINDS 5

#define STACK_SINT8 0
#define STACK_UINT8 1
#define STACK_SINT16 2
#define STACK_UINT16 3
#define STACK_SINT32 4
#define STACK_UINT32 5
#define STACK_WORD 6
#define STACK_QUAD 7
#define STACK_BLOCK 8     /* wide: C bytes from the argument to rsp+B */
#define STACK_PART 9      /* wide: C bytes from argument byte D, zero-padded to 8, at rsp+B */
#define STACK_KINDS 10

/* How the return value comes back: the call handlers' order.  The
   PART kinds copy the first B bytes of what the registers hold.  */
#define RET_VOID 0
#define RET_SINT8 1
#define RET_UINT8 2
#define RET_SINT16 3
#define RET_UINT16 4
#define RET_SINT32 5
#define RET_UINT32 6
#define RET_RAX 7
#define RET_FLOAT 8
#define RET_XMM0 9
#define RET_X87 10
#define RET_X87_2 11
#define RET_RAX_RDX 12
#define RET_RAX_XMM0 13
#define RET_XMM0_RAX 14
#define RET_XMM0_XMM1 15
#define RET_XMM0_FULL 16
#define RET_PART_RAX 17
#define RET_PART_XMM0 18
#define RET_PART_RAX_RDX 19
#define RET_PART_RAX_XMM0 20
#define RET_PART_XMM0_RAX 21
#define RET_PART_XMM0_XMM1 22
#define RET_KINDS 23
/* Closures only: the result was written through the hidden pointer, which
   goes back in rax.  */
#define RET_MEMORY 23

/* A closure's register save area: the six argument GPRs, then the eight
   argument XMM registers (16 bytes each).  */
#define SAVE_GPR 0
#define SAVE_XMM 48
#define SAVE_SIZE 176

#endif
