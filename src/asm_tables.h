/* asm_tables.h -- the checks on the handler tables every target's
   assembly gives C++ (GNU as, any target; included by arch/<family>/asm.h
   after its TABLE macro, which opens a table in read-only data):

   AT table, index[, size]    checks that the next entry is number INDEX
                              (entries SIZE bytes, default 8), so that the
                              assembler stops when a table is out of step
                              with the C++ enumeration it is indexed by;
   ITEM table, index, label   entry INDEX: the address LABEL;
   ENDTABLE table, count[, size]  checks that it has COUNT entries.

   testsuite/asm/check-tables.sh shows the assembler refusing a table out
   of order.  FFIX_COFF (Windows objects) has no symbol sizes.  */
#ifndef FFIX_ASM_TABLES_H
#define FFIX_ASM_TABLES_H

	.macro AT table, index, size=8
	.if (. - \table) != (\index) * (\size)
	.error "\table: entry \index is out of order"
	.endif
	.endm
	.macro ITEM table, index, label
	AT	\table, \index
	.quad	\label
	.endm
	.macro ENDTABLE table, count, size=8
	.if (. - \table) != (\count) * (\size)
	.error "\table does not have \count entries"
	.endif
#ifndef FFIX_COFF
	.size	\table, . - \table
#endif
	.endm

#endif
