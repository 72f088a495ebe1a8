/* win64_invoke.S -- calls under the Microsoft x64 convention: run a plan's steps.

   void ffix_win64_invoke(const Plan *plan, void (*fn)(void), void *rvalue,
                          void **avalue, void *chain)

   It is called in the host's own convention (System V on Linux, where it
   serves FFI_WIN64/FFI_GNUW64 for ms_abi functions; Microsoft x64 in a
   Windows DLL), so only the prologue differs.  The body uses nothing
   but rbp and registers that are scratch in both conventions (rax, rcx,
   rdx, r8-r11): the callee, a Microsoft x64 function, preserves every
   register either host's caller may rely on.

   The plan's steps are direct-threaded code (src/steps.h, plan.h): each is a handler
   address and operands, and each handler ends by jumping to the next one.
   While steps run:
     r10  the current step           r11  avalue
     rax  scratch                    rcx, rdx, r8, r9: scratch for the
     stack steps (which come first), then loaded with the arguments.
   Frame (rbp-relative): -8 rvalue, -16 fn, -24 chain; below it the
   result scratch when rvalue is NULL, then the plan's frame: the
   argument slots at rsp (the first four are the callee's home area),
   then copies of the arguments passed by reference.  */

#include "../x86_64/asm.h"
#include "win64_asm.h"

#define NEXT(n) addq $(n), %r10; jmp *(%r10)
/* The argument a step names: %rax = avalue[A].  */
#define ARG movl STEP_A(%r10), %eax; movq (%r11,%rax,8), %rax

#ifdef FFIX_COFF
#define PLAN %rcx
#else
#define PLAN %rdi
#endif

	.text
	FUNC	ffix_win64_invoke
	.p2align 4
	SEH(.seh_proc ffix_win64_invoke)
ffix_win64_invoke:
	.cfi_startproc
	ENDBR
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	SEH(.seh_pushreg %rbp)
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	SEH(.seh_setframe %rbp, 0)
	SEH(.seh_endprologue)
#ifdef FFIX_COFF
	/* rcx plan, rdx fn, r8 rvalue, r9 avalue, chain above the home area */
	pushq	%r8
	pushq	%rdx
	pushq	48(%rbp)
	movq	%r9, %r11
	movq	%r8, %rax
#else
	/* rdi plan, rsi fn, rdx rvalue, rcx avalue, r8 chain */
	pushq	%rdx
	pushq	%rsi
	pushq	%r8
	movq	%rcx, %r11
	movq	%rdx, %rax
#endif
	subq	$8, %rsp
	testq	%rax, %rax
	jz	.Lno_rvalue
.Lframe:
	movq	%rsp, %rax
	subq	W64_PLAN_FRAME(PLAN), %rax
	andq	W64_PLAN_ALIGN(PLAN), %rax
#ifdef FFIX_COFF
	/* Windows grows the stack one guard page at a time: touch every
	   page on the way down.  */
1:	leaq	-4096(%rsp), %rdx
	cmpq	%rax, %rdx
	jbe	2f
	movq	%rdx, %rsp
	orq	$0, (%rsp)
	jmp	1b
2:
#endif
	movq	%rax, %rsp
	leaq	W64_PLAN_STEPS(PLAN), %r10
	jmp	*(%r10)
.Lno_rvalue:
	subq	W64_PLAN_DISCARD(PLAN), %rsp
	andq	W64_PLAN_ALIGN(PLAN), %rsp
	movq	%rsp, -8(%rbp)
	jmp	.Lframe

/* ---- register steps: one handler per kind and register slot.  */

	.macro GPR_OPS r64, r32
	.p2align 3
