/* win64_closure.S -- closures under the Microsoft x64 convention.

   ffix_win64_closure_slot   from a static trampoline: r10 = its data slot
   ffix_win64_closure        r10 = the ffi_closure (legacy trampolines)
   ffix_win64_go_closure     r10 = the ffi_go_closure (the static chain)

   Each stores the four register arguments in their home area (so that
   every argument slot sits at rbp+16+8*i) and the four XMM argument
   registers below rbp, finds the cif's plan, builds avalue from the
   plan's Locate table (plan.h: each entry an offset from rbp, bit 0 set
   for an argument passed by reference), calls the user's function
       fun(cif, rvalue, avalue, user_data)
   in the host's convention, and returns the result in both rax and xmm0
   (the result buffer's first 8 and 16 bytes; for a result returned in
   memory the buffer holds the hidden pointer, which goes back in rax).

   On Linux the user's function is a System V function, which may change
   rdi, rsi and xmm6-xmm15; our caller (a Microsoft x64 caller) expects
   them kept, so they are saved around the call.

   Frame, from rbp (win64_asm.h's W64_CL_*):
     +16...      the argument slots (home area, then stack arguments)
     -16..-1     the result buffer (W64_CL_RESULT)
     -48..-17    xmm0-xmm3 (W64_CL_XMM)
     -56 cif, -64 fun, -72 user data
     -80 rsi, -88 rdi, -256..-97 xmm6-xmm15 (Linux)
   then avalue[nargs] and 32 bytes of home area for fun.  */

#include "../x86_64/asm.h"
#include "../../src/tramp.h"
#include "win64_asm.h"

#define FRAME 256
#define CIF -56
#define FUN -64
#define USER -72

	.text

/* The entries load cif into rax, fun into r11 and the user data into r10,
   touching nothing else, and go on to the common part.  */
	FUNC	ffix_win64_closure_slot
	.p2align 4
ffix_win64_closure_slot:
	.cfi_startproc
	ENDBR
	movq	FFIX_SLOT_CLOSURE(%r10), %r10
	/* and on into ffix_win64_closure */
	.cfi_endproc
	ENDFUNC	ffix_win64_closure_slot

	FUNC	ffix_win64_closure
ffix_win64_closure:
	.cfi_startproc
	ENDBR
	movq	FFIX_CLOSURE_CIF(%r10), %rax
	movq	FFIX_CLOSURE_FUN(%r10), %r11
	movq	FFIX_CLOSURE_USER_DATA(%r10), %r10
	jmp	ffix_win64_closure_common
	.cfi_endproc
	ENDFUNC	ffix_win64_closure

	FUNC	ffix_win64_go_closure
	.p2align 4
ffix_win64_go_closure:
	.cfi_startproc
	ENDBR
	/* The closure itself is the user data (r10).  */
	movq	FFIX_GO_CLOSURE_CIF(%r10), %rax
	movq	FFIX_GO_CLOSURE_FUN(%r10), %r11
	jmp	ffix_win64_closure_common
	.cfi_endproc
	ENDFUNC	ffix_win64_go_closure

	FUNC	ffix_win64_closure_common
	.p2align 4
	SEH(.seh_proc ffix_win64_closure_common)
ffix_win64_closure_common:
	.cfi_startproc
	movq	%rcx, 8(%rsp)
	movq	%rdx, 16(%rsp)
	movq	%r8, 24(%rsp)
	movq	%r9, 32(%rsp)
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	SEH(.seh_pushreg %rbp)
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	SEH(.seh_setframe %rbp, 0)
	subq	$FRAME, %rsp
	SEH(.seh_stackalloc FRAME)
	SEH(.seh_endprologue)
	movsd	%xmm0, W64_CL_XMM(%rbp)
	movsd	%xmm1, W64_CL_XMM+8(%rbp)
	movsd	%xmm2, W64_CL_XMM+16(%rbp)
	movsd	%xmm3, W64_CL_XMM+24(%rbp)
	movq	%rax, CIF(%rbp)
	movq	%r11, FUN(%rbp)
	movq	%r10, USER(%rbp)
