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

	.equ	MARK_rbx, 0x1111111111111111
	.equ	MARK_rbp, 0x2222222222222222
	.equ	MARK_rdi, 0x3333333333333333
	.equ	MARK_rsi, 0x4444444444444444
	.equ	MARK_r12, 0x5555555555555555
	.equ	MARK_r13, 0x6666666666666666
	.equ	MARK_r14, 0x7777777777777777
	.equ	MARK_r15, 0x8888888888888888

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
	/* Known values in every register the callee must preserve.  */
	.irp r, rbx, rbp, rdi, rsi, r12, r13, r14, r15
	movabsq	$MARK_\r, %\r
	.endr
	.irp n, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	movq	$(0x100 + \n), %r11
	movq	%r11, %xmm\n
	pinsrq	$1, %r11, %xmm\n
	.endr
	call	*%rax
	/* Bit N of the result for each that came back changed.  */
	xorl	%eax, %eax
	.macro CHECK_GPR r, bit
	movabsq	$MARK_\r, %r11
	cmpq	%r11, %\r
	je	1f
	orl	$(1 << \bit), %eax
1:
	.endm
	CHECK_GPR rbx, 0
	CHECK_GPR rbp, 1
	CHECK_GPR rdi, 2
	CHECK_GPR rsi, 3
	CHECK_GPR r12, 4
	CHECK_GPR r13, 5
	CHECK_GPR r14, 6
	CHECK_GPR r15, 7
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
