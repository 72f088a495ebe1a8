/* closure.S -- closures for System V x86-64.

   ffix_sysv_closure_slot      from a static trampoline: r10 = its data slot
   ffix_sysv_closure_slot_xmm  the same, for signatures that use no GPR:
                               saves none
   ffix_sysv_closure           r10 = the ffi_closure (legacy trampolines)
   ffix_sysv_go_closure        r10 = the ffi_go_closure (the static chain)

   Each saves the argument registers, finds the closure part of its plan, builds the avalue array from the part's offsets (plan.h:
   each argument is at a fixed offset from rbp, in the save area, the
   caller's stack arguments, or a joined copy of two registers), calls
   the user's function
       fun(cif, rvalue, avalue, user_data)
   and loads its result into the return registers as the plan says.

   Frame (sysv_asm.h, SYSV_CL_*), from rbp down:
     -8          the handler that loads the result
     -48..-16    the result buffer (32 bytes)
     -224..-48   the save area: six GPRs, then eight XMM registers (SYSV_SAVE_*)
   then avalue[nargs] and the joined area, sized per plan.  Above rbp:
   the saved rbp, fun, the user data, the return address.  */

#include "../x86_64/asm.h"
#include "../../src/tramp.h"
#include "sysv_asm.h"

#define KIND SYSV_CL_KIND
#define RESULT SYSV_CL_RESULT
#define SAVE SYSV_CL_SAVE
#define FRAME SYSV_CL_FRAME

	.text

	/* After fun and the user data are pushed: rbp, and the CFA above the
	   return address.  */
	.macro FRAME_POINTER
	pushq	%rbp
	.cfi_adjust_cfa_offset 8
	movq	%rsp, %rbp
	.cfi_def_cfa %rbp, 32
	.cfi_offset %rbp, -32
	.endm

	/* From r10 = the ffi_closure: r11 = the cif, fun and the user data
	   pushed, then the frame.  */
	.macro PROLOGUE
	movq	FFIX_CLOSURE_CIF(%r10), %r11
	pushq	FFIX_CLOSURE_USER_DATA(%r10)
	.cfi_adjust_cfa_offset 8
	pushq	FFIX_CLOSURE_FUN(%r10)
	.cfi_adjust_cfa_offset 8
	FRAME_POINTER
	subq	$FRAME, %rsp
	.endm

	.macro SAVE_GPRS
	movq	%rdi, SAVE+SYSV_SAVE_GPR+0(%rbp)
	movq	%rsi, SAVE+SYSV_SAVE_GPR+8(%rbp)
	movq	%rdx, SAVE+SYSV_SAVE_GPR+16(%rbp)
	movq	%rcx, SAVE+SYSV_SAVE_GPR+24(%rbp)
	movq	%r8, SAVE+SYSV_SAVE_GPR+32(%rbp)
	movq	%r9, SAVE+SYSV_SAVE_GPR+40(%rbp)
	.endm

/* The slot entries find the closure part through the plan that
   ffi_prep_closure_loc put in the closure (FFIX_CLOSURE_PLAN), not
   through the cif: a closure from ffi_closure_alloc is bound to the
   signature it was prepared with, as its shape stub is (shapes.S).  */
	FUNC	ffix_sysv_closure_slot
	.p2align 4
ffix_sysv_closure_slot:
	.cfi_startproc
	ENDBR
	movq	FFIX_SLOT_CLOSURE(%r10), %r10
	PROLOGUE
	SAVE_GPRS
	jmp	.Lslot_part
	.cfi_endproc
	ENDFUNC	ffix_sysv_closure_slot

	FUNC	ffix_sysv_closure
	.p2align 4
ffix_sysv_closure:
	.cfi_startproc
	ENDBR
	PROLOGUE
	jmp	.Lsave_gprs
	.cfi_endproc
	ENDFUNC	ffix_sysv_closure

	FUNC	ffix_sysv_go_closure
	.p2align 4
ffix_sysv_go_closure:
	.cfi_startproc
	ENDBR
	/* The closure itself is the user data.  */
	movq	FFIX_GO_CLOSURE_CIF(%r10), %r11
	pushq	%r10
	.cfi_adjust_cfa_offset 8
	pushq	FFIX_GO_CLOSURE_FUN(%r10)
	.cfi_adjust_cfa_offset 8
	FRAME_POINTER
	/* fun is at rbp+8 and the user data at rbp+16, the return address at
	   rbp+24; r11 = the cif.  */
	subq	$FRAME, %rsp
