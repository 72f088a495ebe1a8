/* asm.h -- what every AArch64 assembly file of ffix uses (ELF).  It
   brings ffi.h's constants (FFI_TRAMPOLINE_SIZE, FFI_TYPE_*) and the
   core's shared layouts (src/ffix_asm.h, src/steps.h).

   FUNC name / ENDFUNC name   a function's symbol: global, hidden.
   API name                   instead of FUNC, for one of libffi's public
                              functions (the version script gives it its
                              node).
   BTI_C                      landing pad of a function: reached by bl,
                              blr, or br through x16/x17 (PLT stubs, the
                              trampolines).
   BTI_J                      landing pad of a step handler or any other
                              target of br through another register.
   SIGN_LR / AUTH_LR          sign the return address on entry and check
                              it before returning (PAC), telling the
                              unwinder the saved LR is signed.
   TABLE name                 a hidden table of addresses for C++ to read,
                              checked entry by entry with AT, ITEM and
                              ENDTABLE (src/asm_tables.h).
   PLAN_OF cif, i, t, l, o, fail
                              xO = the plan of the cif at CIF (core.h's
                              find_plan), the empty plan for a cif never
                              prepared (a jump through any of its fields
                              lands in ffix_bad_cif), or branch to FAIL
                              when its index is past the table, with only
                              xI, xT and xL changed (register numbers; L
                              may be O).

   BTI and PAC instructions are in the hint space: cores without them run
   them as NOPs.  Every file ends with asm_notes.h.  */
#ifndef FFIX_AARCH64_ASM_H
#define FFIX_AARCH64_ASM_H

#define LIBFFI_ASM
#include <ffi.h>
#include "../../src/ffix_asm.h"
#include "../../src/steps.h"

#define BTI_C hint #34
#define BTI_J hint #36
/* paciasp / autiasp */
#define SIGN_LR hint #25; .cfi_negate_ra_state
#define AUTH_LR hint #29; .cfi_negate_ra_state

	.macro FUNC name
	.globl	\name
	.hidden	\name
	.type	\name, %function
	.endm
	.macro API name
	.globl	\name
	.type	\name, %function
	.endm
	.macro ENDFUNC name
	.size	\name, . - \name
	.endm
	.macro TABLE name
	.section .data.rel.ro,"aw"
	.p2align 3
	.globl	\name
	.hidden	\name
	.type	\name, %object
\name:
	.endm

#include "../../src/asm_tables.h"

	/* N (1 to 4) v registers' low SIZE bytes (V = s, d or q: 4, 8, 16)
	   side by side at BASE + OFF: OP is str or ldr, PAIR stp or ldp.  */
	.macro VREGS op, pair, v, size, n, base, off=0
	.if \n == 1
	\op	\v\()0, [\base, #\off]
	.else
	\pair	\v\()0, \v\()1, [\base, #\off]
	.if \n == 3
	\op	\v\()2, [\base, #\off + 2 * \size]
	.elseif \n == 4
	\pair	\v\()2, \v\()3, [\base, #\off + 2 * \size]
	.endif
	.endif
	.endm

	/* Plain loads suffice: whoever holds a prepared cif (or a closure
	   of one) got it after the plan's publication, which came after the
	   table's (plan_table.cc), so both are visible to it.  */
	/* ffix_plans starts a page (FFIX_PLANS_ALIGN): ldp takes no page
	   offset.  */
	.macro PLAN_OF cif, i, t, l, o, fail
	ldr	w\i, [\cif, #FFIX_CIF_FLAGS]
	adrp	x\t, ffix_plans
	ldp	x\t, x\l, [x\t]
	.if FFIX_PLANS_TABLE != 0 || FFIX_PLANS_LIMIT != 8
	.error "PLAN_OF: FfixPlans must begin with the table and its limit"
	.endif
	cmp	x\i, x\l
	b.hs	\fail
	ldr	x\o, [x\t, x\i, lsl #3]
	.endm

#endif
