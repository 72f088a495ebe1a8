/* shapes.S -- whole-call and whole-closure stubs for the smallest
   signatures.

   A plan whose signature is at most two arguments, each an int, unsigned,
   64-bit integer or pointer, double or float, returning one of those,
   void or a composite through x8, is invoked by one of these stubs
   directly (build_plan.cc picks it): the loads, the call and the store
   in one place, with no step to dispatch.  Everything else runs the
   plan's steps (invoke.S).  Same arguments as ffix_a64_invoke.

   The call stubs leave x18 alone: ffi_call_go takes the backend's
   invoke, never these.

   The closure stubs do the same for closures of those signatures: from
   closure.S's dispatch (x9 = cif, x10 = fun, x11 = user data, x14 = the
   plan, the argument registers as the caller left them) they save the
   one or two argument registers, point avalue at them (or, for a
   composite passed by reference, at the address the register holds), call
       fun(cif, rvalue, avalue, user_data)
   and load the result.  Each has a second entry, for the static
   trampolines of closures of its plan (Plan::slot_entry): from x17 = the
   ffi_closure it loads x9-x11 itself, so such a closure never looks its
   plan up.

   The kinds (A64_SHAPE_*, a64_asm.h) index the tables at the end:
   ffix_a64_shapes[result][first][second] and ffix_a64_closure_shapes,
   the result kind being 1 + the argument kind of the same type, or
   A64_SHAPE_RET_VOID.  */

#include "asm.h"
#include "a64_asm.h"

#define S32 A64_SHAPE_SINT32
#define U32 A64_SHAPE_UINT32
#define WORD A64_SHAPE_WORD
#define DBL A64_SHAPE_DOUBLE
#define FLT A64_SHAPE_FLOAT
#define REF A64_SHAPE_REF
#define NONE A64_SHAPE_NONE
#define MEM A64_SHAPE_RET_MEMORY
#define RETS 0, 1, 2, 3, 4, 5, 6

	.text

	/* Argument KIND from the address in xADDR into register number REG
	   of its class (x or v).  */
	.macro LOAD addr, kind, gpr, fpr
	.if \kind == S32
	ldrsw	x\gpr, [x\addr]
	.elseif \kind == U32
	ldr	w\gpr, [x\addr]
	.elseif \kind == WORD
	ldr	x\gpr, [x\addr]
	.elseif \kind == DBL
	ldr	d\fpr, [x\addr]
	.elseif \kind == FLT
	ldr	s\fpr, [x\addr]
	.endif
	.endm

	/* The result of kind RET (an argument kind + 1) to (x2).  */
	.macro STORE ret
	.if \ret == S32 + 1
	sxtw	x0, w0
	str	x0, [x2]
	.elseif \ret == U32 + 1
	mov	w0, w0
	str	x0, [x2]
	.elseif \ret == WORD + 1
	str	x0, [x2]
	.elseif \ret == DBL + 1
	str	d0, [x2]
	.elseif \ret == FLT + 1
	str	s0, [x2]
	.endif
	.endm

#define IN_GPR(kind) ((kind) == S32 || (kind) == U32 || (kind) == WORD || (kind) == REF)
#define IN_FPR(kind) ((kind) == DBL || (kind) == FLT)

	/* The arguments into their registers; x16 = fn unless x1 survives
	   the loads.  */
	.macro LOADS k0, k1
	.if IN_GPR(\k0) && IN_GPR(\k1)
	mov	x16, x1
	.endif
	.if \k1 != NONE
	ldp	x9, x10, [x3]
	.elseif \k0 != NONE
	ldr	x9, [x3]
	.endif
	LOAD	9, \k0, 0, 0
	/* The second takes the register after the first's, if of its class.  */
	.if IN_GPR(\k0)
	LOAD	10, \k1, 1, 0
	.elseif IN_FPR(\k0)
	LOAD	10, \k1, 0, 1
	.else
	LOAD	10, \k1, 0, 0
	.endif
	.endm

	/* Branch or call to fn.  */
	.macro GO op, k0, k1
	.if IN_GPR(\k0) && IN_GPR(\k1)
	\op	x16
	.else
	\op	x1
	.endif
	.endm

	.macro STUB ret, k0, k1
	.p2align 4
