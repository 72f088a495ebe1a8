/* win64_asm.h -- constants shared by the Win64 C++ code (plan.h checks
   them with static_assert) and the assembly (win64_invoke.S, win64_closure.S).  */
#ifndef FFIX_WIN64_ASM_H
#define FFIX_WIN64_ASM_H

/* Offset of the backend's data in a plan (FFIX_PLAN_DATA in ffix.h).  */
#define W64_PLAN 32
#define W64_PLAN_FRAME (W64_PLAN + 0)    /* u64: outgoing slots + argument copies */
#define W64_PLAN_DISCARD (W64_PLAN + 8)  /* u64: room for a result nobody wants */
#define W64_PLAN_ALIGN (W64_PLAN + 16)   /* u64: -(alignment of the frame), at least -16 */
#define W64_PLAN_LOCATE (W64_PLAN + 24)  /* u32: the closure's Locate array, from W64_PLAN */
#define W64_PLAN_NARGS (W64_PLAN + 28)   /* u32 */
#define W64_PLAN_MEMORY (W64_PLAN + 32)  /* u8: 1 when the result goes through a hidden pointer */
#define W64_PLAN_STEPS (W64_PLAN + 40)   /* the first step */

/* Steps (STEP_*): ../x86_64/steps.h.  The wide step here is a copy.  */
#include "../x86_64/steps.h"

/* Register steps: A is the argument's index, B (REF) an offset from rsp.
   One handler per kind and register slot (rcx, rdx, r8, r9).  */
#define GPR_SINT8 0
#define GPR_UINT8 1
#define GPR_SINT16 2
#define GPR_UINT16 3
#define GPR_SINT32 4
#define GPR_UINT32 5
#define GPR_WORD 6
#define GPR_REF 7        /* the address rsp+B: a copy made by a COPY step */
#define GPR_KINDS 8

#define XMM_FLOAT 0
#define XMM_DOUBLE 1
#define XMM_KINDS 2

/* Stack steps: A is the argument, B the slot's offset from rsp.  */
#define STACK_SINT8 0
#define STACK_UINT8 1
#define STACK_SINT16 2
#define STACK_UINT16 3
#define STACK_SINT32 4
#define STACK_UINT32 5
#define STACK_WORD 6
#define STACK_REF 7      /* rsp+A (a copy) stored at rsp+B */
#define STACK_COPY 8     /* wide: C bytes of argument A to rsp+B */
#define STACK_KINDS 9

/* How the result comes back (the call handlers' order).  */
#define RET_VOID 0
#define RET_SINT8 1
#define RET_UINT8 2
#define RET_SINT16 3
#define RET_UINT16 4
#define RET_SINT32 5
#define RET_UINT32 6
#define RET_RAX 7        /* 8 bytes of rax: 64-bit integers, pointers, 8-byte aggregates */
#define RET_FLOAT 8
#define RET_DOUBLE 9
#define RET_BYTES1 10    /* aggregates of 1, 2, 4 bytes: exactly that much of rax */
#define RET_BYTES2 11
#define RET_BYTES4 12
#define RET_XMM0 13      /* all 16 bytes of xmm0: __int128 (GCC) */
#define RET_MEMORY 14    /* through the hidden pointer */
#define RET_KINDS 15

/* A closure's frame, from rbp: the caller's argument slots start at
   rbp+16 (the four register arguments are stored in their home area);
   below rbp the result (16 bytes), the four XMM argument registers (8
   bytes each), then what the entry keeps.  */
#define CL_SLOTS 16
#define CL_RESULT (-16)
#define CL_XMM (-48)

#endif