.Lsave_gprs:
	SAVE_GPRS
	PLAN_OF_CHECKED	%r11, %rax, %eax, %rdi, .Lbad_cif
	movq	FFIX_PLAN_CLOSURE(%rdi), %rdi	/* from here on: the plan's closure part */
	testq	%rdi, %rdi
	jnz	.Lhave_part
.Lbad_cif:
	call	ffix_bad_cif		/* or the cif now has a plan no closure was prepared with */
	.cfi_endproc
	ENDFUNC	ffix_sysv_go_closure

/* The slot entry for signatures with no GPR argument, and on into the
   part every entry shares.  */
	FUNC	ffix_sysv_closure_slot_xmm
	.p2align 4
ffix_sysv_closure_slot_xmm:
	.cfi_startproc
	ENDBR
	movq	FFIX_SLOT_CLOSURE(%r10), %r10
	PROLOGUE
.Lslot_part:
	movq	FFIX_CLOSURE_PLAN(%r10), %rdi
	movq	FFIX_PLAN_CLOSURE(%rdi), %rdi
.Lhave_part:
	/* rdi = the closure part, r11 = the cif.  */
	movq	SYSV_CL_HANDLER(%rdi), %rax
	movq	%rax, KIND(%rbp)	/* the handler that loads the result */
	movl	SYSV_CL_BELOW(%rdi), %eax
	subq	%rax, %rsp		/* the joined area, then avalue at rsp */
	testb	$(SYSV_CL_SAVE_XMM | SYSV_CL_JOIN), SYSV_CL_SLOW(%rdi)
	jnz	.Lslow
.Lready:
	/* avalue[i] = rbp + locate[i], from the last down.  */
	movq	%rsp, %rdx
	movl	SYSV_CL_NARGS(%rdi), %ecx
	testl	%ecx, %ecx
	jz	.Lcall
1:	movslq	SYSV_CL_LOCATE-4(%rdi,%rcx,4), %rax
	addq	%rbp, %rax
	movq	%rax, -8(%rdx,%rcx,8)
	decl	%ecx
	jnz	1b
.Lcall:
	/* fun(cif, rvalue, avalue, user_data) */
	leaq	RESULT(%rbp), %rsi
	cmpb	$SYSV_RET_MEMORY, SYSV_CL_RET(%rdi)
	cmove	SAVE+SYSV_SAVE_GPR(%rbp), %rsi	/* the hidden result pointer */
	movq	%r11, %rdi
	movq	16(%rbp), %rcx
	call	*8(%rbp)
	jmp	*KIND(%rbp)

/* What only some closures need: the XMM registers saved; arguments split
   between registers that are not side by side copied together (Join
   records) into the joined area.  */
.Lslow:
	testb	$SYSV_CL_SAVE_XMM, SYSV_CL_SLOW(%rdi)
	jz	3f
	movaps	%xmm0, SAVE+SYSV_SAVE_XMM+0*16(%rbp)
	movaps	%xmm1, SAVE+SYSV_SAVE_XMM+1*16(%rbp)
	movaps	%xmm2, SAVE+SYSV_SAVE_XMM+2*16(%rbp)
	movaps	%xmm3, SAVE+SYSV_SAVE_XMM+3*16(%rbp)
	movaps	%xmm4, SAVE+SYSV_SAVE_XMM+4*16(%rbp)
	movaps	%xmm5, SAVE+SYSV_SAVE_XMM+5*16(%rbp)
	movaps	%xmm6, SAVE+SYSV_SAVE_XMM+6*16(%rbp)
	movaps	%xmm7, SAVE+SYSV_SAVE_XMM+7*16(%rbp)
3:	testb	$SYSV_CL_JOIN, SYSV_CL_SLOW(%rdi)
	jz	.Lready
	movl	SYSV_CL_JOINS(%rdi), %r8d
	movl	SYSV_CL_JOIN_AT(%rdi), %r9d
	addq	%rdi, %r9			/* the Join records */
2:	movl	0(%r9), %eax
	movq	SAVE(%rbp,%rax), %r10
	movslq	8(%r9), %rax
	movq	%r10, (%rbp,%rax)
	movl	4(%r9), %r10d
	movq	SAVE(%rbp,%r10), %r10
	movq	%r10, 8(%rbp,%rax)
	addq	$16, %r9
	decl	%r8d
	jnz	2b
	jmp	.Lready

	.macro RET_OP name
	.p2align 3
