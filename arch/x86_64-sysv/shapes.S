/* shapes.S -- whole-call stubs for the smallest signatures.

   A plan whose signature is at most two arguments, each an int, unsigned,
   64-bit integer or pointer, double or float, returning one of those or
   void, and not variadic, is invoked by one of these stubs directly
   (build_plan.cc picks it): the loads, the call and the store are all in
   one place, with no step to dispatch.  Everything else runs the plan's
   steps (invoke.S).  Same arguments as ffix_sysv_invoke.

   Kinds, in table order: 0 sint32, 1 uint32, 2 word (64-bit), 3 double,
   4 float, 5 none.  Return kinds: 0 void, 1 sint32, 2 uint32, 3 word,
   4 double, 5 float.  */

#include "sysv_asm.h"

	.text

	/* Load argument N (avalue in rcx) of KIND into the register it takes,
	   given how many GPRs and XMM registers earlier arguments took.  */
	.macro LOAD n, kind, gpr, xmm
	.if \kind < 5
	movq	8*\n(%rcx), %rax
	.endif
	.if \kind == 0
	  .if \gpr == 0
	  movslq (%rax), %rdi
	  .else
	  movslq (%rax), %rsi
	  .endif
	.elseif \kind == 1
	  .if \gpr == 0
	  movl (%rax), %edi
	  .else
	  movl (%rax), %esi
	  .endif
	.elseif \kind == 2
	  .if \gpr == 0
	  movq (%rax), %rdi
	  .else
	  movq (%rax), %rsi
	  .endif
	.elseif \kind == 3
	  .if \xmm == 0
	  movsd (%rax), %xmm0
	  .else
	  movsd (%rax), %xmm1
	  .endif
	.elseif \kind == 4
	  .if \xmm == 0
	  movss (%rax), %xmm0
	  .else
	  movss (%rax), %xmm1
	  .endif
	.endif
	.endm

	.macro STORE ret
	.if \ret == 1
	movslq	%eax, %rax
	movq	%rax, (%rcx)
	.elseif \ret == 2
	movl	%eax, %eax
	movq	%rax, (%rcx)
	.elseif \ret == 3
	movq	%rax, (%rcx)
	.elseif \ret == 4
	movsd	%xmm0, (%rcx)
	.elseif \ret == 5
	movss	%xmm0, (%rcx)
	.endif
	.endm

	.macro STUB ret, k0, k1
	.p2align 4
shape_\ret\()_\k0\()_\k1:
	.cfi_startproc
	endbr64
	.if \ret == 0
	/* Nothing to store afterwards: load and jump, so that the callee
	   returns straight to ffi_call's caller (the stack is as that caller
	   left it, so its alignment is a call's).  */
	movq	%rsi, %r11
	LOAD	0, \k0, 0, 0
	LOAD	1, \k1, "(\k0 < 3)", "(\k0 >= 3 && \k0 < 5)"
	movq	%r8, %r10		/* the static chain, for ffi_call_go */
	jmp	*%r11
	.else
	pushq	%rdx			/* rvalue; keeps rsp 16-aligned for the call */
	.cfi_adjust_cfa_offset 8
	movq	%rsi, %r11
	LOAD	0, \k0, 0, 0
	LOAD	1, \k1, "(\k0 < 3)", "(\k0 >= 3 && \k0 < 5)"
	movq	%r8, %r10		/* the static chain, for ffi_call_go */
	call	*%r11
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	testq	%rcx, %rcx
	jz	1f
	STORE	\ret
1:	ret
	.endif
	.cfi_endproc
	.endm

	/* Every (return, first, second) combination that can occur: a second
	   argument only after a first.  */
	.macro STUBS_FOR ret
	.irp a, 0, 1, 2, 3, 4
	.irp b, 0, 1, 2, 3, 4, 5
	STUB \ret, \a, \b
	.endr
	.endr
	STUB \ret, 5, 5
	.endm

	STUBS_FOR 0
	STUBS_FOR 1
	STUBS_FOR 2
	STUBS_FOR 3
	STUBS_FOR 4
	STUBS_FOR 5

	.section .data.rel.ro,"aw"
	.p2align 3
	.globl	ffix_sysv_shapes
	.hidden	ffix_sysv_shapes

	.macro ENTRY ret, a, b
	.quad	shape_\ret\()_\a\()_\b
	.endm
	.macro ROWS_FOR ret
	.irp a, 0, 1, 2, 3, 4
	.irp b, 0, 1, 2, 3, 4, 5
	ENTRY \ret, \a, \b
	.endr
	.endr
	.quad	0, 0, 0, 0, 0
	ENTRY \ret, 5, 5
	.endm

/* ffix_sysv_shapes[ret][k0][k1]; NULL where no stub exists.  */
ffix_sysv_shapes:
	ROWS_FOR 0
	ROWS_FOR 1
	ROWS_FOR 2
	ROWS_FOR 3
	ROWS_FOR 4
	ROWS_FOR 5
	.if (. - ffix_sysv_shapes) != 8 * 6 * 6 * 6
	.error "ffix_sysv_shapes is not 6 x 6 x 6"
	.endif

#include "../../src/asm_notes.h"
