/* invoke.S -- ffi_call for AAPCS64: run a plan's steps.

   void ffix_a64_invoke(const Plan *plan,      x0
                        void (*fn)(void),      x1
                        void *rvalue,          x2  (may be NULL)
                        void **avalue,         x3
                        void *chain)           x4  (ignored)
   ffix_a64_invoke_regs: the same for register-only plans, in a smaller
   frame (below).  These two are plans' own invokes (ffi_call, call
   plans) and leave x18 alone; ffix_a64_invoke_go, the backend's
   (ffi_call_go), puts the static chain x4 there and goes on to the
   plan's own.

   The plan's steps are direct-threaded code (src/steps.h, plan.h): each
   is a handler address and operands, and each handler ends by branching
   to the next one.  While steps run:
     x9   the current step          x10  avalue
     x11-x17  scratch               x19  rvalue, x20 fn (callee-saved: they survive the call)
     x0-x7, v0-v7: being loaded with arguments
   Frame, from fp (a64_asm.h): the frame record, x19, x20, a PART
   result's size; below fp
   the copies of arguments passed by reference (A64_PLAN_COPIES bytes),
   then, when rvalue is NULL, room for the result, then the stack
   arguments at sp (A64_PLAN_FRAME bytes with the copies).  */

#include "asm.h"
#include "a64_asm.h"

/* The next step, N bytes on.  */
#define NEXT(n) ldr x16, [x9, #(n)]!; br x16
/* x11 = avalue[A], w12 = B.  */
#define ARG_AT ldp w11, w12, [x9, #STEP_A]; ldr x11, [x10, x11, lsl #3]

	.text
	FUNC	ffix_a64_invoke
	.p2align 4
