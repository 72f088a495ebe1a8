/* invoke.S -- the System V call: load the argument registers from the
   frame that call.cc filled, copy the stack arguments, call, and store the
   return value as the plan's return kind says.

   void ffix_sysv_invoke(void *frame,          rdi
                         const Header *plan,   rsi
                         void (*fn)(void),     rdx
                         void *rvalue,         rcx  (never NULL)
                         void *chain)          r8   (static chain: r10)  */

#include "sysv_asm.h"

#define ENDBR endbr64

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
	pushq	%rbx
	.cfi_offset %rbx, -24
	pushq	%r12
	.cfi_offset %r12, -32
	/* rsp is 16-aligned here; stack_bytes is a multiple of 16.  */
	movq	%rcx, %rbx
	movq	%rsi, %r12
	movq	%rdx, %r11
	movq	%r8, %r10
	movl	SYSV_PLAN_STACK_BYTES(%rsi), %ecx
	testl	%ecx, %ecx
	jnz	.Lcopy_stack
.Lload:
	movzbl	SYSV_PLAN_NSSE(%r12), %eax	/* %al: SSE registers used (variadic callees) */
	testl	%eax, %eax
	jz	.Lgprs
	movups	SYSV_FRAME_SSE+0*16(%rdi), %xmm0
	movups	SYSV_FRAME_SSE+1*16(%rdi), %xmm1
	movups	SYSV_FRAME_SSE+2*16(%rdi), %xmm2
	movups	SYSV_FRAME_SSE+3*16(%rdi), %xmm3
	movups	SYSV_FRAME_SSE+4*16(%rdi), %xmm4
	movups	SYSV_FRAME_SSE+5*16(%rdi), %xmm5
	movups	SYSV_FRAME_SSE+6*16(%rdi), %xmm6
	movups	SYSV_FRAME_SSE+7*16(%rdi), %xmm7
.Lgprs:
	movq	SYSV_FRAME_GPR+1*8(%rdi), %rsi
	movq	SYSV_FRAME_GPR+2*8(%rdi), %rdx
	movq	SYSV_FRAME_GPR+3*8(%rdi), %rcx
	movq	SYSV_FRAME_GPR+4*8(%rdi), %r8
	movq	SYSV_FRAME_GPR+5*8(%rdi), %r9
	movq	SYSV_FRAME_GPR+0*8(%rdi), %rdi
	call	*%r11
	movzbl	SYSV_PLAN_RET_KIND(%r12), %ecx
	leaq	.Lret_table(%rip), %r11
	movslq	(%r11,%rcx,4), %rcx
	addq	%r11, %rcx
	jmp	*%rcx

.Lcopy_stack:
	subq	%rcx, %rsp
	movq	%rdi, %rax
	leaq	SYSV_FRAME_STACK(%rdi), %rsi
	movq	%rsp, %rdi
	shrl	$3, %ecx
	rep movsq
	movq	%rax, %rdi
	jmp	.Lload

/* Return value handlers, in SYSV_RET_* order.  Each is an indirect branch
   target, hence the landing pad.  */
	.p2align 3
.Lret_void:
	ENDBR
	jmp	.Ldone
.Lret_sint8:
	ENDBR
	movsbq	%al, %rax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_uint8:
	ENDBR
	movzbl	%al, %eax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_sint16:
	ENDBR
	movswq	%ax, %rax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_uint16:
	ENDBR
	movzwl	%ax, %eax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_sint32:
	ENDBR
	movslq	%eax, %rax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_uint32:
	ENDBR
	movl	%eax, %eax
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_int64:
	ENDBR
	movq	%rax, (%rbx)
	jmp	.Ldone
.Lret_float:
	ENDBR
	movss	%xmm0, (%rbx)
	jmp	.Ldone
.Lret_double:
	ENDBR
	movsd	%xmm0, (%rbx)
	jmp	.Ldone
.Lret_x87:
	ENDBR
	fstpt	(%rbx)
	jmp	.Ldone
.Lret_x87_2:
	ENDBR
	fstpt	(%rbx)
	fstpt	16(%rbx)
	jmp	.Ldone
.Lret_rax_rdx:
	ENDBR
	movq	%rax, (%rbx)
	movq	%rdx, 8(%rbx)
	jmp	.Ldone
.Lret_rax_xmm0:
	ENDBR
	movq	%rax, (%rbx)
	movsd	%xmm0, 8(%rbx)
	jmp	.Ldone
.Lret_xmm0_rax:
	ENDBR
	movsd	%xmm0, (%rbx)
	movq	%rax, 8(%rbx)
	jmp	.Ldone
.Lret_xmm0_xmm1:
	ENDBR
	movsd	%xmm0, (%rbx)
	movsd	%xmm1, 8(%rbx)
	jmp	.Ldone
.Lret_xmm0_full:
	ENDBR
	movups	%xmm0, (%rbx)
.Ldone:
	leaq	-16(%rbp), %rsp
	popq	%r12
	.cfi_restore %r12
	popq	%rbx
	.cfi_restore %rbx
	popq	%rbp
	.cfi_restore %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size	ffix_sysv_invoke, .-ffix_sysv_invoke

	.section .rodata
	.p2align 2
.Lret_table:
	.long	.Lret_void - .Lret_table
	.long	.Lret_sint8 - .Lret_table
	.long	.Lret_uint8 - .Lret_table
	.long	.Lret_sint16 - .Lret_table
	.long	.Lret_uint16 - .Lret_table
	.long	.Lret_sint32 - .Lret_table
	.long	.Lret_uint32 - .Lret_table
	.long	.Lret_int64 - .Lret_table
	.long	.Lret_float - .Lret_table
	.long	.Lret_double - .Lret_table
	.long	.Lret_x87 - .Lret_table
	.long	.Lret_x87_2 - .Lret_table
	.long	.Lret_rax_rdx - .Lret_table
	.long	.Lret_rax_xmm0 - .Lret_table
	.long	.Lret_xmm0_rax - .Lret_table
	.long	.Lret_xmm0_xmm1 - .Lret_table
	.long	.Lret_xmm0_full - .Lret_table
.Lret_table_end:
	.if (.Lret_table_end - .Lret_table) != 4 * SYSV_RET_COUNT
	.error "return table does not match SYSV_RET_COUNT"
	.endif

#include "../../src/asm_notes.h"
