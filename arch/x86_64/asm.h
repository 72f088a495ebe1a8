/* asm.h -- what the x86-64 assembly files share, for ELF (Linux) and
   COFF (Windows) objects alike.

   FUNC name / ENDFUNC name   a function's symbol: global, hidden in the
                              ELF library (a DLL exports only what its
                              objects ask for).
   API name                   instead of FUNC, for one of libffi's public
                              functions (the version script gives it its
                              node on ELF; COFF asks with .drectve).
   SEH(...)                   Windows unwind directives, nothing on ELF.
   ENDBR                      the IBT landing pad (a no-op where CET is off).

   Windows needs unwind data (.pdata/.xdata) to unwind through a frame:
   a function that calls out wraps its body in .seh_proc/.seh_endproc and
   describes its prologue with SEH().  DWARF .cfi_* directives serve ELF
   (and are harmless in COFF).  */
#ifndef FFIX_X86_64_ASM_H
#define FFIX_X86_64_ASM_H

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
#endif

#endif
