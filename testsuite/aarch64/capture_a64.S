/* capture_a64.S -- a64_capture_callee, the callee of the AArch64
   placement tests (capture.t).  Called with any signature, it records
   what a caller can have passed: x0-x7 and x8 (the indirect result
   location), x18 (the static chain of ffi_call_go), all 128 bits of
   q0-q7, its incoming sp and the 256 bytes above it (the stack
   arguments), and optionally up to 64 bytes found through one of those
   words (a by-reference copy), into a64_captured.  Then it returns what
   the test put in a64_ret: it writes a64_ret.x8_len bytes through x8 (a
   result in memory) and loads x0, x1 and q0-q3, so every register a
   result can come back in holds a known, distinct value.

   A leaf that uses only x9-x15 (temporaries: x16/x17 may be the PLT's,
   x18 is captured, not used): it keeps its return address in x30, so it
   neither saves nor signs it.  Its first instruction is a BTI landing
   pad for calls (bti c, written as its hint so that any assembler
   takes it): the library calls it with blr.  The layout of both records
   is capture_a64.h's (checked there with static assertions).  */

	.text
	.globl	a64_capture_callee
	.type	a64_capture_callee, %function
	.p2align 2
a64_capture_callee:
	.cfi_startproc
	hint	34				/* bti c */
	adrp	x9, a64_captured
	add	x9, x9, :lo12:a64_captured
	stp	x0, x1, [x9, #0]
	stp	x2, x3, [x9, #16]
	stp	x4, x5, [x9, #32]
	stp	x6, x7, [x9, #48]
	stp	x8, x18, [x9, #64]
	stp	q0, q1, [x9, #80]
	stp	q2, q3, [x9, #112]
	stp	q4, q5, [x9, #144]
	stp	q6, q7, [x9, #176]
	mov	x10, sp
	ldr	x11, [x9, #216]			/* calls */
	add	x11, x11, #1
	stp	x10, x11, [x9, #208]		/* sp, calls */
	/* The 256 bytes from sp up: 16 pairs.  */
	add	x12, x9, #224
	mov	x13, #16
1:	ldp	x14, x15, [x10], #16
	stp	x14, x15, [x12], #16
	subs	x13, x13, #1
	b.ne	1b

	adrp	x10, a64_ret
	add	x10, x10, :lo12:a64_ret
	/* deref_len bytes through the word deref_src names: x[N] for N < 16
	   (as captured), the Nth stack word for 16 + N.  */
	ldr	w11, [x10, #88]			/* deref_len */
	cbz	w11, 3f
	ldrsw	x12, [x10, #84]			/* deref_src */
	add	x14, x9, #224
	subs	x13, x12, #16
	b.lt	2f
	ldr	x13, [x14, x13, lsl #3]		/* a stack word */
	b	4f
2:	ldr	x13, [x9, x12, lsl #3]		/* an x register */
4:	add	x14, x9, #480			/* deref */
5:	ldrb	w15, [x13], #1
	strb	w15, [x14], #1
	subs	w11, w11, #1
	b.ne	5b

	/* A result in memory: x8_len bytes of x8_bytes through x8.  */
3:	ldr	w11, [x10, #80]			/* x8_len */
	cbz	w11, 6f
	add	x12, x10, #96
	mov	x13, x8
7:	ldrb	w14, [x12], #1
	strb	w14, [x13], #1
	subs	w11, w11, #1
	b.ne	7b

6:	ldp	x0, x1, [x10, #0]
	ldp	q0, q1, [x10, #16]
	ldp	q2, q3, [x10, #48]
	ret
	.cfi_endproc
	.size	a64_capture_callee, .-a64_capture_callee

	.section .note.GNU-stack,"",%progbits

/* GNU_PROPERTY_AARCH64_FEATURE_1_AND (0xc0000000): BTI (1) | PAC (2), so
   that a program built from BTI-marked objects stays marked.  */
	.section .note.gnu.property,"a"
	.p2align 3
	.word	4				/* n_namesz */
	.word	16				/* n_descsz */
	.word	5				/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.word	0xc0000000			/* pr_type */
	.word	4				/* pr_datasz */
	.word	3				/* pr_data */
	.word	0				/* pad to 8 bytes */