.Lret_\name:
	ENDBR
	.endm
	/* Pop the frame, then the fun and user data words below the return
	   address.  */
	.macro DONE
	.cfi_remember_state
	leave
	.cfi_def_cfa %rsp, 24
	addq	$16, %rsp
	.cfi_def_cfa_offset 8
	ret
	.cfi_restore_state
	.endm

	RET_OP void
	DONE
	RET_OP sint8
	movsbq	RESULT(%rbp), %rax
	DONE
	RET_OP uint8
	movzbl	RESULT(%rbp), %eax
	DONE
	RET_OP sint16
	movswq	RESULT(%rbp), %rax
	DONE
	RET_OP uint16
	movzwl	RESULT(%rbp), %eax
	DONE
	RET_OP sint32
	movslq	RESULT(%rbp), %rax
	DONE
	RET_OP uint32
	movl	RESULT(%rbp), %eax
	DONE
	RET_OP rax
	movq	RESULT(%rbp), %rax
	DONE
	RET_OP float
	movss	RESULT(%rbp), %xmm0
	DONE
	RET_OP xmm0
	movsd	RESULT(%rbp), %xmm0
	DONE
	RET_OP x87
	fldt	RESULT(%rbp)
	DONE
	RET_OP x87_2
	fldt	RESULT+16(%rbp)
	fldt	RESULT(%rbp)
	DONE
	RET_OP rax_rdx
	movq	RESULT(%rbp), %rax
	movq	RESULT+8(%rbp), %rdx
	DONE
	RET_OP rax_xmm0
	movq	RESULT(%rbp), %rax
	movsd	RESULT+8(%rbp), %xmm0
	DONE
	RET_OP xmm0_rax
	movsd	RESULT(%rbp), %xmm0
	movq	RESULT+8(%rbp), %rax
	DONE
	RET_OP xmm0_xmm1
	movsd	RESULT(%rbp), %xmm0
	movsd	RESULT+8(%rbp), %xmm1
	DONE
	RET_OP xmm0_full
	movups	RESULT(%rbp), %xmm0
	DONE
	RET_OP memory
	movq	SAVE+SYSV_SAVE_GPR(%rbp), %rax	/* the hidden pointer, as the psABI asks */
	DONE
	.cfi_endproc
	ENDFUNC	ffix_sysv_closure_slot_xmm

/* The result handlers by SYSV_RET_ kind, for build_plan.cc to put in
   plans.  PART kinds never reach a closure: the handler writes whole
   eightbytes, so they load as their whole counterparts.  */
	.macro RET_ITEM kind, name
	ITEM	ffix_sysv_closure_rets, \kind, .Lret_\name
	.endm
	TABLE	ffix_sysv_closure_rets
	RET_ITEM SYSV_RET_VOID, void
	RET_ITEM SYSV_RET_SINT8, sint8
	RET_ITEM SYSV_RET_UINT8, uint8
	RET_ITEM SYSV_RET_SINT16, sint16
	RET_ITEM SYSV_RET_UINT16, uint16
	RET_ITEM SYSV_RET_SINT32, sint32
	RET_ITEM SYSV_RET_UINT32, uint32
	RET_ITEM SYSV_RET_RAX, rax
	RET_ITEM SYSV_RET_FLOAT, float
	RET_ITEM SYSV_RET_XMM0, xmm0
	RET_ITEM SYSV_RET_X87, x87
	RET_ITEM SYSV_RET_X87_2, x87_2
	RET_ITEM SYSV_RET_RAX_RDX, rax_rdx
	RET_ITEM SYSV_RET_RAX_XMM0, rax_xmm0
	RET_ITEM SYSV_RET_XMM0_RAX, xmm0_rax
	RET_ITEM SYSV_RET_XMM0_XMM1, xmm0_xmm1
	RET_ITEM SYSV_RET_XMM0_FULL, xmm0_full
	RET_ITEM SYSV_RET_PART_RAX, rax
	RET_ITEM SYSV_RET_PART_XMM0, xmm0
	RET_ITEM SYSV_RET_PART_RAX_RDX, rax_rdx
	RET_ITEM SYSV_RET_PART_RAX_XMM0, rax_xmm0
	RET_ITEM SYSV_RET_PART_XMM0_RAX, xmm0_rax
	RET_ITEM SYSV_RET_PART_XMM0_XMM1, xmm0_xmm1
	RET_ITEM SYSV_RET_MEMORY, memory
	ENDTABLE ffix_sysv_closure_rets, SYSV_CLOSURE_RETS

#include "../x86_64/asm_notes.h"
