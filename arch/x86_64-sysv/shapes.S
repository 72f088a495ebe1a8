/* shapes.S -- whole-call and whole-closure stubs for the smallest
   signatures.

   A plan whose signature is at most two arguments, each an int, unsigned,
   64-bit integer or pointer, double or float, returning one of those or
   void, and not variadic, is invoked by one of these stubs directly
   (build_plan.cc picks it): the loads, the call and the store are all in
   one place, with no step to dispatch.  Everything else runs the plan's
   steps (invoke.S).  Same arguments as ffix_sysv_invoke.

   The closure stubs do the same for closures of those signatures, as the
   entry of their static trampolines (ClosurePart::slot_entry): from
   r10 = the data slot they store the one or two argument registers,
   point avalue at them, call
       fun(cif, rvalue, avalue, user_data)
   and load the result, saving nothing else and never looking the plan
   up.  Closures in the program's own memory and Go closures keep the
   generic entries (closure.S).

   The kinds (SYSV_SHAPE_*, sysv_asm.h) index the tables at the end:
   ffix_sysv_shapes[result][first][second] and ffix_sysv_closure_shapes.  */

#include "../x86_64/asm.h"
#include "../../src/tramp.h"
#include "sysv_asm.h"

#define S32 SYSV_SHAPE_SINT32
#define U32 SYSV_SHAPE_UINT32
#define WORD SYSV_SHAPE_WORD
#define DBL SYSV_SHAPE_DOUBLE
#define FLT SYSV_SHAPE_FLOAT
#define NONE SYSV_SHAPE_NONE
#define RETS SYSV_SHAPE_RET_VOID, SYSV_SHAPE_RET_SINT32, SYSV_SHAPE_RET_UINT32, \
  SYSV_SHAPE_RET_WORD, SYSV_SHAPE_RET_DOUBLE, SYSV_SHAPE_RET_FLOAT

	.text

	/* Load argument N (avalue in rcx) of KIND into the register it takes,
	   given how many GPRs and XMM registers earlier arguments took.  */
	.macro LOAD n, kind, gpr, xmm
	.if \kind != NONE
	movq	8*\n(%rcx), %rax
	.endif
	.if \kind == S32
	  .if \gpr == 0
	  movslq (%rax), %rdi
	  .else
	  movslq (%rax), %rsi
	  .endif
	.elseif \kind == U32
	  .if \gpr == 0
	  movl (%rax), %edi
	  .else
	  movl (%rax), %esi
	  .endif
	.elseif \kind == WORD
	  .if \gpr == 0
	  movq (%rax), %rdi
	  .else
	  movq (%rax), %rsi
	  .endif
	.elseif \kind == DBL
	  .if \xmm == 0
	  movsd (%rax), %xmm0
	  .else
	  movsd (%rax), %xmm1
	  .endif
	.elseif \kind == FLT
	  .if \xmm == 0
	  movss (%rax), %xmm0
	  .else
	  movss (%rax), %xmm1
	  .endif
	.endif
	.endm

	.macro STORE ret
	.if \ret == SYSV_SHAPE_RET_SINT32
	movslq	%eax, %rax
	movq	%rax, (%rcx)
	.elseif \ret == SYSV_SHAPE_RET_UINT32
	movl	%eax, %eax
	movq	%rax, (%rcx)
	.elseif \ret == SYSV_SHAPE_RET_WORD
	movq	%rax, (%rcx)
	.elseif \ret == SYSV_SHAPE_RET_DOUBLE
	movsd	%xmm0, (%rcx)
	.elseif \ret == SYSV_SHAPE_RET_FLOAT
	movss	%xmm0, (%rcx)
	.endif
	.endm

	/* Whether an argument of KIND takes a GPR, or an XMM register.  */
#define IN_GPR(kind) ((kind) == S32 || (kind) == U32 || (kind) == WORD)
#define IN_XMM(kind) ((kind) == DBL || (kind) == FLT)

	/* Call fn (in register FN) and store the result of kind RET through
	   the rvalue pushed at entry; a void call just jumps, so that the
	   callee returns straight to ffi_call's caller (the stack is as that
	   caller left it, so its alignment is a call's).  */
	.macro FINISH ret, fn
	.if \ret == SYSV_SHAPE_RET_VOID
	jmp	*%\fn
	.else
	call	*%\fn
	popq	%rcx
	.cfi_adjust_cfa_offset -8
	testq	%rcx, %rcx
	jz	1f
	STORE	\ret
