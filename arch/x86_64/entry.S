/* entry.S -- ffi_call and ffi_call_plan_invoke on x86-64: find the plan
   and jump to its invoke, which takes the same arguments with the plan in
   place of the cif (the static chain for ffi_call_go, when there is one,
   is left where it is: only Go closures read it).  The C++ equivalents
   are plan_at() and Plan::invoke; this is them without a register to
   spare.  The first argument is in rdi (System V) or rcx (Windows).  */

#include "asm.h"

#ifdef FFIX_COFF
#define ARG0 %rcx
#else
#define ARG0 %rdi
#endif

	.text

	API	ffi_call
	.p2align 4
ffi_call:
	.cfi_startproc
	ENDBR
	PLAN_OF	ARG0, %rax, %eax, ARG0, 1f
	jmp	*FFIX_PLAN_INVOKE(ARG0)
	/* Out of bounds: an unplanned cif (src/unplanned.cc), or a bad one.
	   PLAN_OF has changed no argument register yet.  */
1:	jmp	ffix_call_unplanned
	.cfi_endproc
	ENDFUNC	ffi_call

	API	ffi_call_plan_invoke
	.p2align 4
ffi_call_plan_invoke:
	.cfi_startproc
	ENDBR
	movq	FFIX_CALL_PLAN_PLAN(ARG0), ARG0
	testq	ARG0, ARG0
	jz	1f
	jmp	*FFIX_PLAN_INVOKE(ARG0)
1:	call	ffix_bad_cif
	.cfi_endproc
	ENDFUNC	ffi_call_plan_invoke

#if defined(FFIX_COFF) && defined(DLL_EXPORT)
	/* A DLL exports what its objects ask for; these two are written here
	   rather than declared dllexport in C.  (libtool defines DLL_EXPORT
	   for the DLL's objects only: a program linking the static library
	   exports nothing of it.)  */
	.section .drectve
	.ascii	" -export:ffi_call -export:ffi_call_plan_invoke"
#endif

#include "asm_notes.h"
