/* trampoline.S -- the x86-64 static trampoline page (see src/tramp.h).

   Each 16-byte stub, at the same place in every mapped copy of this page:
       endbr64                  the caller reaches it by an indirect call
       lea  4085(%rip), %r10    r10 = this stub + 4096: its data slot
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
	.p2align 12
	.globl	ffix_tramp_page
#ifndef FFIX_COFF
	.hidden	ffix_tramp_page
	.type	ffix_tramp_page, @object
#endif
ffix_tramp_page:
	.rept	FFIX_TRAMP_COUNT
	ENDBR
	leaq	(FFIX_TRAMP_PAGE - 11)(%rip), %r10
	jmp	*FFIX_SLOT_TARGET(%r10)
	.byte	0x66, 0x90
	.endr
#ifndef FFIX_COFF
	.size	ffix_tramp_page, . - ffix_tramp_page
#endif
	.if (. - ffix_tramp_page) != FFIX_TRAMP_PAGE
	.error "the trampoline page must be exactly one page of stubs"
	.endif

#include "../../src/asm_notes.h"