1:	ret
	.endif
	.endm

	/* fn stays in rsi unless a second GPR argument needs it.  The chain
	   register is left alone: ffi_call_go takes the backend's invoke,
	   never these (backend.h).  */
#define FN_IN_R11(k0, k1) (IN_GPR(k0) && IN_GPR(k1))
	.macro STUB ret, k0, k1
	.p2align 4
shape_\ret\()_\k0\()_\k1:
	.cfi_startproc
	ENDBR
	.if \ret != SYSV_SHAPE_RET_VOID
	pushq	%rdx			/* rvalue; keeps rsp 16-aligned for the call */
	.cfi_adjust_cfa_offset 8
	.endif
	.if FN_IN_R11(\k0, \k1)
	movq	%rsi, %r11
	.endif
	LOAD	0, \k0, 0, 0
	LOAD	1, \k1, IN_GPR(\k0), IN_XMM(\k0)
	.if FN_IN_R11(\k0, \k1)
	FINISH	\ret, r11
	.else
	FINISH	\ret, rsi
	.endif
	.cfi_endproc
	.endm

/* ---- whole-call stubs for three to six 64-bit integer or pointer
   arguments (any result kind above): avalue[i] straight into the i-th
   GPR.  rcx is an argument register itself, so avalue moves to rax.  */
	.macro WORD_LOAD i, reg
	movq	8*\i(%rax), %\reg
	movq	(%\reg), %\reg
	.endm

	.macro WORDS_STUB ret, n
	.p2align 4
words_\ret\()_\n:
	.cfi_startproc
	ENDBR
	.if \ret != SYSV_SHAPE_RET_VOID
	pushq	%rdx			/* rvalue; keeps rsp 16-aligned for the call */
	.cfi_adjust_cfa_offset 8
	.endif
	movq	%rsi, %r11
	movq	%rcx, %rax
	WORD_LOAD 0, rdi
	WORD_LOAD 1, rsi
	WORD_LOAD 2, rdx
	.if \n > 4
	WORD_LOAD 4, r8
	.endif
	.if \n > 5
	WORD_LOAD 5, r9
	.endif
	.if \n > 3
	WORD_LOAD 3, rcx
	.endif
	FINISH	\ret, r11
	.cfi_endproc
	.endm

	.irp r, RETS
	.irp n, 3, 4, 5, 6
	WORDS_STUB \r, \n
	.endr
	.endr

/* ---- closure stubs.  Frame: avalue[0] and [1] at rsp+0 and +8, the
   arguments' values at +16 and +24, the result at +32 (an ffi_arg or a
   double); 40 bytes keep rsp 16-aligned for the call.  */
#define CL_FRAME 40
#define CL_VALUES 16
#define CL_RESULT 32

	/* Store argument N from the register it came in (given how many
	   GPRs and XMM registers earlier arguments took) and point avalue[N]
	   at it.  Eight bytes each: a 4-byte value is the low half.  */
	.macro SAVE n, kind, gpr, xmm
	.if \kind != NONE
	  .if IN_GPR(\kind)
	    .if \gpr == 0
	    movq %rdi, CL_VALUES+8*\n(%rsp)
	    .else
	    movq %rsi, CL_VALUES+8*\n(%rsp)
	    .endif
	  .else
	    .if \xmm == 0
	    movq %xmm0, CL_VALUES+8*\n(%rsp)
	    .else
	    movq %xmm1, CL_VALUES+8*\n(%rsp)
	    .endif
	  .endif
	leaq	CL_VALUES+8*\n(%rsp), %rax
	movq	%rax, 8*\n(%rsp)
	.endif
	.endm

	/* The result the user's function wrote, into its return register.  */
	.macro RESULT ret
	.if \ret == SYSV_SHAPE_RET_SINT32
	movslq	CL_RESULT(%rsp), %rax
	.elseif \ret == SYSV_SHAPE_RET_UINT32
	movl	CL_RESULT(%rsp), %eax
	.elseif \ret == SYSV_SHAPE_RET_WORD
	movq	CL_RESULT(%rsp), %rax
	.elseif \ret == SYSV_SHAPE_RET_DOUBLE
	movsd	CL_RESULT(%rsp), %xmm0
	.elseif \ret == SYSV_SHAPE_RET_FLOAT
	movss	CL_RESULT(%rsp), %xmm0
	.endif
	.endm

	.macro CLOSURE_STUB ret, k0, k1
	.p2align 4