#ifndef FFIX_COFF
	movq	%rsi, -80(%rbp)
	movq	%rdi, -88(%rbp)
	movaps	%xmm6, -256(%rbp)
	movaps	%xmm7, -240(%rbp)
	movaps	%xmm8, -224(%rbp)
	movaps	%xmm9, -208(%rbp)
	movaps	%xmm10, -192(%rbp)
	movaps	%xmm11, -176(%rbp)
	movaps	%xmm12, -160(%rbp)
	movaps	%xmm13, -144(%rbp)
	movaps	%xmm14, -128(%rbp)
	movaps	%xmm15, -112(%rbp)
#endif

	PLAN_OF_CHECKED	%rax, %rax, %eax, %rdx, .Lbad_cif

	/* The result: a buffer here, or the caller's memory (the hidden
	   pointer in the first slot), which also goes back in rax.  */
	leaq	W64_CL_RESULT(%rbp), %r9
	cmpb	$0, W64_PLAN_MEMORY(%rdx)
	je	1f
	movq	W64_CL_SLOTS(%rbp), %r9
	movq	%r9, W64_CL_RESULT(%rbp)
1:
	/* avalue[nargs] above 32 bytes of home area, 16-byte aligned.  */
	movl	W64_PLAN_NARGS(%rdx), %ecx
	leaq	(32+15)(,%rcx,8), %rax
	andq	$-16, %rax
	negq	%rax
	addq	%rsp, %rax
#ifdef FFIX_COFF
1:	leaq	-4096(%rsp), %r8
	cmpq	%rax, %r8
	jbe	2f
	movq	%r8, %rsp
	orq	$0, (%rsp)
	jmp	1b
2:
#endif
	movq	%rax, %rsp
	leaq	32(%rsp), %r8
	movl	W64_PLAN_LOCATE(%rdx), %r10d
	leaq	FFIX_PLAN_DATA(%rdx,%r10), %r10	/* the Locate array */
	xorl	%edx, %edx
	jmp	3f
1:	movslq	(%r10,%rdx,4), %rax
	btrq	$0, %rax
	leaq	(%rbp,%rax), %rax
	jnc	2f
	movq	(%rax), %rax		/* by reference: the slot holds the address */
2:	movq	%rax, (%r8,%rdx,8)
	incl	%edx
3:	cmpl	%ecx, %edx
	jb	1b

	/* fun(cif, rvalue, avalue, user_data) */
#ifdef FFIX_COFF
	movq	%r8, %rax
	movq	CIF(%rbp), %rcx
	movq	%r9, %rdx
	movq	%rax, %r8
	movq	USER(%rbp), %r9
#else
	movq	CIF(%rbp), %rdi
	movq	%r9, %rsi
	movq	%r8, %rdx
	movq	USER(%rbp), %rcx
#endif
	call	*FUN(%rbp)

	movq	W64_CL_RESULT(%rbp), %rax
	movups	W64_CL_RESULT(%rbp), %xmm0
#ifndef FFIX_COFF
	movq	-80(%rbp), %rsi
	movq	-88(%rbp), %rdi
	movaps	-256(%rbp), %xmm6
	movaps	-240(%rbp), %xmm7
	movaps	-224(%rbp), %xmm8
	movaps	-208(%rbp), %xmm9
	movaps	-192(%rbp), %xmm10
	movaps	-176(%rbp), %xmm11
	movaps	-160(%rbp), %xmm12
	movaps	-144(%rbp), %xmm13
	movaps	-128(%rbp), %xmm14
	movaps	-112(%rbp), %xmm15
#endif
	.cfi_remember_state
	leaq	(%rbp), %rsp
	popq	%rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_restore_state
.Lbad_cif:
	call	ffix_bad_cif
	.cfi_endproc
	SEH(.seh_endproc)
	ENDFUNC	ffix_win64_closure_common

#include "../x86_64/asm_notes.h"
