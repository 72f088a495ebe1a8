/* invoke.S -- ffi_call for System V x86-64: run a plan's steps.

   void ffix_sysv_invoke(const Plan *plan,      rdi
                         void (*fn)(void),      rsi
                         void *rvalue,          rdx  (may be NULL)
                         void **avalue,         rcx
                         void *chain)           r8   (static chain, to r10)

   The plan's steps are direct-threaded code (src/steps.h, plan.h): each
   is a handler address and operands, and each handler ends by jumping to
   the next one.  While steps run:
     r10  the current step           r11  avalue
     rax  scratch
     rdi, rsi, rdx, rcx, r8, r9, xmm0-xmm7: being loaded with arguments
   Stack steps run first and may use rdi, rsi, rdx and rcx as scratch.
   Frame (rbp-relative, sysv_asm.h): rvalue, fn, chain, the result's size;
   then the plan's frame, which ends with the stack arguments at rsp and,
   for a plan that needs them, starts with the scratch slots at
   SYSV_SCRATCH_GPR.  When rvalue is NULL the result goes to a discard
   area between the two; it may overlap the scratch slots, which are read
   before the call, while the result is written after it.  */

#include "../x86_64/asm.h"
#include "sysv_asm.h"

#define NEXT(n) addq $(n), %r10; jmp *(%r10)

/* The argument a step names: %rax = avalue[A].  */
#define ARG movl STEP_A(%r10), %eax; movq (%r11,%rax,8), %rax

	.text
	FUNC	ffix_sysv_invoke
	.p2align 4
ffix_sysv_invoke:
	.cfi_startproc
	ENDBR
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq	%rdx		/* SYSV_INV_RVALUE */
	pushq	%rsi		/* SYSV_INV_FN */
	pushq	%r8		/* SYSV_INV_CHAIN */
	pushq	%r8		/* SYSV_INV_PART_SIZE; keeps rsp 16-aligned */
	movq	%rcx, %r11
	testq	%rdx, %rdx
	jz	.Lno_rvalue
.Lsteps:
	subq	SYSV_PLAN_FRAME(%rdi), %rsp
	leaq	SYSV_PLAN_STEPS(%rdi), %r10
	jmp	*(%r10)
.Lno_rvalue:
	subq	SYSV_PLAN_DISCARD(%rdi), %rsp
	movq	%rsp, SYSV_INV_RVALUE(%rbp)
	jmp	.Lsteps

/* ---- register steps: one handler per kind and register. */

	.macro GPR_OPS r64, r32, n
	.p2align 3
gpr_sint8_\r64:	ENDBR; ARG; movsbq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint8_\r64:	ENDBR; ARG; movzbl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint16_\r64:	ENDBR; ARG; movswq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint16_\r64:	ENDBR; ARG; movzwl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint32_\r64:	ENDBR; ARG; movslq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint32_\r64:	ENDBR; ARG; movl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_word_\r64:	ENDBR; ARG; movq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_word_hi_\r64:	ENDBR; ARG; movq 8(%rax), %\r64; NEXT(STEP_SIZE)
gpr_scratch_\r64:	ENDBR; movq (SYSV_SCRATCH_GPR + 8 * \n)(%rbp), %\r64; NEXT(STEP_SIZE)
	.endm

	GPR_OPS rdi, edi, 0
	GPR_OPS rsi, esi, 1
	GPR_OPS rdx, edx, 2
	GPR_OPS rcx, ecx, 3
	GPR_OPS r8, r8d, 4
	GPR_OPS r9, r9d, 5

	.macro XMM_OPS n
	.p2align 3