closure_shape_\ret\()_\k0\()_\k1:
	.cfi_startproc
	ENDBR
	subq	$CL_FRAME, %rsp
	.cfi_adjust_cfa_offset CL_FRAME
	movq	FFIX_SLOT_CLOSURE(%r10), %r10	/* the ffi_closure */
	SAVE	0, \k0, 0, 0
	SAVE	1, \k1, IN_GPR(\k0), IN_XMM(\k0)
	movq	FFIX_CLOSURE_CIF(%r10), %rdi
	leaq	CL_RESULT(%rsp), %rsi
	movq	%rsp, %rdx
	movq	FFIX_CLOSURE_USER_DATA(%r10), %rcx
	call	*FFIX_CLOSURE_FUN(%r10)
	RESULT	\ret
	addq	$CL_FRAME, %rsp
	.cfi_adjust_cfa_offset -CL_FRAME
	ret
	.cfi_endproc
	.endm

	/* Every (result, first, second) combination that can occur: a
	   second argument only after a first.  */
	.macro STUBS_FOR ret
	.irp a, S32, U32, WORD, DBL, FLT
	.irp b, S32, U32, WORD, DBL, FLT, NONE
	STUB \ret, \a, \b
	CLOSURE_STUB \ret, \a, \b
	.endr
	.endr
	STUB \ret, NONE, NONE
	CLOSURE_STUB \ret, NONE, NONE
	.endm

	.irp r, RETS
	STUBS_FOR \r
	.endr

	/* (A separate macro: within .irp in a macro, \() would go at the
	   macro's expansion, before .irp's names are replaced.)  */
	.macro SHAPE_ITEM prefix, ret, a, b
	.quad	\prefix\()_\ret\()_\a\()_\b
	.endm
	.macro ROWS_FOR table, prefix, ret
	.irp a, S32, U32, WORD, DBL, FLT
	AT	\table, ((((\ret) * SYSV_SHAPE_KINDS) + (\a)) * SYSV_SHAPE_KINDS)
	.irp b, S32, U32, WORD, DBL, FLT, NONE
	SHAPE_ITEM \prefix, \ret, \a, \b
	.endr
	.endr
	AT	\table, ((((\ret) * SYSV_SHAPE_KINDS) + NONE) * SYSV_SHAPE_KINDS)
	.rept	NONE
	.quad	0
	.endr
	SHAPE_ITEM \prefix, \ret, NONE, NONE
	.endm

/* ffix_sysv_shapes[result][first][second] and ffix_sysv_closure_shapes;
   NULL where no stub exists.  */
	TABLE	ffix_sysv_shapes
	.irp r, RETS
	ROWS_FOR ffix_sysv_shapes, shape, \r
	.endr
	ENDTABLE ffix_sysv_shapes, (SYSV_SHAPE_RETS * SYSV_SHAPE_KINDS * SYSV_SHAPE_KINDS)

	.macro WORDS_ROW ret
	AT	ffix_sysv_word_shapes, ((\ret) * (SYSV_SHAPE_MAX_WORDS + 1))
	.quad	0, 0, 0
	.quad	words_\ret\()_3, words_\ret\()_4, words_\ret\()_5, words_\ret\()_6
	.endm
/* ffix_sysv_word_shapes[result][n]: n 64-bit arguments; NULL below 3 (the
   table above has those).  */
	TABLE	ffix_sysv_word_shapes
	.irp r, RETS
	WORDS_ROW \r
	.endr
	ENDTABLE ffix_sysv_word_shapes, (SYSV_SHAPE_RETS * (SYSV_SHAPE_MAX_WORDS + 1))

	TABLE	ffix_sysv_closure_shapes
	.irp r, RETS
	ROWS_FOR ffix_sysv_closure_shapes, closure_shape, \r
	.endr
	ENDTABLE ffix_sysv_closure_shapes, (SYSV_SHAPE_RETS * SYSV_SHAPE_KINDS * SYSV_SHAPE_KINDS)

#include "../x86_64/asm_notes.h"
