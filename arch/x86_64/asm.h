/* asm.h -- what every x86-64 assembly file of ffix uses, for ELF (Linux)
   and COFF (Windows) objects alike.  It brings ffi.h's constants
   (FFI_TRAMPOLINE_SIZE, FFI_TYPE_*) and the core's shared layouts
   (src/ffix_asm.h, src/steps.h).

   FUNC name / ENDFUNC name   a function's symbol: global, hidden in the
                              ELF library (a DLL exports only what its
                              objects ask for).
   API name                   instead of FUNC, for one of libffi's public
                              functions (the version script gives it its
                              node on ELF; COFF asks with .drectve).
   SEH(...)                   Windows unwind directives, nothing on ELF.
   ENDBR                      the IBT landing pad (a no-op where CET is off).
   TABLE name                 a hidden table of addresses for C++ to read,
                              in read-only data (after relocation), checked
                              entry by entry with AT, ITEM and ENDTABLE
                              (src/asm_tables.h).
   PLAN_OF cif, idx, idx32, out, fail
                              OUT = the plan of the cif at CIF (core.h's
                              find_plan), the empty plan for a cif never
                              prepared (a jump through any of its fields
                              lands in ffix_bad_cif), or jump to FAIL when
                              its index is past the table.
   PLAN_OF_CHECKED ...        the same, and FAIL for the empty plan too:
                              for code that reads the plan before jumping.

   Windows needs unwind data (.pdata/.xdata) to unwind through a frame:
   a function that calls out wraps its body in .seh_proc/.seh_endproc and
   describes its prologue with SEH().  DWARF .cfi_* directives serve ELF
   (and are harmless in COFF).  Every file ends with asm_notes.h.  */
#ifndef FFIX_X86_64_ASM_H
#define FFIX_X86_64_ASM_H

#define LIBFFI_ASM
#include <ffi.h>
#include "../../src/ffix_asm.h"
#include "../../src/steps.h"

#define ENDBR endbr64

#if defined(_WIN32)
#define FFIX_COFF 1
#define SEH(...) __VA_ARGS__
	.macro FUNC name
	.globl	\name
	.def	\name; .scl 2; .type 32; .endef
	.endm
	.macro API name
	.globl	\name
	.def	\name; .scl 2; .type 32; .endef
	.endm
	.macro ENDFUNC name
	.endm
	.macro TABLE name
	.section .rdata,"dr"
	.p2align 3
	.globl	\name
\name:
	.endm
#else
#define SEH(...)
	.macro FUNC name
	.globl	\name
	.hidden	\name
	.type	\name, @function
	.endm
	.macro API name
	.globl	\name
	.type	\name, @function
	.endm
	.macro ENDFUNC name
	.size	\name, . - \name
	.endm
	.macro TABLE name
	.section .data.rel.ro,"aw"
	.p2align 3
	.globl	\name
	.hidden	\name
	.type	\name, @object
\name:
	.endm
#endif

#include "../../src/asm_tables.h"

	.macro PLAN_OF cif, idx, idx32, out, fail
	movl	FFIX_CIF_FLAGS(\cif), \idx32
	cmpq	ffix_plans+FFIX_PLANS_LIMIT(%rip), \idx
	jae	\fail
	movq	ffix_plans+FFIX_PLANS_TABLE(%rip), \out
	movq	(\out,\idx,8), \out
	.endm

	.macro PLAN_OF_CHECKED cif, idx, idx32, out, fail
	PLAN_OF	\cif, \idx, \idx32, \out, \fail
	cmpq	ffix_plans+FFIX_PLANS_NONE(%rip), \out
	je	\fail
	.endm

#endif