ffix_a64_invoke:
	.cfi_startproc
	BTI_C
	SIGN_LR
	stp	x29, x30, [sp, #-A64_INV_FRAME]!
	.cfi_def_cfa_offset A64_INV_FRAME
	.cfi_offset x29, -A64_INV_FRAME
	.cfi_offset x30, -A64_INV_FRAME + 8
	mov	x29, sp
	.cfi_def_cfa x29, A64_INV_FRAME
	stp	x19, x20, [x29, #A64_INV_X19]
	.cfi_offset x19, -A64_INV_FRAME + A64_INV_X19
	.cfi_offset x20, -A64_INV_FRAME + A64_INV_X19 + 8
	mov	x20, x1
	mov	x19, x2
	mov	x10, x3
	ldr	w11, [x0, #A64_PLAN_FRAME]
	sub	sp, sp, x11
	cbz	x19, .Lno_rvalue
.Lsteps:
	add	x9, x0, #A64_PLAN_STEPS
	ldr	x16, [x9]
	br	x16
/* Room for the result between the copies and the stack arguments.  */
.Lno_rvalue:
	ldr	w12, [x0, #A64_PLAN_DISCARD]
	sub	sp, sp, x12
	ldr	w13, [x0, #A64_PLAN_COPIES]
	sub	x19, x29, x13
	sub	x19, x19, x12
	b	.Lsteps

/* Copy x14 bytes (more than 0) from x11 to x13, 16 at a time, then 8,
   then one by one; x15 and x17 scratch.  */
copy_bytes:
	subs	x14, x14, #16
	b.lo	2f
1:	ldp	x15, x17, [x11], #16
	stp	x15, x17, [x13], #16
	subs	x14, x14, #16
	b.hs	1b
2:	adds	x14, x14, #16
	b.eq	4f
	tbz	x14, #3, 3f
	ldr	x15, [x11], #8
	str	x15, [x13], #8
	subs	x14, x14, #8
	b.eq	4f
3:	ldrb	w15, [x11], #1
	strb	w15, [x13], #1
	subs	x14, x14, #1
	b.ne	3b
4:	ret

/* The copy a REF step names: x12 = fp - D, a copy of C bytes of
   avalue[A].  C is over 16 (only such composites go by reference,
   §6.8.2 B.4): 16 bytes at a time while more than 16 are left, then the
   last 16, overlapping, so that nothing past either end is touched.
   x11, x13-x15, q16 and q17 scratch.  */
	.macro COPY_REF
	ldr	w11, [x9, #STEP_A]
	ldr	x11, [x10, x11, lsl #3]
	ldp	w14, w12, [x9, #STEP_C]
	sub	x12, x29, x12
	add	x15, x11, x14
	ldur	q17, [x15, #-16]
	add	x15, x12, x14
	mov	x13, x12
1:	ldr	q16, [x11], #16
	str	q16, [x13], #16
	sub	x14, x14, #16
	cmp	x14, #16
	b.hi	1b
	stur	q17, [x15, #-16]
	.endm

/* ---- register steps: one handler per kind and register. */

	.macro GPR_OPS n
	.p2align 3
gpr_sint8_\n:	BTI_J; ARG_AT; ldrsb x\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_sint16_\n:	BTI_J; ARG_AT; ldrsh x\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_sint32_\n:	BTI_J; ARG_AT; ldrsw x\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_bytes1_\n:	BTI_J; ARG_AT; ldrb w\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_bytes2_\n:	BTI_J; ARG_AT; ldrh w\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_bytes3_\n:	BTI_J; ARG_AT; add x11, x11, x12; ldrh w\n, [x11]; ldrb w13, [x11, #2]
	orr	x\n, x\n, x13, lsl #16; NEXT(STEP_SIZE)
gpr_bytes4_\n:	BTI_J; ARG_AT; ldr w\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_bytes5_\n:	BTI_J; ARG_AT; add x11, x11, x12; ldr w\n, [x11]; ldrb w13, [x11, #4]
	orr	x\n, x\n, x13, lsl #32; NEXT(STEP_SIZE)
gpr_bytes6_\n:	BTI_J; ARG_AT; add x11, x11, x12; ldr w\n, [x11]; ldrh w13, [x11, #4]
	orr	x\n, x\n, x13, lsl #32; NEXT(STEP_SIZE)
gpr_bytes7_\n:	BTI_J; ARG_AT; add x11, x11, x12; ldr w\n, [x11]; ldrh w13, [x11, #4]
	ldrb	w14, [x11, #6]; orr x\n, x\n, x13, lsl #32; orr x\n, x\n, x14, lsl #48; NEXT(STEP_SIZE)
gpr_bytes8_\n:	BTI_J; ARG_AT; ldr x\n, [x11, x12]; NEXT(STEP_SIZE)
gpr_ref_\n:	BTI_J; COPY_REF; mov x\n, x12; NEXT(2 * STEP_SIZE)
	.endm

	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	GPR_OPS \n
	.endr

/* ---- pair steps: two whole scalar arguments, A and B (any two), into
   a register and the next of the same class; a GPR pair's kinds are
   int, unsigned or 8 bytes (A64_PAIR_*), an FPR pair's float or double.
   One dispatch for two arguments.  */

	/* Argument of pair kind KIND of class CLS from (xFROM) into register
	   REG.  */
	.macro PAIR_LOAD cls, kind, reg, from
	.ifc \cls, gpr
	.if \kind == A64_PAIR_SINT32
	ldrsw	x\reg, [x\from]
	.elseif \kind == A64_PAIR_UINT32
	ldr	w\reg, [x\from]
	.else
	ldr	x\reg, [x\from]
	.endif
	.else
	.if \kind == A64_PAIR_FLOAT
	ldr	s\reg, [x\from]
	.else
	ldr	d\reg, [x\from]
	.endif
	.endif
	.endm

	.macro PAIR_OP cls, k1, k2, n, m
\cls\()_pair_\k1\()_\k2\()_\n:
	BTI_J
	ldp	w11, w12, [x9, #STEP_A]
	ldr	x11, [x10, x11, lsl #3]
	ldr	x12, [x10, x12, lsl #3]
	PAIR_LOAD \cls, \k1, \n, 11
	PAIR_LOAD \cls, \k2, \m, 12
	NEXT(STEP_SIZE)
	.endm

	.macro PAIR_OPS cls, k1, k2
	.p2align 3
	PAIR_OP	\cls, \k1, \k2, 0, 1
	PAIR_OP	\cls, \k1, \k2, 1, 2
	PAIR_OP	\cls, \k1, \k2, 2, 3
	PAIR_OP	\cls, \k1, \k2, 3, 4
	PAIR_OP	\cls, \k1, \k2, 4, 5
	PAIR_OP	\cls, \k1, \k2, 5, 6
	PAIR_OP	\cls, \k1, \k2, 6, 7
	.endm

	.irp k1, A64_PAIR_SINT32, A64_PAIR_UINT32, A64_PAIR_WORD
	.irp k2, A64_PAIR_SINT32, A64_PAIR_UINT32, A64_PAIR_WORD
	PAIR_OPS gpr, \k1, \k2
	.endr
	.endr
	.irp k1, A64_PAIR_FLOAT, A64_PAIR_DOUBLE
	.irp k2, A64_PAIR_FLOAT, A64_PAIR_DOUBLE
	PAIR_OPS fpr, \k1, \k2
	.endr
	.endr
/* A pair cannot start at register 7: its table entry stops the program.  */
no_pair:
	BTI_J
	brk	#0

	.macro FPR_OPS n
	.p2align 3
fpr_s_\n:	BTI_J; ARG_AT; ldr s\n, [x11, x12]; NEXT(STEP_SIZE)
fpr_d_\n:	BTI_J; ARG_AT; ldr d\n, [x11, x12]; NEXT(STEP_SIZE)
fpr_q_\n:	BTI_J; ARG_AT; ldr q\n, [x11, x12]; NEXT(STEP_SIZE)
	.endm

	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	FPR_OPS \n
	.endr

/* ---- stack steps: A is the argument, B the offset from sp. */

	.p2align 3
stack_bytes1:	BTI_J; ARG_AT; ldrb w13, [x11]; strb w13, [sp, x12]; NEXT(STEP_SIZE)
stack_bytes2:	BTI_J; ARG_AT; ldrh w13, [x11]; strh w13, [sp, x12]; NEXT(STEP_SIZE)
stack_bytes4:	BTI_J; ARG_AT; ldr w13, [x11]; str w13, [sp, x12]; NEXT(STEP_SIZE)
stack_bytes8:	BTI_J; ARG_AT; ldr x13, [x11]; str x13, [sp, x12]; NEXT(STEP_SIZE)
stack_bytes16:	BTI_J; ARG_AT; ldp x13, x14, [x11]; add x12, sp, x12; stp x13, x14, [x12]; NEXT(STEP_SIZE)
/* C bytes of the argument to sp+B.  */
stack_block:
	BTI_J
	ARG_AT
	ldr	w14, [x9, #STEP_C]
	add	x13, sp, x12
	bl	copy_bytes
	NEXT(2 * STEP_SIZE)
/* A copy of C bytes of the argument at fp-D; its address to sp+B.  */
stack_ref:
	BTI_J
	COPY_REF
	ldr	w13, [x9, #STEP_B]
	str	x12, [sp, x13]
	NEXT(2 * STEP_SIZE)

/* ---- the call: B is the result's size (PART).  Each handler stores the
   result its own way into rvalue, in two flavours: GEN for
   ffix_a64_invoke's frame (rvalue in x19, fn in x20), REGS for
   ffix_a64_invoke_regs's (both in the frame, rvalue reloaded into x2).  */

	.macro CALL_OP flavor, name
	.p2align 3
\flavor\()_call_\name:
	BTI_J
	.ifc \flavor, gen
	blr	x20
	.else
	ldr	x16, [sp, #A64_REGS_FN]
	blr	x16
	.ifnc \name, void
	ldr	x2, [sp, #A64_REGS_RVALUE]
	.endif
	.endif
	.endm

	.macro DONE flavor
	.cfi_remember_state
	.ifc \flavor, gen
	mov	sp, x29
	ldp	x19, x20, [x29, #A64_INV_X19]
	ldp	x29, x30, [sp], #A64_INV_FRAME
	.cfi_restore x19
	.cfi_restore x20
	.cfi_restore x29
	.cfi_restore x30
	.cfi_def_cfa sp, 0
	.else
	ldr	x30, [sp], #A64_REGS_FRAME
	.cfi_restore x30
	.cfi_def_cfa_offset 0
	.endif
	AUTH_LR
	ret
	.cfi_restore_state
	.endm

	/* Every result kind's handler, storing through R.  */
	.macro RESULTS flavor, r
	CALL_OP	\flavor, void
	DONE	\flavor
	CALL_OP	\flavor, sint8
	sxtb	x0, w0
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, uint8
	and	x0, x0, #0xff
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, sint16
	sxth	x0, w0
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, uint16
	and	x0, x0, #0xffff
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, sint32
	sxtw	x0, w0
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, uint32
	mov	w0, w0
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, x0
	str	x0, [\r]
	DONE	\flavor
	CALL_OP	\flavor, x0_x1
	stp	x0, x1, [\r]
	DONE	\flavor
	/* The first B bytes of x0:x1, one at a time (the count kept in the
	   frame across the call).  */
	.p2align 3
\flavor\()_call_part:
	BTI_J
	ldr	w12, [x9, #STEP_B]
	.ifc \flavor, gen
	str	x12, [x29, #A64_INV_PART]
	blr	x20
	ldr	x12, [x29, #A64_INV_PART]
	.else
	str	x12, [sp, #A64_REGS_PART]
	ldr	x16, [sp, #A64_REGS_FN]
	blr	x16
	ldr	x12, [sp, #A64_REGS_PART]
	ldr	x2, [sp, #A64_REGS_RVALUE]
	.endif
1:	strb	w0, [\r], #1
	extr	x0, x1, x0, #8
	lsr	x1, x1, #8
	subs	w12, w12, #1
	b.ne	1b
	DONE	\flavor
	/* Floating-point values, vectors, HFAs and HVAs: 1 to 4 v registers.  */
	.irp n, 1, 2, 3, 4
	CALL_OP	\flavor, s\n
	VREGS	str, stp, s, 4, \n, \r
	DONE	\flavor
	CALL_OP	\flavor, d\n
	VREGS	str, stp, d, 8, \n, \r
	DONE	\flavor
	CALL_OP	\flavor, q\n
	VREGS	str, stp, q, 16, \n, \r
	DONE	\flavor
	.endr
	/* Through memory: x8 is the address the callee writes the result to
	   (AAPCS64 §6.9).  No REGS plan returns in memory (build_plan.cc).  */
	.p2align 3
\flavor\()_call_memory:
	BTI_J
	.ifc \flavor, gen
	mov	x8, x19
	blr	x20
	DONE	\flavor
	.else
	brk	#0
	.endif
	.endm

	RESULTS	gen, x19
	.cfi_endproc
	ENDFUNC	ffix_a64_invoke

/* ---- ffix_a64_invoke_regs: the same for a plan with nothing on the
   stack, no copies and no result in memory (build_plan.cc picks it), in
   a smaller frame: no frame record or callee-saved registers, fn and
   rvalue in the frame, and the room for a result nobody wants in it too.
   Its call step is one of the REGS handlers.  Frame, from sp (a64_asm.h):
   the return address, a PART result's size, fn, rvalue, 64 bytes.  */
	FUNC	ffix_a64_invoke_regs
	.p2align 4
ffix_a64_invoke_regs:
	.cfi_startproc
	BTI_C
	SIGN_LR
	str	x30, [sp, #-A64_REGS_FRAME]!
	.cfi_def_cfa_offset A64_REGS_FRAME
	.cfi_offset x30, -A64_REGS_FRAME
	cbz	x2, 2f
1:	stp	x1, x2, [sp, #A64_REGS_FN]
	mov	x10, x3
	add	x9, x0, #A64_PLAN_STEPS
	ldr	x16, [x9]
	br	x16
2:	add	x2, sp, #A64_REGS_DISCARD
	b	1b

	RESULTS	regs, x2
	.cfi_endproc
	ENDFUNC	ffix_a64_invoke_regs

/* ---- ffix_a64_invoke_go, the backend's invoke (ffi_call_go): the static
   chain into x18, then the plan's own invoke, which leaves x18 alone.  */
	FUNC	ffix_a64_invoke_go
	.p2align 4
ffix_a64_invoke_go:
	.cfi_startproc
	BTI_C
	mov	x18, x4
	ldr	x16, [x0, #FFIX_PLAN_INVOKE]
	br	x16
	.cfi_endproc
	ENDFUNC	ffix_a64_invoke_go

/* ---- the handler tables build_plan.cc picks from, by kind (a64_asm.h)
   and register.  */

	.macro GPR_ROW kind, name
	AT	ffix_a64_gpr_ops, ((\kind) * A64_GPRS)
	.quad	gpr_\name\()_0, gpr_\name\()_1, gpr_\name\()_2, gpr_\name\()_3
	.quad	gpr_\name\()_4, gpr_\name\()_5, gpr_\name\()_6, gpr_\name\()_7
	.endm
	TABLE	ffix_a64_gpr_ops
	GPR_ROW	A64_GPR_SINT8, sint8
	GPR_ROW	A64_GPR_SINT16, sint16
	GPR_ROW	A64_GPR_SINT32, sint32
	GPR_ROW	A64_GPR_BYTES1, bytes1
	GPR_ROW	(A64_GPR_BYTES1 + 1), bytes2
	GPR_ROW	(A64_GPR_BYTES1 + 2), bytes3
	GPR_ROW	(A64_GPR_BYTES1 + 3), bytes4
	GPR_ROW	(A64_GPR_BYTES1 + 4), bytes5
	GPR_ROW	(A64_GPR_BYTES1 + 5), bytes6
	GPR_ROW	(A64_GPR_BYTES1 + 6), bytes7
	GPR_ROW	A64_GPR_BYTES8, bytes8
	GPR_ROW	A64_GPR_REF, ref
	ENDTABLE ffix_a64_gpr_ops, (A64_GPR_KINDS * A64_GPRS)

	.macro FPR_ROW kind, name
	AT	ffix_a64_fpr_ops, ((\kind) * A64_FPRS)
	.quad	fpr_\name\()_0, fpr_\name\()_1, fpr_\name\()_2, fpr_\name\()_3
	.quad	fpr_\name\()_4, fpr_\name\()_5, fpr_\name\()_6, fpr_\name\()_7
	.endm
	TABLE	ffix_a64_fpr_ops
	FPR_ROW	A64_FPR_S, s
	FPR_ROW	A64_FPR_D, d
	FPR_ROW	A64_FPR_Q, q
	ENDTABLE ffix_a64_fpr_ops, (A64_FPR_KINDS * A64_FPRS)

	.macro PAIR_ROW table, cls, k1, k2, kinds, regs
	AT	\table, (((\k1) * (\kinds) + (\k2)) * (\regs))
	.quad	\cls\()_pair_\k1\()_\k2\()_0, \cls\()_pair_\k1\()_\k2\()_1
	.quad	\cls\()_pair_\k1\()_\k2\()_2, \cls\()_pair_\k1\()_\k2\()_3
	.quad	\cls\()_pair_\k1\()_\k2\()_4, \cls\()_pair_\k1\()_\k2\()_5
	.quad	\cls\()_pair_\k1\()_\k2\()_6, no_pair
	.endm
	TABLE	ffix_a64_gpr_pairs
	.irp k1, A64_PAIR_SINT32, A64_PAIR_UINT32, A64_PAIR_WORD
	.irp k2, A64_PAIR_SINT32, A64_PAIR_UINT32, A64_PAIR_WORD
	PAIR_ROW ffix_a64_gpr_pairs, gpr, \k1, \k2, A64_GPR_PAIR_KINDS, A64_GPRS
	.endr
	.endr
	ENDTABLE ffix_a64_gpr_pairs, (A64_GPR_PAIR_KINDS * A64_GPR_PAIR_KINDS * A64_GPRS)
	TABLE	ffix_a64_fpr_pairs
	.irp k1, A64_PAIR_FLOAT, A64_PAIR_DOUBLE
	.irp k2, A64_PAIR_FLOAT, A64_PAIR_DOUBLE
	PAIR_ROW ffix_a64_fpr_pairs, fpr, \k1, \k2, A64_FPR_PAIR_KINDS, A64_FPRS
	.endr
	.endr
	ENDTABLE ffix_a64_fpr_pairs, (A64_FPR_PAIR_KINDS * A64_FPR_PAIR_KINDS * A64_FPRS)

	TABLE	ffix_a64_stack_ops
	ITEM	ffix_a64_stack_ops, A64_STACK_BYTES1, stack_bytes1
	ITEM	ffix_a64_stack_ops, A64_STACK_BYTES2, stack_bytes2
	ITEM	ffix_a64_stack_ops, A64_STACK_BYTES4, stack_bytes4
	ITEM	ffix_a64_stack_ops, A64_STACK_BYTES8, stack_bytes8
	ITEM	ffix_a64_stack_ops, A64_STACK_BYTES16, stack_bytes16
	ITEM	ffix_a64_stack_ops, A64_STACK_BLOCK, stack_block
	ITEM	ffix_a64_stack_ops, A64_STACK_REF, stack_ref
	ENDTABLE ffix_a64_stack_ops, A64_STACK_KINDS

	.macro CALL_ITEM table, flavor, kind, name
	ITEM	\table, \kind, \flavor\()_call_\name
	.endm
	.macro CALL_ITEMS table, flavor
	TABLE	\table
	CALL_ITEM \table, \flavor, A64_RET_VOID, void
	CALL_ITEM \table, \flavor, A64_RET_SINT8, sint8
	CALL_ITEM \table, \flavor, A64_RET_UINT8, uint8
	CALL_ITEM \table, \flavor, A64_RET_SINT16, sint16
	CALL_ITEM \table, \flavor, A64_RET_UINT16, uint16
	CALL_ITEM \table, \flavor, A64_RET_SINT32, sint32
	CALL_ITEM \table, \flavor, A64_RET_UINT32, uint32
	CALL_ITEM \table, \flavor, A64_RET_X0, x0
	CALL_ITEM \table, \flavor, A64_RET_X0_X1, x0_x1
	CALL_ITEM \table, \flavor, A64_RET_PART, part
	CALL_ITEM \table, \flavor, A64_RET_S1, s1
	CALL_ITEM \table, \flavor, (A64_RET_S1 + 1), s2
	CALL_ITEM \table, \flavor, (A64_RET_S1 + 2), s3
	CALL_ITEM \table, \flavor, (A64_RET_S1 + 3), s4
	CALL_ITEM \table, \flavor, A64_RET_D1, d1
	CALL_ITEM \table, \flavor, (A64_RET_D1 + 1), d2
	CALL_ITEM \table, \flavor, (A64_RET_D1 + 2), d3
	CALL_ITEM \table, \flavor, (A64_RET_D1 + 3), d4
	CALL_ITEM \table, \flavor, A64_RET_Q1, q1
	CALL_ITEM \table, \flavor, (A64_RET_Q1 + 1), q2
	CALL_ITEM \table, \flavor, (A64_RET_Q1 + 2), q3
	CALL_ITEM \table, \flavor, (A64_RET_Q1 + 3), q4
	CALL_ITEM \table, \flavor, A64_RET_MEMORY, memory
	ENDTABLE \table, A64_RET_KINDS
	.endm
	CALL_ITEMS ffix_a64_call_ops, gen
	CALL_ITEMS ffix_a64_call_regs_ops, regs

#include "asm_notes.h"