shape_\ret\()_\k0\()_\k1:
	.cfi_startproc
	BTI_C
	.if \ret == A64_SHAPE_RET_VOID
	/* Nothing to store afterwards: load and branch, so that the callee
	   returns straight to ffi_call's caller.  */
	LOADS	\k0, \k1
	GO	br, \k0, \k1
	.elseif \ret == MEM
	/* The callee writes the result through x8 and returns to ffi_call's
	   caller; with no rvalue, the steps find room for it.  */
	cbz	x2, ffix_a64_invoke
	mov	x8, x2
	LOADS	\k0, \k1
	GO	br, \k0, \k1
	.else
	/* rvalue and the (signed) return address are all the frame holds:
	   unwinding needs no frame record, only the CFI.  */
	SIGN_LR
	stp	x2, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset x30, -8
	LOADS	\k0, \k1
	GO	blr, \k0, \k1
	ldp	x2, x30, [sp], #16
	.cfi_restore x30
	.cfi_def_cfa_offset 0
	cbz	x2, 1f
	STORE	\ret
1:	AUTH_LR
	ret
	.endif
	.cfi_endproc
	.endm

	/* Every (result, first, second) combination that can occur: a
	   second argument only after a first, and no REF argument (a call
	   must copy it: the steps do).  */
	.macro STUBS_FOR ret
	.irp a, S32, U32, WORD, DBL, FLT
	.irp b, S32, U32, WORD, DBL, FLT, NONE
	STUB \ret, \a, \b
	.endr
	.endr
	STUB \ret, NONE, NONE
	.endm

	.irp r, RETS
	STUBS_FOR \r
	.endr

	/* The rows of TABLE for result RET: entry [RET][a][b] is the stub
	   PREFIX_RET_a_b, NULL where a is NONE but b is not, and where an
	   argument is REF unless WITH_REF.  */
	.macro SHAPE_ITEM prefix, ret, a, b, with_ref
	.if (\with_ref) || ((\a != REF) && (\b != REF))
	.quad	\prefix\()_\ret\()_\a\()_\b
	.else
	.quad	0
	.endif
	.endm
	.macro SHAPE_ROWS table, prefix, ret, with_ref
	.irp a, S32, U32, WORD, DBL, FLT, REF
	AT	\table, ((((\ret) * A64_SHAPE_KINDS) + (\a)) * A64_SHAPE_KINDS)
	.irp b, S32, U32, WORD, DBL, FLT, REF, NONE
	SHAPE_ITEM \prefix, \ret, \a, \b, \with_ref
	.endr
	.endr
	AT	\table, ((((\ret) * A64_SHAPE_KINDS) + NONE) * A64_SHAPE_KINDS)
	.rept	NONE
	.quad	0
	.endr
	SHAPE_ITEM \prefix, \ret, NONE, NONE, 1
	.endm

/* ffix_a64_shapes[result][first][second]; NULL where no stub exists.  */
	TABLE	ffix_a64_shapes
	.irp r, RETS
	SHAPE_ROWS ffix_a64_shapes, shape, \r, 0
	.endr
	ENDTABLE ffix_a64_shapes, (A64_SHAPE_RETS * A64_SHAPE_KINDS * A64_SHAPE_KINDS)

