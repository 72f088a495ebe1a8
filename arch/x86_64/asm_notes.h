/* asm_notes.h -- the notes every x86-64 assembly file of ffix ends with
   on ELF targets: a non-executable stack, and the CET property (IBT and
   SHSTK: every indirect branch target starts with endbr64, and no code
   changes return addresses), which the linker keeps only if every object
   has it.  COFF objects (Windows) have no such notes.  */

#if defined(__ELF__)
	.section .note.GNU-stack,"",@progbits

	.section .note.gnu.property,"a"
	.p2align 3
	.long	4		/* name size */
	.long	16		/* descriptor size */
	.long	5		/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000002	/* GNU_PROPERTY_X86_FEATURE_1_AND */
	.long	4
	.long	3		/* IBT | SHSTK */
	.p2align 3
#endif