xmm_float_\n:	ENDBR; ARG; movss (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_word_\n:	ENDBR; ARG; movq (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_word_hi_\n:	ENDBR; ARG; movq 8(%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_quad_\n:	ENDBR; ARG; movups (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_scratch_\n:	ENDBR; movq (SYSV_SCRATCH_XMM + 8 * \n)(%rbp), %xmm\n; NEXT(STEP_SIZE)
	.endm

	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	XMM_OPS \n
	.endr

/* ---- pair steps: argument A into a register, argument B into the next
   of its class, by kind (sysv_asm.h, SYSV_*_PAIR_KINDS): one dispatch for
   two arguments.  */

	/* The argument at (%rax), of GPR kind KIND, into R64 (R32 its low
	   half).  */
	.macro GPR_LOAD kind, r64, r32
	.if \kind == SYSV_GPR_SINT8
	movsbq	(%rax), %\r64
	.elseif \kind == SYSV_GPR_UINT8
	movzbl	(%rax), %\r32
	.elseif \kind == SYSV_GPR_SINT16
	movswq	(%rax), %\r64
	.elseif \kind == SYSV_GPR_UINT16
	movzwl	(%rax), %\r32
	.elseif \kind == SYSV_GPR_SINT32
	movslq	(%rax), %\r64
	.elseif \kind == SYSV_GPR_UINT32
	movl	(%rax), %\r32
	.elseif \kind == SYSV_GPR_WORD
	movq	(%rax), %\r64
	.elseif \kind == SYSV_GPR_WORD_HI
	movq	8(%rax), %\r64
	.else
	.error "not a GPR pair kind"
	.endif
	.endm

	.macro XMM_LOAD kind, n
	.if \kind == SYSV_XMM_FLOAT
	movss	(%rax), %xmm\n
	.elseif \kind == SYSV_XMM_WORD
	movq	(%rax), %xmm\n
	.elseif \kind == SYSV_XMM_WORD_HI
	movq	8(%rax), %xmm\n
	.else
	.error "not an XMM pair kind"
	.endif
	.endm

	/* The argument B names: %rax = avalue[B].  */
	.macro ARG_B
	movl	STEP_B(%r10), %eax
	movq	(%r11,%rax,8), %rax
	.endm

	.macro GPR_PAIR k1, k2, n, a64, a32, b64, b32
gpr_pair_\k1\()_\k2\()_\n:
	ENDBR
	ARG
	GPR_LOAD \k1, \a64, \a32
	ARG_B
	GPR_LOAD \k2, \b64, \b32
	NEXT(STEP_SIZE)
	.endm

	.macro GPR_PAIRS k1, k2
	.p2align 3
	GPR_PAIR \k1, \k2, 0, rdi, edi, rsi, esi
	GPR_PAIR \k1, \k2, 1, rsi, esi, rdx, edx
	GPR_PAIR \k1, \k2, 2, rdx, edx, rcx, ecx
	GPR_PAIR \k1, \k2, 3, rcx, ecx, r8, r8d
	GPR_PAIR \k1, \k2, 4, r8, r8d, r9, r9d
	.endm

	.macro XMM_PAIR k1, k2, n, m
xmm_pair_\k1\()_\k2\()_\n:
	ENDBR
	ARG
	XMM_LOAD \k1, \n
	ARG_B
	XMM_LOAD \k2, \m
	NEXT(STEP_SIZE)
	.endm

	.macro XMM_PAIRS k1, k2
	.p2align 3
	XMM_PAIR \k1, \k2, 0, 1
	XMM_PAIR \k1, \k2, 1, 2
	XMM_PAIR \k1, \k2, 2, 3
	XMM_PAIR \k1, \k2, 3, 4
	XMM_PAIR \k1, \k2, 4, 5
	XMM_PAIR \k1, \k2, 5, 6
	XMM_PAIR \k1, \k2, 6, 7
	.endm

	/* Kinds as plain numbers (labels are made of them), checked here.  */
	.if SYSV_GPR_PAIR_KINDS != 8 || SYSV_GPR_WORD_HI != 7 || SYSV_XMM_PAIR_KINDS != 3 || SYSV_XMM_WORD_HI != 2
	.error "pair kinds out of step with sysv_asm.h"
	.endif
	.irp k1, 0, 1, 2, 3, 4, 5, 6, 7
	.irp k2, 0, 1, 2, 3, 4, 5, 6, 7
	GPR_PAIRS \k1, \k2
	.endr
	.endr
	.irp k1, 0, 1, 2
	.irp k2, 0, 1, 2
	XMM_PAIRS \k1, \k2
	.endr
	.endr

/* The hidden pointer for a result returned in memory (psABI: in rdi).  */
retptr:	ENDBR; movq SYSV_INV_RVALUE(%rbp), %rdi; NEXT(STEP_SIZE)

/* ---- stack steps: A is the argument, B the offset from rsp. */

	.macro STACK_INT name, load
stack_\name:	ENDBR; ARG; \load (%rax), %rax; movl STEP_B(%r10), %edx; movq %rax, (%rsp,%rdx); NEXT(STEP_SIZE)
	.endm
	STACK_INT sint8, movsbq
	STACK_INT uint8, movzbq
	STACK_INT sint16, movswq
	STACK_INT uint16, movzwq
	STACK_INT sint32, movslq
	STACK_INT word, movq
stack_uint32:	ENDBR; ARG; movl (%rax), %eax; movl STEP_B(%r10), %edx; movq %rax, (%rsp,%rdx); NEXT(STEP_SIZE)
stack_quad:	ENDBR; ARG; movups (%rax), %xmm8; movl STEP_B(%r10), %edx; movups %xmm8, (%rsp,%rdx); NEXT(STEP_SIZE)

/* C bytes of the argument to rsp+B (an argument passed in memory).  */
stack_block:
	ENDBR
	ARG
	movq	%rax, %rsi
	movl	STEP_B(%r10), %edi
	addq	%rsp, %rdi
	movl	STEP_C(%r10), %ecx
	rep movsb
	NEXT(2*STEP_SIZE)

/* C bytes of the argument from byte D, zero-padded to 8, to rbp+B (B is
   negative: a scratch slot): the tail eightbyte of a struct, loaded into
   its register by a scratch step.  */
stack_part:
	ENDBR
	ARG
	movl	STEP_D(%r10), %esi
	addq	%rax, %rsi
	movslq	STEP_B(%r10), %rdi
	addq	%rbp, %rdi
	movq	$0, (%rdi)
	movl	STEP_C(%r10), %ecx
	rep movsb
	NEXT(2*STEP_SIZE)

/* ---- the call: A is %al (SSE registers used), B the result's size.
   Each handler stores the result its own way into rvalue.  */

	.macro CALL_OP name
	.p2align 3
call_\name:
	ENDBR
	movzbl	STEP_A(%r10), %eax
	movq	SYSV_INV_CHAIN(%rbp), %r10
	call	*SYSV_INV_FN(%rbp)
	movq	SYSV_INV_RVALUE(%rbp), %rcx
	.endm

	.macro DONE
	.cfi_remember_state
	leave
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_restore_state
	.endm

	/* A PART handler keeps the size before the call.  */
	.macro CALL_PART_OP name
	.p2align 3
call_\name:
	ENDBR
	movl	STEP_B(%r10), %eax
	movq	%rax, SYSV_INV_PART_SIZE(%rbp)
	movzbl	STEP_A(%r10), %eax
	movq	SYSV_INV_CHAIN(%rbp), %r10
	call	*SYSV_INV_FN(%rbp)
	movq	SYSV_INV_RVALUE(%rbp), %rcx
	.endm

	/* Copy the first SYSV_INV_PART_SIZE bytes of the 16 at -16(%rsp)
	   to (%rcx).  */
	.macro PART_DONE
	leaq	-16(%rsp), %rsi
	movq	%rcx, %rdi
	movq	SYSV_INV_PART_SIZE(%rbp), %rcx
	rep movsb
	DONE
	.endm

	CALL_OP void
	DONE
	CALL_OP sint8
	movsbq	%al, %rax
	movq	%rax, (%rcx)
	DONE
	CALL_OP uint8
	movzbl	%al, %eax
	movq	%rax, (%rcx)
	DONE
	CALL_OP sint16
	movswq	%ax, %rax
	movq	%rax, (%rcx)
	DONE
	CALL_OP uint16
	movzwl	%ax, %eax
	movq	%rax, (%rcx)
	DONE
	CALL_OP sint32
	movslq	%eax, %rax
	movq	%rax, (%rcx)
	DONE
	CALL_OP uint32
	movl	%eax, %eax
	movq	%rax, (%rcx)
	DONE
	CALL_OP rax
	movq	%rax, (%rcx)
	DONE
	CALL_OP float
	movss	%xmm0, (%rcx)
	DONE
	CALL_OP xmm0
	movsd	%xmm0, (%rcx)
	DONE
	CALL_OP x87
	fstpt	(%rcx)
	DONE
	CALL_OP x87_2
	fstpt	(%rcx)
	fstpt	16(%rcx)
	DONE
	CALL_OP rax_rdx
	movq	%rax, (%rcx)
	movq	%rdx, 8(%rcx)
	DONE
	CALL_OP rax_xmm0
	movq	%rax, (%rcx)
	movsd	%xmm0, 8(%rcx)
	DONE
	CALL_OP xmm0_rax
	movsd	%xmm0, (%rcx)
	movq	%rax, 8(%rcx)
	DONE
	CALL_OP xmm0_xmm1
	movsd	%xmm0, (%rcx)
	movsd	%xmm1, 8(%rcx)
	DONE
	CALL_OP xmm0_full
	movups	%xmm0, (%rcx)
	DONE
	CALL_PART_OP part_rax
	movq	%rax, -16(%rsp)
	PART_DONE
	CALL_PART_OP part_xmm0
	movsd	%xmm0, -16(%rsp)
	PART_DONE
	CALL_PART_OP part_rax_rdx
	movq	%rax, -16(%rsp)
	movq	%rdx, -8(%rsp)
	PART_DONE
	CALL_PART_OP part_rax_xmm0
	movq	%rax, -16(%rsp)
	movsd	%xmm0, -8(%rsp)
	PART_DONE
	CALL_PART_OP part_xmm0_rax
	movsd	%xmm0, -16(%rsp)
	movq	%rax, -8(%rsp)
	PART_DONE
	CALL_PART_OP part_xmm0_xmm1
	movsd	%xmm0, -16(%rsp)
	movsd	%xmm1, -8(%rsp)
	PART_DONE

	.cfi_endproc
	ENDFUNC	ffix_sysv_invoke

/* ---- the handler tables build_plan.cc picks from, by kind (sysv_asm.h)
   and register.  */

	.macro GPR_ROW kind, name
	AT	ffix_sysv_gpr_ops, ((\kind) * SYSV_GPRS)
	.quad	gpr_\name\()_rdi, gpr_\name\()_rsi, gpr_\name\()_rdx, gpr_\name\()_rcx
	.quad	gpr_\name\()_r8, gpr_\name\()_r9
	.endm
	TABLE	ffix_sysv_gpr_ops
	GPR_ROW	SYSV_GPR_SINT8, sint8
	GPR_ROW	SYSV_GPR_UINT8, uint8
	GPR_ROW	SYSV_GPR_SINT16, sint16
	GPR_ROW	SYSV_GPR_UINT16, uint16
	GPR_ROW	SYSV_GPR_SINT32, sint32
	GPR_ROW	SYSV_GPR_UINT32, uint32
	GPR_ROW	SYSV_GPR_WORD, word
	GPR_ROW	SYSV_GPR_WORD_HI, word_hi
	GPR_ROW	SYSV_GPR_SCRATCH, scratch
	ENDTABLE ffix_sysv_gpr_ops, (SYSV_GPR_KINDS * SYSV_GPRS)

	.macro XMM_ROW kind, name
	AT	ffix_sysv_xmm_ops, ((\kind) * SYSV_XMMS)
	.quad	xmm_\name\()_0, xmm_\name\()_1, xmm_\name\()_2, xmm_\name\()_3
	.quad	xmm_\name\()_4, xmm_\name\()_5, xmm_\name\()_6, xmm_\name\()_7
	.endm
	TABLE	ffix_sysv_xmm_ops
	XMM_ROW	SYSV_XMM_FLOAT, float
	XMM_ROW	SYSV_XMM_WORD, word
	XMM_ROW	SYSV_XMM_WORD_HI, word_hi
	XMM_ROW	SYSV_XMM_QUAD, quad
	XMM_ROW	SYSV_XMM_SCRATCH, scratch
	ENDTABLE ffix_sysv_xmm_ops, (SYSV_XMM_KINDS * SYSV_XMMS)

	.macro GPR_PAIR_ROW k1, k2
	AT	ffix_sysv_gpr_pairs, (((\k1) * SYSV_GPR_PAIR_KINDS + (\k2)) * (SYSV_GPRS - 1))
	.quad	gpr_pair_\k1\()_\k2\()_0, gpr_pair_\k1\()_\k2\()_1, gpr_pair_\k1\()_\k2\()_2
	.quad	gpr_pair_\k1\()_\k2\()_3, gpr_pair_\k1\()_\k2\()_4
	.endm
	TABLE	ffix_sysv_gpr_pairs
	.irp k1, 0, 1, 2, 3, 4, 5, 6, 7
	.irp k2, 0, 1, 2, 3, 4, 5, 6, 7
	GPR_PAIR_ROW \k1, \k2
	.endr
	.endr
	ENDTABLE ffix_sysv_gpr_pairs, (SYSV_GPR_PAIR_KINDS * SYSV_GPR_PAIR_KINDS * (SYSV_GPRS - 1))

	.macro XMM_PAIR_ROW k1, k2
	AT	ffix_sysv_xmm_pairs, (((\k1) * SYSV_XMM_PAIR_KINDS + (\k2)) * (SYSV_XMMS - 1))
	.quad	xmm_pair_\k1\()_\k2\()_0, xmm_pair_\k1\()_\k2\()_1, xmm_pair_\k1\()_\k2\()_2
	.quad	xmm_pair_\k1\()_\k2\()_3, xmm_pair_\k1\()_\k2\()_4, xmm_pair_\k1\()_\k2\()_5
	.quad	xmm_pair_\k1\()_\k2\()_6
	.endm
	TABLE	ffix_sysv_xmm_pairs
	.irp k1, 0, 1, 2
	.irp k2, 0, 1, 2
	XMM_PAIR_ROW \k1, \k2
	.endr
	.endr
	ENDTABLE ffix_sysv_xmm_pairs, (SYSV_XMM_PAIR_KINDS * SYSV_XMM_PAIR_KINDS * (SYSV_XMMS - 1))

	TABLE	ffix_sysv_stack_ops
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_SINT8, stack_sint8
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_UINT8, stack_uint8
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_SINT16, stack_sint16
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_UINT16, stack_uint16
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_SINT32, stack_sint32
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_UINT32, stack_uint32
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_WORD, stack_word
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_QUAD, stack_quad
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_BLOCK, stack_block
	ITEM	ffix_sysv_stack_ops, SYSV_STACK_PART, stack_part
	ENDTABLE ffix_sysv_stack_ops, SYSV_STACK_KINDS

	.macro CALL_ITEM kind, name
	ITEM	ffix_sysv_call_ops, \kind, call_\name
	.endm
	TABLE	ffix_sysv_call_ops
	CALL_ITEM SYSV_RET_VOID, void
	CALL_ITEM SYSV_RET_SINT8, sint8
	CALL_ITEM SYSV_RET_UINT8, uint8
	CALL_ITEM SYSV_RET_SINT16, sint16
	CALL_ITEM SYSV_RET_UINT16, uint16
	CALL_ITEM SYSV_RET_SINT32, sint32
	CALL_ITEM SYSV_RET_UINT32, uint32
	CALL_ITEM SYSV_RET_RAX, rax
	CALL_ITEM SYSV_RET_FLOAT, float
	CALL_ITEM SYSV_RET_XMM0, xmm0
	CALL_ITEM SYSV_RET_X87, x87
	CALL_ITEM SYSV_RET_X87_2, x87_2
	CALL_ITEM SYSV_RET_RAX_RDX, rax_rdx
	CALL_ITEM SYSV_RET_RAX_XMM0, rax_xmm0
	CALL_ITEM SYSV_RET_XMM0_RAX, xmm0_rax
	CALL_ITEM SYSV_RET_XMM0_XMM1, xmm0_xmm1
	CALL_ITEM SYSV_RET_XMM0_FULL, xmm0_full
	CALL_ITEM SYSV_RET_PART_RAX, part_rax
	CALL_ITEM SYSV_RET_PART_XMM0, part_xmm0
	CALL_ITEM SYSV_RET_PART_RAX_RDX, part_rax_rdx
	CALL_ITEM SYSV_RET_PART_RAX_XMM0, part_rax_xmm0
	CALL_ITEM SYSV_RET_PART_XMM0_RAX, part_xmm0_rax
	CALL_ITEM SYSV_RET_PART_XMM0_XMM1, part_xmm0_xmm1
	ENDTABLE ffix_sysv_call_ops, SYSV_RET_KINDS

	TABLE	ffix_sysv_retptr_op
	.quad	retptr
	ENDTABLE ffix_sysv_retptr_op, 1

#include "../x86_64/asm_notes.h"
