/* closure.S -- closure entries for System V x86-64.

   ffix_sysv_closure_slot   from a static trampoline: r10 = its data slot
   ffix_sysv_closure        r10 = the ffi_closure (legacy trampolines)
   ffix_sysv_go_closure     r10 = the ffi_go_closure (the static chain)

   Each saves the argument registers, lets ffix_sysv_closure_inner decode
   the arguments with the cif's plan and run the user's function, then
   loads the result into the return registers as the kind it returns says.

   Frame: rbp; below it, at rsp: the save area (six GPRs, eight XMM
   registers: SAVE_*), then a 32-byte result buffer.  The caller's stack
   arguments start at rbp+16.  */

#include "sysv_asm.h"
#include "../../src/tramp.h"

#define ENDBR endbr64
#define RESULT SAVE_SIZE
#define FRAME (SAVE_SIZE + 32)

	.text

	.macro ENTRY name
	.globl	\name
	.hidden	\name
	.type	\name, @function
	.endm

	/* The frame, with the argument registers saved. */
	.macro SAVE_ARGS
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	subq	$FRAME, %rsp
	movq	%rdi, SAVE_GPR+0(%rsp)
	movq	%rsi, SAVE_GPR+8(%rsp)
	movq	%rdx, SAVE_GPR+16(%rsp)
	movq	%rcx, SAVE_GPR+24(%rsp)
	movq	%r8, SAVE_GPR+32(%rsp)
	movq	%r9, SAVE_GPR+40(%rsp)
	movaps	%xmm0, SAVE_XMM+0*16(%rsp)
	movaps	%xmm1, SAVE_XMM+1*16(%rsp)
	movaps	%xmm2, SAVE_XMM+2*16(%rsp)
	movaps	%xmm3, SAVE_XMM+3*16(%rsp)
	movaps	%xmm4, SAVE_XMM+4*16(%rsp)
	movaps	%xmm5, SAVE_XMM+5*16(%rsp)
	movaps	%xmm6, SAVE_XMM+6*16(%rsp)
	movaps	%xmm7, SAVE_XMM+7*16(%rsp)
	.endm

	.p2align 4
	ENTRY ffix_sysv_closure_slot
ffix_sysv_closure_slot:
	.cfi_startproc
	ENDBR
	movq	FFIX_SLOT_CLOSURE(%r10), %r10
	jmp	1f
	.cfi_endproc

	.p2align 4
	ENTRY ffix_sysv_closure
ffix_sysv_closure:
	.cfi_startproc
	ENDBR
1:	SAVE_ARGS
	/* ffi_closure: tramp[32], cif, fun, user_data */
	movq	32(%r10), %rdi
	movq	40(%r10), %rsi
	movq	48(%r10), %rdx
	jmp	.Linner
	.cfi_endproc

	.p2align 4
	ENTRY ffix_sysv_go_closure
ffix_sysv_go_closure:
	.cfi_startproc
	ENDBR
	SAVE_ARGS
	/* ffi_go_closure: tramp, cif, fun; the closure is the user data */
	movq	8(%r10), %rdi
	movq	16(%r10), %rsi
	movq	%r10, %rdx
.Linner:
	movq	%rsp, %rcx
	leaq	16(%rbp), %r8
	leaq	RESULT(%rsp), %r9
	call	ffix_sysv_closure_inner
	leaq	.Lret_table(%rip), %r11
	movslq	(%r11,%rax,4), %rax
	addq	%r11, %rax
	jmp	*%rax

	.macro RET_OP name
	.p2align 3
.Lret_\name:
	ENDBR
	.endm
	.macro DONE
	.cfi_remember_state
	leave
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_restore_state
	.endm

	RET_OP void
	DONE
	RET_OP sint8
	movsbq	RESULT(%rsp), %rax
	DONE
	RET_OP uint8
	movzbl	RESULT(%rsp), %eax
	DONE
	RET_OP sint16
	movswq	RESULT(%rsp), %rax
	DONE
	RET_OP uint16
	movzwl	RESULT(%rsp), %eax
	DONE
	RET_OP sint32
	movslq	RESULT(%rsp), %rax
	DONE
	RET_OP uint32
	movl	RESULT(%rsp), %eax
	DONE
	RET_OP rax
	movq	RESULT(%rsp), %rax
	DONE
	RET_OP float
	movss	RESULT(%rsp), %xmm0
	DONE
	RET_OP xmm0
	movsd	RESULT(%rsp), %xmm0
	DONE
	RET_OP x87
	fldt	RESULT(%rsp)
	DONE
	RET_OP x87_2
	fldt	RESULT+16(%rsp)
	fldt	RESULT(%rsp)
	DONE
	RET_OP rax_rdx
	movq	RESULT(%rsp), %rax
	movq	RESULT+8(%rsp), %rdx
	DONE
	RET_OP rax_xmm0
	movq	RESULT(%rsp), %rax
	movsd	RESULT+8(%rsp), %xmm0
	DONE
	RET_OP xmm0_rax
	movsd	RESULT(%rsp), %xmm0
	movq	RESULT+8(%rsp), %rax
	DONE
	RET_OP xmm0_xmm1
	movsd	RESULT(%rsp), %xmm0
	movsd	RESULT+8(%rsp), %xmm1
	DONE
	RET_OP xmm0_full
	movups	RESULT(%rsp), %xmm0
	DONE
	RET_OP memory
	movq	SAVE_GPR(%rsp), %rax	/* the hidden pointer, as the psABI asks */
	DONE
	.cfi_endproc
	.size	ffix_sysv_go_closure, . - ffix_sysv_go_closure

	.section .rodata
	.p2align 2
.Lret_table:
	.irp k, void, sint8, uint8, sint16, uint16, sint32, uint32, rax, float, xmm0, x87, x87_2
	.long	.Lret_\k - .Lret_table
	.endr
	.irp k, rax_rdx, rax_xmm0, xmm0_rax, xmm0_xmm1, xmm0_full
	.long	.Lret_\k - .Lret_table
	.endr
	/* PART kinds never reach a closure; RET_MEMORY is last.  */
	.irp k, rax, xmm0, rax_rdx, rax_xmm0, xmm0_rax, xmm0_xmm1, memory
	.long	.Lret_\k - .Lret_table
	.endr
	.if (. - .Lret_table) != 4 * (RET_MEMORY + 1)
	.error "closure return table does not match the RET_ kinds"
	.endif

#include "../../src/asm_notes.h"
