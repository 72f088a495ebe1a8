/* entry.S -- ffi_call and ffi_call_plan_invoke on x86-64: find the plan
   and jump to its invoke, which takes the same arguments with the plan in
   place of the cif (and r8, the static chain for ffi_call_go, left as it
   is: only Go closures read it).  The C++ equivalents are plan_at() and
   Plan::invoke; this is them without a register to spare.  */

#include "../../src/ffix_asm.h"

	.text

	.globl	ffi_call
	.type	ffi_call, @function
	.p2align 4
ffi_call:
	.cfi_startproc
	endbr64
	movl	FFIX_CIF_FLAGS(%rdi), %eax
	cmpl	ffix_plan_capacity(%rip), %eax
	jae	1f
	movq	ffix_plan_table(%rip), %rdi
	movq	(%rdi,%rax,8), %rdi
	testq	%rdi, %rdi
	jz	1f
	jmp	*FFIX_PLAN_INVOKE(%rdi)
1:	call	ffix_bad_cif
	.cfi_endproc
	.size	ffi_call, . - ffi_call

	.globl	ffi_call_plan_invoke
	.type	ffi_call_plan_invoke, @function
	.p2align 4
ffi_call_plan_invoke:
	.cfi_startproc
	endbr64
	movq	(%rdi), %rdi		/* struct ffi_call_plan { const Plan *plan; } */
	testq	%rdi, %rdi
	jz	1f
	jmp	*FFIX_PLAN_INVOKE(%rdi)
1:	call	ffix_bad_cif
	.cfi_endproc
	.size	ffi_call_plan_invoke, . - ffi_call_plan_invoke

#include "../../src/asm_notes.h"
