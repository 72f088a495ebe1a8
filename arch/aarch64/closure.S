/* closure.S -- closures for AAPCS64.

   ffix_a64_closure        x17 = the ffi_closure (from a legacy trampoline,
                           or a static one whose plan has no entry of its own)
   ffix_a64_go_closure     x18 = the ffi_go_closure (the static chain)

   Both find the cif's plan and go on to the plan's closure code: a
   variant of the generic code below, or a whole-closure stub (shapes.S)
   for the smallest signatures.  A static trampoline usually skips them:
   its slot holds the plan's own slot entry (Plan::slot_entry), the same
   code entered from x17 without a lookup.

   The generic code saves the argument registers its signature uses
   (x0-x8, q0-q7), builds the avalue array from the plan's Locate table
   (plan.h: each argument is at an offset from fp, in the save area or
   the caller's stack arguments, or its address is there, or it is an HFA
   gathered from separate v registers), calls the user's function
       fun(cif, rvalue, avalue, user_data)
   and loads its result into the return registers as the plan says.

   Frame, from fp up (a64_asm.h): the frame record, fun and user data,
   the save area, the result buffer, the result handler; below fp,
   avalue[nargs] (room for a multiple of 4) and the gathered HFAs
   (A64_PLAN_BELOW bytes).  */

#include "asm.h"
#include "a64_asm.h"

#define SAVE A64_CL_SAVE
#define RESULT A64_CL_RESULT
#define HANDLER A64_CL_HANDLER

	.text

	FUNC	ffix_a64_closure
	.p2align 4