/* ---- whole-closure stubs.  Frame: the return address at 0; the two
   argument slots at 8 and 16; avalue at 32; the result at 48.  */

	/* The return address and the arguments of kinds K0 and K1 from their
	   registers: a value to its slot (argument 0 in x0 with the return
	   address: one stp), a REF's register (the address of the caller's
	   composite) straight to avalue.  The second argument takes register
	   1 of its class if the first was of that class too.  */
	.macro SAVES k0, k1
	SIGN_LR
	.if IN_GPR(\k0) && \k0 != REF
	stp	x30, x0, [sp, #-64]!
	.else
	str	x30, [sp, #-64]!
	.endif
	.cfi_def_cfa_offset 64
	.cfi_offset x30, -64
	.if \k0 == REF
	str	x0, [sp, #32]
	.elseif IN_FPR(\k0)
	str	d0, [sp, #8]
	.endif
	.if (IN_GPR(\k1) && IN_GPR(\k0)) || (IN_FPR(\k1) && IN_FPR(\k0))
	SAVE_SECOND \k1, 1
	.else
	SAVE_SECOND \k1, 0
	.endif
	.endm

	.macro SAVE_SECOND kind, reg
	.if \kind == REF
	str	x\reg, [sp, #40]
	.elseif IN_GPR(\kind)
	str	x\reg, [sp, #16]
	.elseif IN_FPR(\kind)
	str	d\reg, [sp, #16]
	.endif
	.endm

	/* avalue[N] for each argument saved in a slot.  */
	.macro AVALUE k0, k1
	.if \k0 != REF && \k0 != NONE && \k1 != REF && \k1 != NONE
	add	x12, sp, #8
	add	x13, sp, #16
	stp	x12, x13, [sp, #32]
	.else
	.if \k0 != REF && \k0 != NONE
	add	x12, sp, #8
	str	x12, [sp, #32]
	.endif
	.if \k1 != REF && \k1 != NONE
	add	x13, sp, #16
	str	x13, [sp, #40]
	.endif
	.endif
	.endm

	/* The result of kind RET from the result slot.  */
	.macro LOAD_RESULT ret
	.if \ret == S32 + 1
	ldrsw	x0, [sp, #48]
	.elseif \ret == U32 + 1
	ldr	w0, [sp, #48]
	.elseif \ret == WORD + 1
	ldr	x0, [sp, #48]
	.elseif \ret == DBL + 1
	ldr	d0, [sp, #48]
	.elseif \ret == FLT + 1
	ldr	s0, [sp, #48]
	.endif
	.endm

	/* Two entries: from closure.S's dispatch, then from a static
	   trampoline (the common one: it goes straight on).  Each saves the
	   arguments before x0 takes the cif.  */
	.macro CLOSURE_STUB ret, k0, k1
	.p2align 4
cshape_\ret\()_\k0\()_\k1:
	.cfi_startproc
	BTI_J
	.cfi_remember_state
	SAVES	\k0, \k1
	mov	x0, x9
	mov	x3, x11
	b	1f
	.cfi_restore_state
cshape_slot_\ret\()_\k0\()_\k1:
	BTI_C
	SAVES	\k0, \k1
	ldr	x0, [x17, #FFIX_CLOSURE_CIF]
	ldp	x10, x3, [x17, #FFIX_CLOSURE_FUN]
1:	AVALUE	\k0, \k1
	.if \ret == MEM
	mov	x1, x8			/* fun writes the result where the caller said */
	.else
	add	x1, sp, #48
	.endif
	add	x2, sp, #32
	blr	x10
	LOAD_RESULT \ret
	ldr	x30, [sp], #64
	.cfi_restore x30
	.cfi_def_cfa_offset 0
	AUTH_LR
	ret
	.cfi_endproc
	.endm

	.macro CLOSURE_STUBS_FOR ret
	.irp a, S32, U32, WORD, DBL, FLT, REF
	.irp b, S32, U32, WORD, DBL, FLT, REF, NONE
	CLOSURE_STUB \ret, \a, \b
	.endr
	.endr
	CLOSURE_STUB \ret, NONE, NONE
	.endm

	.text
	.irp r, RETS
	CLOSURE_STUBS_FOR \r
	.endr

/* ffix_a64_closure_shapes[result][first][second]; NULL where no stub exists.  */
	TABLE	ffix_a64_closure_shapes
	.irp r, RETS
	SHAPE_ROWS ffix_a64_closure_shapes, cshape, \r, 1
	.endr
	ENDTABLE ffix_a64_closure_shapes, (A64_SHAPE_RETS * A64_SHAPE_KINDS * A64_SHAPE_KINDS)

/* Their entries from a static trampoline, in the same order.  */
	TABLE	ffix_a64_closure_slot_shapes
	.irp r, RETS
	SHAPE_ROWS ffix_a64_closure_slot_shapes, cshape_slot, \r, 1
	.endr
	ENDTABLE ffix_a64_closure_slot_shapes, (A64_SHAPE_RETS * A64_SHAPE_KINDS * A64_SHAPE_KINDS)

#include "asm_notes.h"
