/* entry.S -- ffi_call and ffi_call_plan_invoke on AArch64: find the plan
   and branch to its invoke, which takes the same arguments with the plan
   in place of the cif (x4, the static chain of ffi_call_go, is only read
   by plans that call Go closures).  The C++ equivalents are find_plan()
   and Plan::invoke; this is them without a frame.  */

#include "asm.h"

	.text

	API	ffi_call
	.p2align 4
ffi_call:
	.cfi_startproc
	BTI_C
	PLAN_OF	x0, 9, 10, 11, 0, 1f
	ldr	x16, [x0, #FFIX_PLAN_INVOKE]
	br	x16
	/* Out of bounds: an unplanned cif (src/unplanned.cc), or a bad one.
	   PLAN_OF has changed no argument register yet.  */
1:	b	ffix_call_unplanned
	.cfi_endproc
	ENDFUNC	ffi_call

	API	ffi_call_plan_invoke
	.p2align 4
ffi_call_plan_invoke:
	.cfi_startproc
	BTI_C
	ldr	x0, [x0, #FFIX_CALL_PLAN_PLAN]
	cbz	x0, 1f
	ldr	x16, [x0, #FFIX_PLAN_INVOKE]
	br	x16
1:	bl	ffix_bad_cif
	.cfi_endproc
	ENDFUNC	ffi_call_plan_invoke

#include "asm_notes.h"