ffix_a64_closure:
	.cfi_startproc
	BTI_C
	ldr	x9, [x17, #FFIX_CLOSURE_CIF]
	ldp	x10, x11, [x17, #FFIX_CLOSURE_FUN]
	/* Here: x9 = cif, x10 = fun, x11 = user data, every argument register
	   as the caller left it.  On to the plan's closure code (the generic
	   code below, or a whole-closure stub in shapes.S), x14 = the plan.  */
.Ldispatch:
	PLAN_OF	x9, 12, 13, 14, 14, 1f
	ldr	x16, [x14, #A64_PLAN_CLOSURE_ENTRY]
	br	x16
1:	bl	ffix_bad_cif
	.cfi_endproc
	ENDFUNC	ffix_a64_closure

	FUNC	ffix_a64_go_closure
	.p2align 4
ffix_a64_go_closure:
	.cfi_startproc
	BTI_C
	/* The closure itself is the user data.  */
	ldr	x9, [x18, #FFIX_GO_CLOSURE_CIF]
	ldr	x10, [x18, #FFIX_GO_CLOSURE_FUN]
	mov	x11, x18
	b	.Ldispatch
	.cfi_endproc
	ENDFUNC	ffix_a64_go_closure

/* The generic closure code, in variants by what the signature uses
   (build_plan.cc picks one for the plan): X saves x0-x8, V saves q0-q7,
   PLAIN makes avalue four entries at a time (every Locate an offset from
   fp: fp plus the offsets of four Locates, ld2 taking their first words;
   the plan pads the Locate array and avalue's room to a multiple of
   four).  Each variant has two entries: from the dispatch above (x9-x11
   and x14 set), and from a static trampoline, with x17 = the closure,
   whose word 1 holds the plan (ffi_prep_closure_loc puts it there), so
   that such a closure never looks its plan up.  All go on to .Lbody, or
   to .Lcall once avalue is made, with the frame set up (x29 = fp).  */
	.macro GENERIC x, v, plain
	.p2align 4
generic_\x\v\plain:
	.cfi_startproc
	BTI_J
	b	1f
slot_generic_\x\v\plain:
	BTI_C
	ldr	x9, [x17, #FFIX_CLOSURE_CIF]
	ldp	x10, x11, [x17, #FFIX_CLOSURE_FUN]
	ldr	x14, [x17, #FFIX_CLOSURE_PLAN]
1:	SIGN_LR
	stp	x29, x30, [sp, #-A64_CL_FRAME]!
	.cfi_def_cfa_offset A64_CL_FRAME
	.cfi_offset x29, -A64_CL_FRAME
	.cfi_offset x30, -A64_CL_FRAME + 8
	mov	x29, sp
	.cfi_def_cfa x29, A64_CL_FRAME
	stp	x10, x11, [x29, #A64_CL_FUN]
	.if \x
	stp	x0, x1, [x29, #SAVE + A64_SAVE_X + 0]
	stp	x2, x3, [x29, #SAVE + A64_SAVE_X + 16]
	stp	x4, x5, [x29, #SAVE + A64_SAVE_X + 32]
	stp	x6, x7, [x29, #SAVE + A64_SAVE_X + 48]
	str	x8, [x29, #SAVE + A64_SAVE_X + 64]
	.endif
	.if \v
	add	x12, x29, #SAVE + A64_SAVE_V
	stp	q0, q1, [x12]
	stp	q2, q3, [x12, #32]
	stp	q4, q5, [x12, #64]
	stp	q6, q7, [x12, #96]
	.endif
	ldr	x12, [x14, #A64_PLAN_CLOSURE_HANDLER]
	str	x12, [x29, #HANDLER]
	ldp	w15, w12, [x14, #A64_PLAN_NARGS]	/* nargs, bytes below fp */
	sub	sp, sp, x12
	mov	x6, sp				/* avalue */
	ldp	w12, w13, [x14, #A64_PLAN_LOCATE]	/* the Locate array, Gather records */
	add	x7, x14, x12
	.if \plain
	dup	v17.2d, x29
	mov	x5, x6
2:	ld2	{v18.4s, v19.4s}, [x7], #32
	uaddw	v20.2d, v17.2d, v18.2s
	uaddw2	v21.2d, v17.2d, v18.4s
	stp	q20, q21, [x5], #32
	subs	w15, w15, #4
	b.gt	2b
	b	.Lcall
	.else
	b	.Lbody
	.endif
	.cfi_endproc
	.endm

	.text
	GENERIC 0, 0, 0
	GENERIC 0, 0, 1
	GENERIC 0, 1, 0
	GENERIC 0, 1, 1
	GENERIC 1, 0, 0
	GENERIC 1, 0, 1
	GENERIC 1, 1, 0
	GENERIC 1, 1, 1

/* What the variants share, in the frame they made (the CFI says so from
   the first instruction on).  x4-x7, x12-x16 scratch.  */
	.p2align 4
	.cfi_startproc
	.cfi_def_cfa x29, A64_CL_FRAME
	.cfi_offset x29, -A64_CL_FRAME
	.cfi_offset x30, -A64_CL_FRAME + 8
	.cfi_negate_ra_state
.Lbody:
	cbnz	w13, .Lgather
.Llocate:
	cbz	w15, .Lcall
	mov	x5, x6
1:	ldr	w13, [x7], #8
	tbnz	w13, #A64_LOC_SPECIAL_BIT, .Lspecial
	add	x16, x29, x13
2:	str	x16, [x5], #8
	subs	w15, w15, #1
	b.ne	1b
.Lcall:
	/* fun(cif, rvalue, avalue, user_data); a result in memory is written
	   where the caller's x8 points (x8 is untouched so far).  */
	ldrb	w12, [x14, #A64_PLAN_CLOSURE_RET]
	add	x1, x29, #RESULT
	cmp	w12, #A64_RET_MEMORY
	csel	x1, x8, x1, eq
	mov	x0, x9
	mov	x2, x6
	ldp	x16, x3, [x29, #A64_CL_FUN]
	blr	x16
	ldr	x16, [x29, #HANDLER]
	br	x16

/* A Locate that is not an offset from fp: the address of the argument is
   in the slot at that offset (a composite passed by reference), or the
   argument is in the gathered area (x4).  */
.Lspecial:
	and	w12, w13, #A64_LOC_OFFSET_MASK
	tbz	w13, #A64_LOC_INDIRECT_BIT, 3f
	ldr	x16, [x29, x12]
	b	2b
3:	add	x16, x4, x12
	b	2b

/* HFAs and HVAs whose members arrived in separate v registers: each
   member's low bytes copied side by side (w13 Gather records after the
   Locate array) into the gathered area, 64 bytes per record, after
   avalue.  */
.Lgather:
	lsl	x12, x15, #3
	add	x12, x12, #31
	and	x12, x12, #~31
	add	x4, sp, x12			/* the gathered area */
	add	x12, x7, x15, lsl #3		/* the Gather records */
4:	ldp	w0, w1, [x12]			/* from, to */
	ldrh	w2, [x12, #8]			/* count */
	ldrh	w3, [x12, #10]			/* member size */
	add	x0, x29, x0
	add	x0, x0, #SAVE
	add	x1, x4, x1
5:	ldr	q16, [x0], #16
	cmp	w3, #8
	b.lo	6f
	b.eq	7f
	str	q16, [x1]
	b	8f
6:	str	s16, [x1]
	b	8f
7:	str	d16, [x1]
8:	add	x1, x1, x3
	subs	w2, w2, #1
	b.ne	5b
	add	x12, x12, #16
	subs	w13, w13, #1
	b.ne	4b
	b	.Llocate

	.macro RET_OP name
	.p2align 3
.Lret_\name:
	BTI_J
	.endm
	.macro DONE
	.cfi_remember_state
	mov	sp, x29
	ldp	x29, x30, [sp], #A64_CL_FRAME
	.cfi_restore x29
	.cfi_restore x30
	.cfi_def_cfa sp, 0
	AUTH_LR
	ret
	.cfi_restore_state
	.endm

	RET_OP void
	DONE
	RET_OP sint8
	ldrsb	x0, [x29, #RESULT]
	DONE
	RET_OP uint8
	ldrb	w0, [x29, #RESULT]
	DONE
	RET_OP sint16
	ldrsh	x0, [x29, #RESULT]
	DONE
	RET_OP uint16
	ldrh	w0, [x29, #RESULT]
	DONE
	RET_OP sint32
	ldrsw	x0, [x29, #RESULT]
	DONE
	RET_OP uint32
	ldr	w0, [x29, #RESULT]
	DONE
	RET_OP x0
	ldr	x0, [x29, #RESULT]
	DONE
	RET_OP x0_x1
	ldp	x0, x1, [x29, #RESULT]
	DONE
	.irp n, 1, 2, 3, 4
	RET_OP s\n
	VREGS	ldr, ldp, s, 4, \n, x29, RESULT
	DONE
	RET_OP d\n
	VREGS	ldr, ldp, d, 8, \n, x29, RESULT
	DONE
	RET_OP q\n
	VREGS	ldr, ldp, q, 16, \n, x29, RESULT
	DONE
	.endr
	/* Written through x8 by fun already.  */
	RET_OP memory
	DONE
	.cfi_endproc

/* The result handlers by A64_RET_ kind, for build_plan.cc to put in
   plans.  A PART result never reaches a closure (build_plan.cc loads it
   as the whole of x0:x1).  */
	.macro RET_ITEM kind, name
	ITEM	ffix_a64_closure_rets, \kind, .Lret_\name
	.endm
/* The variants, [x][v][plain], from the dispatch and from a slot.  */
	TABLE	ffix_a64_closure_generics
	.irp x, 0, 1
	.irp v, 0, 1
	.irp p, 0, 1
	ITEM	ffix_a64_closure_generics, \x * 4 + \v * 2 + \p, generic_\x\v\p
	.endr
	.endr
	.endr
	ENDTABLE ffix_a64_closure_generics, 8
	TABLE	ffix_a64_closure_slot_generics
	.irp x, 0, 1
	.irp v, 0, 1
	.irp p, 0, 1
	ITEM	ffix_a64_closure_slot_generics, \x * 4 + \v * 2 + \p, slot_generic_\x\v\p
	.endr
	.endr
	.endr
	ENDTABLE ffix_a64_closure_slot_generics, 8

	TABLE	ffix_a64_closure_rets
	RET_ITEM A64_RET_VOID, void
	RET_ITEM A64_RET_SINT8, sint8
	RET_ITEM A64_RET_UINT8, uint8
	RET_ITEM A64_RET_SINT16, sint16
	RET_ITEM A64_RET_UINT16, uint16
	RET_ITEM A64_RET_SINT32, sint32
	RET_ITEM A64_RET_UINT32, uint32
	RET_ITEM A64_RET_X0, x0
	RET_ITEM A64_RET_X0_X1, x0_x1
	RET_ITEM A64_RET_PART, x0_x1
	RET_ITEM A64_RET_S1, s1
	RET_ITEM (A64_RET_S1 + 1), s2
	RET_ITEM (A64_RET_S1 + 2), s3
	RET_ITEM (A64_RET_S1 + 3), s4
	RET_ITEM A64_RET_D1, d1
	RET_ITEM (A64_RET_D1 + 1), d2
	RET_ITEM (A64_RET_D1 + 2), d3
	RET_ITEM (A64_RET_D1 + 3), d4
	RET_ITEM A64_RET_Q1, q1
	RET_ITEM (A64_RET_Q1 + 1), q2
	RET_ITEM (A64_RET_Q1 + 2), q3
	RET_ITEM (A64_RET_Q1 + 3), q4
	RET_ITEM A64_RET_MEMORY, memory
	ENDTABLE ffix_a64_closure_rets, A64_RET_KINDS

#include "asm_notes.h"
