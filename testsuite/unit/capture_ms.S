/* capture_ms.S -- Microsoft x64 helpers for the Win64 tests on Linux.

   ms_capture_callee: an ms_abi callee that records rcx, rdx, r8, r9, r10,
   xmm0-xmm3, its stack pointer and the 512 bytes above its return address
   (the home area, the stack arguments, the caller's copies), and returns what the test
   put in ms_ret (rax and xmm0).

   ms_call_preserving(fn, a, b): calls the ms_abi function fn(a, b) with
   every register a Microsoft x64 callee must preserve (rbx, rbp, rdi,
   rsi, r12-r15, xmm6-xmm15) set to known values, and returns a bit mask
   of those that came back changed (bit 0-7: the GPRs in that order, bit
   8+n: xmm6+n).  Called from System V code.  */

	.text
	.globl	ms_capture_callee
	.type	ms_capture_callee, @function
	.p2align 4
ms_capture_callee:
	.cfi_startproc
	endbr64
	leaq	ms_captured(%rip), %r11
	movq	%rcx, 0(%r11)
	movq	%rdx, 8(%r11)
	movq	%r8, 16(%r11)
	movq	%r9, 24(%r11)
	movq	%r10, 32(%r11)
	movq	%rsp, 40(%r11)
	movups	%xmm0, 48(%r11)
	movups	%xmm1, 64(%r11)
	movups	%xmm2, 80(%r11)
	movups	%xmm3, 96(%r11)
	xorl	%eax, %eax
1:	movq	8(%rsp,%rax,8), %rdx
	movq	%rdx, 112(%r11,%rax,8)
	incl	%eax
	cmpl	$64, %eax
	jb	1b
	leaq	ms_ret(%rip), %r11
	movq	0(%r11), %rax
	movups	16(%r11), %xmm0
	ret
	.cfi_endproc
	.size	ms_capture_callee, .-ms_capture_callee

	.globl	ms_call_preserving
	.type	ms_call_preserving, @function
	.p2align 4
ms_call_preserving:
	.cfi_startproc
	endbr64
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	subq	$168, %rsp		/* 160 for xmm6-15 (at rsp+32..), keeps 16-byte alignment */
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movups	%xmm\n, (32+16*(\n-6))(%rsp)
	.endr
	movq	%rdi, %rax		/* fn */
	movq	%rsi, %rcx		/* a */
	/* rdx: b */
	pushq	%rbp
	pushq	%rbp			/* 16 bytes: rbp is overwritten below */
	subq	$32, %rsp		/* home area */
	movabsq	$0x1111111111111111, %rbx
	movabsq	$0x2222222222222222, %rbp
	movabsq	$0x3333333333333333, %rdi
	movabsq	$0x4444444444444444, %rsi
	movabsq	$0x5555555555555555, %r12
	movabsq	$0x6666666666666666, %r13
	movabsq	$0x7777777777777777, %r14
	movabsq	$0x8888888888888888, %r15
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movq	$(0x100 + \n), %r11
	movq	%r11, %xmm\n
	pinsrq	$1, %r11, %xmm\n
	.endr
	call	*%rax
	xorl	%eax, %eax
	movabsq	$0x1111111111111111, %r11
	cmpq	%r11, %rbx
	setne	%al
	movabsq	$0x2222222222222222, %r11
	cmpq	%r11, %rbp
	jne	1f
	jmp	2f
1:	orl	$2, %eax
2:	movabsq	$0x3333333333333333, %r11
	cmpq	%r11, %rdi
	je	1f
	orl	$4, %eax
1:	movabsq	$0x4444444444444444, %r11
	cmpq	%r11, %rsi
	je	1f
	orl	$8, %eax
1:	movabsq	$0x5555555555555555, %r11
	cmpq	%r11, %r12
	je	1f
	orl	$16, %eax
1:	movabsq	$0x6666666666666666, %r11
	cmpq	%r11, %r13
	je	1f
	orl	$32, %eax
1:	movabsq	$0x7777777777777777, %r11
	cmpq	%r11, %r14
	je	1f
	orl	$64, %eax
1:	movabsq	$0x8888888888888888, %r11
	cmpq	%r11, %r15
	je	1f
	orl	$128, %eax
1:
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movq	%xmm\n, %r11
	cmpq	$(0x100 + \n), %r11
	jne	3f
	pextrq	$1, %xmm\n, %r11
	cmpq	$(0x100 + \n), %r11
	je	4f
3:	orl	$(1 << (8 + \n - 6)), %eax
4:
	.endr
	addq	$32, %rsp
	popq	%rbp
	popq	%rbp
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movups	(32+16*(\n-6))(%rsp), %xmm\n
	.endr
	addq	$168, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size	ms_call_preserving, .-ms_call_preserving

	.section .note.GNU-stack,"",@progbits
