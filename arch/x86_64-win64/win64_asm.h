/* win64_asm.h -- the numbers the Win64 C++ code and its assembly
   (win64_invoke.S, win64_closure.S) share.  plan.h checks the offsets with
   static_assert; the assembly checks its handler tables against the kinds
   (AT, arch/x86_64/asm.h).  */
#ifndef FFIX_WIN64_ASM_H
#define FFIX_WIN64_ASM_H

#include "../../src/ffix_asm.h"

/* The plan header (plan.h), as offsets from the plan.  */
#define W64_PLAN_FRAME (FFIX_PLAN_DATA + 0)    /* u64: outgoing slots + argument copies */
#define W64_PLAN_DISCARD (FFIX_PLAN_DATA + 8)  /* u64: room for a result nobody wants */
#define W64_PLAN_ALIGN (FFIX_PLAN_DATA + 16)   /* u64: -(alignment of the frame), at least -16 */
#define W64_PLAN_LOCATE (FFIX_PLAN_DATA + 24)  /* u32: the closure's Locate array, from FFIX_PLAN_DATA */
#define W64_PLAN_NARGS (FFIX_PLAN_DATA + 28)   /* u32 */
#define W64_PLAN_MEMORY (FFIX_PLAN_DATA + 32)  /* u8: 1 when the result goes through a hidden pointer */
#define W64_PLAN_STEPS (FFIX_PLAN_DATA + 40)   /* the first step (src/steps.h) */

/* The register slots: RCX, RDX, R8, R9 or XMM0-XMM3 by position.  */
#define W64_REG_SLOTS 4

/* Register steps: A is the argument's index, B (REF) an offset from rsp.
   One handler per kind and register slot (rcx, rdx, r8, r9).  The
   integer kinds are the same in the STACK family.  */
#define W64_GPR_SINT8 0
#define W64_GPR_UINT8 1
#define W64_GPR_SINT16 2
#define W64_GPR_UINT16 3
#define W64_GPR_SINT32 4
#define W64_GPR_UINT32 5
#define W64_GPR_WORD 6
#define W64_GPR_REF 7        /* the address rsp+B: a copy made by a COPY step */
#define W64_GPR_KINDS 8

#define W64_XMM_FLOAT 0
#define W64_XMM_DOUBLE 1
#define W64_XMM_KINDS 2

/* Stack steps: A is the argument, B the slot's offset from rsp.  */
#define W64_STACK_SINT8 0
#define W64_STACK_UINT8 1
#define W64_STACK_SINT16 2
#define W64_STACK_UINT16 3
#define W64_STACK_SINT32 4
#define W64_STACK_UINT32 5
#define W64_STACK_WORD 6
#define W64_STACK_REF 7      /* rsp+A (a copy) stored at rsp+B */
#define W64_STACK_COPY 8     /* wide: C bytes of argument A to rsp+B */
#define W64_STACK_KINDS 9

/* How the result comes back (the call handlers' order).  */
#define W64_RET_VOID 0
#define W64_RET_SINT8 1
#define W64_RET_UINT8 2
#define W64_RET_SINT16 3
#define W64_RET_UINT16 4
#define W64_RET_SINT32 5
#define W64_RET_UINT32 6
#define W64_RET_RAX 7        /* 8 bytes of rax: 64-bit integers, pointers, 8-byte aggregates */
#define W64_RET_FLOAT 8
#define W64_RET_DOUBLE 9
#define W64_RET_BYTES1 10    /* aggregates of 1, 2, 4 bytes: exactly that much of rax */
#define W64_RET_BYTES2 11
#define W64_RET_BYTES4 12
#define W64_RET_XMM0 13      /* all 16 bytes of xmm0: __int128 (GCC) */
#define W64_RET_MEMORY 14    /* through the hidden pointer */
#define W64_RET_KINDS 15

/* A closure's frame, from rbp: the caller's argument slots start at
   rbp+16 (the four register arguments are stored in their home area);
   below rbp the result (16 bytes), the four XMM argument registers (8
   bytes each), then what the entry keeps.  */
#define W64_CL_SLOTS 16
#define W64_CL_RESULT (-16)
#define W64_CL_XMM (-48)

#endif
