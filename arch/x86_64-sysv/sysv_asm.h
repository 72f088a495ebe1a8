/* sysv_asm.h -- constants shared by the System V C++ code and invoke.S.
   The C++ side checks every offset with static_assert (plan.h).  */
#ifndef FFIX_SYSV_ASM_H
#define FFIX_SYSV_ASM_H

/* The register image ffi_call fills: six GPRs, then eight 16-byte XMM
   slots, then the outgoing stack arguments.  */
#define SYSV_FRAME_GPR 0
#define SYSV_FRAME_SSE 48
#define SYSV_FRAME_STACK 176

/* Fields of the plan header read by the assembly.  */
#define SYSV_PLAN_STACK_BYTES 0
#define SYSV_PLAN_NSSE 4
#define SYSV_PLAN_RET_KIND 5

/* How the return value comes back (the assembly's jump table order).  */
#define SYSV_RET_VOID 0
#define SYSV_RET_SINT8 1
#define SYSV_RET_UINT8 2
#define SYSV_RET_SINT16 3
#define SYSV_RET_UINT16 4
#define SYSV_RET_SINT32 5
#define SYSV_RET_UINT32 6
#define SYSV_RET_INT64 7      /* rax */
#define SYSV_RET_FLOAT 8      /* low 4 bytes of xmm0 */
#define SYSV_RET_DOUBLE 9     /* low 8 bytes of xmm0 */
#define SYSV_RET_X87 10       /* st0 */
#define SYSV_RET_X87_2 11     /* st0, st1: complex long double */
#define SYSV_RET_RAX_RDX 12
#define SYSV_RET_RAX_XMM0 13
#define SYSV_RET_XMM0_RAX 14
#define SYSV_RET_XMM0_XMM1 15
#define SYSV_RET_XMM0_FULL 16 /* SSE + SSEUP: all 16 bytes of xmm0 */
#define SYSV_RET_COUNT 17

#endif
