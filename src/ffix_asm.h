/* ffix_asm.h -- the core's layouts that assembly reads: the cif's flags
   field (the plan index) and a plan's invoke pointer.  Checked against the
   C++ definitions by static_assert in ffix.h.  */
#ifndef FFIX_ASM_H
#define FFIX_ASM_H

#define FFIX_CIF_FLAGS 28
#define FFIX_PLAN_INVOKE 0

#endif
