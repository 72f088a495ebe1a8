/* trampoline.S -- the AArch64 static trampoline template (see src/tramp.h).

   Each 16-byte stub, at the same place in every mapped copy of a page:
       bti  c                   the caller reaches it by blr
       adr  x17, . + SPAN - 4   x17 = this stub + FFIX_TRAMP_SPAN: its data slot
       ldp  x16, x17, [x17]     the slot's target, and its closure
       br   x16                 (a br through x16 may land on bti c)
   so the target is entered with the closure in x17, as from a legacy
   trampoline (legacy_tramp.cc).
   x16 and x17 are the intra-procedure-call scratch registers (AAPCS64
   §6.1.1: a veneer may clobber them), so every argument register, x8
   and x18 are as the caller left them.  */

#include "../../src/tramp.h"
#include "asm.h"

	.section .text.ffix_tramp,"ax",%progbits
	.balign	FFIX_TRAMP_SPAN
	.globl	ffix_tramp_page
	.hidden	ffix_tramp_page
	.type	ffix_tramp_page, %object
ffix_tramp_page:
	.rept	FFIX_TRAMP_SPAN / FFIX_TRAMP_SIZE
0:	BTI_C
	adr	x17, 0b + FFIX_TRAMP_SPAN
	ldp	x16, x17, [x17]
	br	x16
	.if FFIX_SLOT_TARGET != 0 || FFIX_SLOT_CLOSURE != 8
	.error "the stub loads a slot as {target, closure}"
	.endif
	.if (. - 0b) != FFIX_TRAMP_SIZE
	.error "a stub must be exactly FFIX_TRAMP_SIZE bytes"
	.endif
	.endr
	.size	ffix_tramp_page, . - ffix_tramp_page
	.if (. - ffix_tramp_page) != FFIX_TRAMP_SPAN
	.error "the trampoline template must be exactly FFIX_TRAMP_SPAN bytes of stubs"
	.endif

#include "asm_notes.h"