gpr_sint8_\r64:	ENDBR; ARG; movsbq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint8_\r64:	ENDBR; ARG; movzbl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint16_\r64:	ENDBR; ARG; movswq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint16_\r64:	ENDBR; ARG; movzwl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_sint32_\r64:	ENDBR; ARG; movslq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_uint32_\r64:	ENDBR; ARG; movl (%rax), %\r32; NEXT(STEP_SIZE)
gpr_word_\r64:	ENDBR; ARG; movq (%rax), %\r64; NEXT(STEP_SIZE)
gpr_ref_\r64:	ENDBR; movl STEP_B(%r10), %eax; leaq (%rsp,%rax), %\r64; NEXT(STEP_SIZE)
	.endm

	GPR_OPS rcx, ecx
	GPR_OPS rdx, edx
	GPR_OPS r8, r8d
	GPR_OPS r9, r9d

	.macro XMM_OPS n
	.p2align 3
xmm_float_\n:	ENDBR; ARG; movss (%rax), %xmm\n; NEXT(STEP_SIZE)
xmm_double_\n:	ENDBR; ARG; movsd (%rax), %xmm\n; NEXT(STEP_SIZE)
	.endm

	.irp n, 0, 1, 2, 3
	XMM_OPS \n
	.endr

/* The hidden pointer for a result returned in memory: the first slot.  */
retptr:	ENDBR; movq -8(%rbp), %rcx; NEXT(STEP_SIZE)

/* ---- stack steps: A is the argument, B the slot's offset from rsp.  */

	.macro STACK_INT name, load, reg
stack_\name:	ENDBR; ARG; \load (%rax), \reg; movl STEP_B(%r10), %edx; movq %rax, (%rsp,%rdx); NEXT(STEP_SIZE)
	.endm
	STACK_INT sint8, movsbq, %rax
	STACK_INT uint8, movzbl, %eax
	STACK_INT sint16, movswq, %rax
	STACK_INT uint16, movzwl, %eax
	STACK_INT sint32, movslq, %rax
	STACK_INT uint32, movl, %eax
	STACK_INT word, movq, %rax

/* rsp+A (a copy made by a copy step) in the slot at rsp+B.  */
stack_ref:
	ENDBR
	movl	STEP_A(%r10), %eax
	addq	%rsp, %rax
	movl	STEP_B(%r10), %edx
	movq	%rax, (%rsp,%rdx)
	NEXT(STEP_SIZE)

/* C bytes of argument A to rsp+B: the caller's copy of an argument passed
   by reference, eight bytes at a time, then the rest one at a time.  */
stack_copy:
	ENDBR
	ARG
	movl	STEP_B(%r10), %edx
	addq	%rsp, %rdx
	movl	STEP_C(%r10), %ecx
	jmp	2f
1:	movq	(%rax), %r8
	movq	%r8, (%rdx)
	addq	$8, %rax
	addq	$8, %rdx
	subl	$8, %ecx
2:	cmpl	$8, %ecx
	jae	1b
	testl	%ecx, %ecx
	jz	4f
3:	movb	(%rax), %r8b
	movb	%r8b, (%rdx)
	incq	%rax
	incq	%rdx
	decl	%ecx
	jnz	3b
4:	NEXT(2*STEP_SIZE)

/* ---- the call, then the result stored its own way into rvalue.  */

	.macro CALL_OP name
	.p2align 3
call_\name:
	ENDBR
	movq	-24(%rbp), %r10
	call	*-16(%rbp)
	movq	-8(%rbp), %rcx
	.endm

	/* The canonical epilogue (the Windows unwinder recognises it).  */
	.macro DONE
	.cfi_remember_state
	leaq	(%rbp), %rsp
	popq	%rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_restore_state
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
	CALL_OP double
	movsd	%xmm0, (%rcx)
	DONE
	CALL_OP bytes1
	movb	%al, (%rcx)
	DONE
	CALL_OP bytes2
	movw	%ax, (%rcx)
	DONE
	CALL_OP bytes4
	movl	%eax, (%rcx)
	DONE
	CALL_OP xmm0
	movups	%xmm0, (%rcx)
	DONE
	CALL_OP memory
	DONE

	.cfi_endproc
	SEH(.seh_endproc)
	ENDFUNC	ffix_win64_invoke

