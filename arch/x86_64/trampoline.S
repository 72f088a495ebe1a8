/* trampoline.S -- the x86-64 static trampoline template (see src/tramp.h).

   Each 16-byte stub, at the same place in every mapped copy of a page:
       endbr64                  the caller reaches it by an indirect call
       lea  SPAN-11(%rip), %r10 r10 = this stub + FFIX_TRAMP_SPAN: its data slot
       jmp  *(%r10)             to the slot's target (r10 still the slot)
       (two bytes of padding)
   Every register but r10 is as the caller left it, %al included.  r10 is
   a scratch register in both x86-64 conventions, and the static chain of
   both.  */

#include "../../src/tramp.h"
#include "asm.h"

#ifdef FFIX_COFF
	.section .text$ffix_tramp,"xr"
#else
	.section .text.ffix_tramp,"ax",@progbits
#endif
	.balign	FFIX_TRAMP_SPAN
	.globl	ffix_tramp_page
#ifndef FFIX_COFF
	.hidden	ffix_tramp_page
	.type	ffix_tramp_page, @object
#endif
ffix_tramp_page:
	.rept	FFIX_TRAMP_SPAN / FFIX_TRAMP_SIZE
0:	ENDBR
	leaq	(FFIX_TRAMP_SPAN - 11)(%rip), %r10
1:	jmp	*FFIX_SLOT_TARGET(%r10)
	.skip	FFIX_TRAMP_SIZE - (. - 0b), 0x90
	.if (1b - 0b) != 11
	.error "the lea must end 11 bytes into the stub"
	.endif
	.if (. - 0b) != FFIX_TRAMP_SIZE
	.error "a stub must be exactly FFIX_TRAMP_SIZE bytes"
	.endif
	.endr
#ifndef FFIX_COFF
	.size	ffix_tramp_page, . - ffix_tramp_page
#endif
	.if (. - ffix_tramp_page) != FFIX_TRAMP_SPAN
	.error "the trampoline template must be exactly FFIX_TRAMP_SPAN bytes of stubs"
	.endif

#include "asm_notes.h"
