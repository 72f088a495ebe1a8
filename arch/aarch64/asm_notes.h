/* asm_notes.h -- the notes every AArch64 assembly file of ffix ends with:
   a non-executable stack, and the GNU property that says the code has
   BTI landing pads at every indirect branch target and signs its return
   addresses (PAC).  The linker keeps the property only if every object
   has it; the loader then maps the library with guarded pages.  */

	.section .note.GNU-stack,"",%progbits

	.section .note.gnu.property,"a"
	.p2align 3
	.long	4		/* name size */
	.long	16		/* descriptor size */
	.long	5		/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000000	/* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
	.long	4
	.long	3		/* BTI | PAC */
	.long	0
