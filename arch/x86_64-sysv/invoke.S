/* invoke.S -- ffi_call for System V x86-64: run a plan's steps.

   void ffix_sysv_invoke(const Plan *plan,      rdi
                         void (*fn)(void),      rsi
                         void *rvalue,          rdx  (may be NULL)
                         void **avalue,         rcx
                         void *chain)           r8   (static chain, to r10)

   The plan's steps are direct-threaded code (plan.h): each is a handler
   address and operands, and each handler ends by jumping to the next one.
   While steps run:
     r10  the current step           r11  avalue
     rax  scratch
     rdi, rsi, rdx, rcx, r8, r9, xmm0-xmm7: being loaded with arguments
   Stack steps run first and may use rdi, rsi, rdx and rcx as scratch.
   Frame (rbp-relative): -8 rvalue, -16 fn, -24 chain, -32 the result's
   size (PART returns); below: the result scratch when rvalue is NULL,
   then the plan's frame (stack arguments at rsp, then scratch slots).  */

#include "sysv_asm.h"

#define ENDBR endbr64
#define NEXT(n) addq $(n), %r10; jmp *(%r10)

/* The argument a step names: %rax = avalue[A].  */
#define ARG movl STEP_A(%r10), %eax; movq (%r11,%rax,8), %rax

	.text
	.globl	ffix_sysv_invoke
	.hidden	ffix_sysv_invoke
	.type	ffix_sysv_invoke, @function
	.p2align 4
ffix_sysv_invoke:
	.cfi_startproc
	ENDBR
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq	%rdx
	pushq	%rsi
	pushq	%r8
	pushq	%r8		/* room for the result's size; keeps rsp 16-aligned */
	movq	%rcx, %r11
	testq	%rdx, %rdx
	jz	.Lno_rvalue
.Lsteps:
	subq	SYSV_PLAN_FRAME(%rdi), %rsp
	leaq	SYSV_PLAN_STEPS(%rdi), %r10
	jmp	*(%r10)
.Lno_rvalue:
	subq	SYSV_PLAN_DISCARD(%rdi), %rsp
	movq	%rsp, -8(%rbp)
	jmp	.Lsteps

/* ---- register steps: one handler per kind and register. */

	.macro GPR_OPS r64, r32
	.p2align 3
gpr_sint8_\r64:	ENDBR; ARG; movsbq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint8_\r64:	ENDBR; ARG; movzbl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint16_\r64:	ENDBR; ARG; movswq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint16_\r64:	ENDBR; ARG; movzwl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint32_\r64:	ENDBR; ARG; movslq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint32_\r64:	ENDBR; ARG; movl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_word_\r64:	ENDBR; ARG; movq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_word_hi_\r64:	ENDBR; ARG; movq 8(%rax), %\r64; NEXT(STEP_SIZE)
gpr_scratch_\r64:	ENDBR; movl STEP_B(%r10), %eax; movq (%rsp,%rax), %\r64; NEXT(STEP_SIZE)
	.endm

	GPR_OPS rdi, edi
	GPR_OPS rsi, esi
	GPR_OPS rdx, edx
	GPR_OPS rcx, ecx
	GPR_OPS r8, r8d
	GPR_OPS r9, r9d

	.macro XMM_OPS n
	.p2align 3