/* ---- the handler tables (plan.h) the plan builder picks from, by kind
   (win64_asm.h) and register slot.  */

	.macro GPR_ROW kind, name
	AT	ffix_win64_gpr_ops, ((\kind) * W64_REG_SLOTS)
	.quad	gpr_\name\()_rcx, gpr_\name\()_rdx, gpr_\name\()_r8, gpr_\name\()_r9
	.endm
	TABLE	ffix_win64_gpr_ops
	GPR_ROW	W64_GPR_SINT8, sint8
	GPR_ROW	W64_GPR_UINT8, uint8
	GPR_ROW	W64_GPR_SINT16, sint16
	GPR_ROW	W64_GPR_UINT16, uint16
	GPR_ROW	W64_GPR_SINT32, sint32
	GPR_ROW	W64_GPR_UINT32, uint32
	GPR_ROW	W64_GPR_WORD, word
	GPR_ROW	W64_GPR_REF, ref
	ENDTABLE ffix_win64_gpr_ops, (W64_GPR_KINDS * W64_REG_SLOTS)

	.macro XMM_ROW kind, name
	AT	ffix_win64_xmm_ops, ((\kind) * W64_REG_SLOTS)
	.quad	xmm_\name\()_0, xmm_\name\()_1, xmm_\name\()_2, xmm_\name\()_3
	.endm
	TABLE	ffix_win64_xmm_ops
	XMM_ROW	W64_XMM_FLOAT, float
	XMM_ROW	W64_XMM_DOUBLE, double
	ENDTABLE ffix_win64_xmm_ops, (W64_XMM_KINDS * W64_REG_SLOTS)

	TABLE	ffix_win64_stack_ops
	ITEM	ffix_win64_stack_ops, W64_STACK_SINT8, stack_sint8
	ITEM	ffix_win64_stack_ops, W64_STACK_UINT8, stack_uint8
	ITEM	ffix_win64_stack_ops, W64_STACK_SINT16, stack_sint16
	ITEM	ffix_win64_stack_ops, W64_STACK_UINT16, stack_uint16
	ITEM	ffix_win64_stack_ops, W64_STACK_SINT32, stack_sint32
	ITEM	ffix_win64_stack_ops, W64_STACK_UINT32, stack_uint32
	ITEM	ffix_win64_stack_ops, W64_STACK_WORD, stack_word
	ITEM	ffix_win64_stack_ops, W64_STACK_REF, stack_ref
	ITEM	ffix_win64_stack_ops, W64_STACK_COPY, stack_copy
	ENDTABLE ffix_win64_stack_ops, W64_STACK_KINDS

	.macro CALL_ITEM kind, name
	ITEM	ffix_win64_call_ops, \kind, call_\name
	.endm
	TABLE	ffix_win64_call_ops
	CALL_ITEM W64_RET_VOID, void
	CALL_ITEM W64_RET_SINT8, sint8
	CALL_ITEM W64_RET_UINT8, uint8
	CALL_ITEM W64_RET_SINT16, sint16
	CALL_ITEM W64_RET_UINT16, uint16
	CALL_ITEM W64_RET_SINT32, sint32
	CALL_ITEM W64_RET_UINT32, uint32
	CALL_ITEM W64_RET_RAX, rax
	CALL_ITEM W64_RET_FLOAT, float
	CALL_ITEM W64_RET_DOUBLE, double
	CALL_ITEM W64_RET_BYTES1, bytes1
	CALL_ITEM W64_RET_BYTES2, bytes2
	CALL_ITEM W64_RET_BYTES4, bytes4
	CALL_ITEM W64_RET_XMM0, xmm0
	CALL_ITEM W64_RET_MEMORY, memory
	ENDTABLE ffix_win64_call_ops, W64_RET_KINDS

	TABLE	ffix_win64_retptr_op
	.quad	retptr
	ENDTABLE ffix_win64_retptr_op, 1

#include "../x86_64/asm_notes.h"
