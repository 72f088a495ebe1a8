/* capture.S -- a callee for placement tests: it records every argument
   register and the first 256 bytes of its stack arguments, then returns
   whatever the test put in ret_regs (rax, rdx, xmm0, xmm1, and 0-2 x87
   values), so a test sees exactly where ffi_call put each byte and what it
   makes of each return register.  */

	.text
	.globl	capture_callee
	.type	capture_callee, @function
	.p2align 4
capture_callee:
	.cfi_startproc
	endbr64
	leaq	captured(%rip), %r11
	movq	%rdi, 0(%r11)
	movq	%rsi, 8(%r11)
	movq	%rdx, 16(%r11)
	movq	%rcx, 24(%r11)
	movq	%r8, 32(%r11)
	movq	%r9, 40(%r11)
	movq	%rax, 48(%r11)
	movq	%r10, 56(%r11)
	movups	%xmm0, 64(%r11)
	movups	%xmm1, 80(%r11)
	movups	%xmm2, 96(%r11)
	movups	%xmm3, 112(%r11)
	movups	%xmm4, 128(%r11)
	movups	%xmm5, 144(%r11)
	movups	%xmm6, 160(%r11)
	movups	%xmm7, 176(%r11)
	leaq	8(%rsp), %rsi
	leaq	192(%r11), %rdi
	movl	$32, %ecx
	rep movsq
	leaq	ret_regs(%rip), %r11
	movl	48(%r11), %ecx		/* x87 values to return */
	cmpl	$2, %ecx
	jne	1f
	fldt	80(%r11)		/* st1 */
1:	testl	%ecx, %ecx
	jz	2f
	fldt	64(%r11)		/* st0 */
2:	movq	0(%r11), %rax
	movq	8(%r11), %rdx
	movups	16(%r11), %xmm0
	movups	32(%r11), %xmm1
	ret
	.cfi_endproc
	.size	capture_callee, .-capture_callee

	.section .note.GNU-stack,"",@progbits