xmm_float_\n:	ENDBR; ARG; movss (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_word_\n:	ENDBR; ARG; movq (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_word_hi_\n:	ENDBR; ARG; movq 8(%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_quad_\n:	ENDBR; ARG; movups (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_scratch_\n:	ENDBR; movl STEP_B(%r10), %eax; movq (%rsp,%rax), %xmm\n; NEXT(STEP_SIZE)
	.endm

	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	XMM_OPS \n
	.endr

/* The hidden pointer for a result returned in memory (psABI: in rdi).  */
retptr:	ENDBR; movq -8(%rbp), %rdi; NEXT(STEP_SIZE)

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

/* C bytes of the argument from byte D, zero-padded to 8, to rsp+B: the
   tail eightbyte of a struct, loaded into a register by a scratch step.  */
stack_part:
	ENDBR
	ARG
	movl	STEP_D(%r10), %esi
	addq	%rax, %rsi
	movl	STEP_B(%r10), %edi
	addq	%rsp, %rdi
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
	movq	-24(%rbp), %r10
	call	*-16(%rbp)
	movq	-8(%rbp), %rcx
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
	movq	%rax, -32(%rbp)
	movzbl	STEP_A(%r10), %eax
	movq	-24(%rbp), %r10
	call	*-16(%rbp)
	movq	-8(%rbp), %rcx
	.endm

	/* Copy the first -32(%rbp) bytes of the 16 at -16(%rsp) to (%rcx). */
	.macro PART_DONE
	leaq	-16(%rsp), %rsi
	movq	%rcx, %rdi
	movq	-32(%rbp), %rcx
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
	.size	ffix_sysv_invoke, .-ffix_sysv_invoke

/* ---- the handler tables build_plan.cc picks from (rows: sysv_asm.h). */

	.section .data.rel.ro,"aw"
	.p2align 3

	.macro GPR_ROW kind
	.quad gpr_\kind\()_rdi, gpr_\kind\()_rsi, gpr_\kind\()_rdx, gpr_\kind\()_rcx, gpr_\kind\()_r8, gpr_\kind\()_r9
	.endm
	.globl	ffix_sysv_gpr_ops
	.hidden	ffix_sysv_gpr_ops
ffix_sysv_gpr_ops:
	.irp k, sint8, uint8, sint16, uint16, sint32, uint32, word, word_hi, scratch
	GPR_ROW \k
	.endr
	.if (. - ffix_sysv_gpr_ops) != 8 * 6 * GPR_KINDS
	.error "ffix_sysv_gpr_ops does not match GPR_KINDS"
	.endif

	.macro XMM_ROW kind
	.quad xmm_\kind\()_0, xmm_\kind\()_1, xmm_\kind\()_2, xmm_\kind\()_3
	.quad xmm_\kind\()_4, xmm_\kind\()_5, xmm_\kind\()_6, xmm_\kind\()_7
	.endm
	.globl	ffix_sysv_xmm_ops
	.hidden	ffix_sysv_xmm_ops
ffix_sysv_xmm_ops:
	.irp k, float, word, word_hi, quad, scratch
	XMM_ROW \k
	.endr
	.if (. - ffix_sysv_xmm_ops) != 8 * 8 * XMM_KINDS
	.error "ffix_sysv_xmm_ops does not match XMM_KINDS"
	.endif

	.globl	ffix_sysv_stack_ops
	.hidden	ffix_sysv_stack_ops
ffix_sysv_stack_ops:
	.quad stack_sint8, stack_uint8, stack_sint16, stack_uint16, stack_sint32, stack_uint32
	.quad stack_word, stack_quad, stack_block, stack_part
	.if (. - ffix_sysv_stack_ops) != 8 * STACK_KINDS
	.error "ffix_sysv_stack_ops does not match STACK_KINDS"
	.endif

	.globl	ffix_sysv_call_ops
	.hidden	ffix_sysv_call_ops
ffix_sysv_call_ops:
	.quad call_void, call_sint8, call_uint8, call_sint16, call_uint16, call_sint32, call_uint32
	.quad call_rax, call_float, call_xmm0, call_x87, call_x87_2
	.quad call_rax_rdx, call_rax_xmm0, call_xmm0_rax, call_xmm0_xmm1, call_xmm0_full
	.quad call_part_rax, call_part_xmm0, call_part_rax_rdx, call_part_rax_xmm0
	.quad call_part_xmm0_rax, call_part_xmm0_xmm1
	.if (. - ffix_sysv_call_ops) != 8 * RET_KINDS
	.error "ffix_sysv_call_ops does not match RET_KINDS"
	.endif

	.globl	ffix_sysv_retptr_op
	.hidden	ffix_sysv_retptr_op
ffix_sysv_retptr_op:
	.quad retptr

#include "../../src/asm_notes.h"
