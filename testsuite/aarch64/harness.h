/* harness.h -- how capture.t's cases are written: a signature, a
   compiled call of a64_capture_callee with the same C prototype, and rows
   saying where AAPCS64 puts each argument byte or takes each result byte
   from.  harness.c makes each call three ways (the compiled call, ffi_call
   or ffi_call_go, and a call plan), records what a64_capture_callee saw
   and checks every row against each record: the compiled call shows that
   a row says what the compiler does, the others that the library agrees.

   Rule numbers are those of AAPCS64 (ARM IHI 0055, 2023Q3), §6.8.2
   "Parameter passing rules", stages A-C (the same numbers since 2020Q2),
   and §6.9 "Result return".  */
#ifndef CAPTURE_HARNESS_H
#define CAPTURE_HARNESS_H
#include <ffi.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_a64.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Types libffi 3.4.4 (the oracle) does not have; their cases are skipped
   there.  Call plans are ffix's (libffi API 3.7).  */
#ifdef FFI_TARGET_HAS_INT128
#define HAVE_INT128_TYPE 1
#endif
#ifdef FFI_TYPE_VECTOR
#define HAVE_VECTOR_TYPE 1
#endif
#if defined(FFI_VERSION_NUMBER) && FFI_VERSION_NUMBER >= 30700
#define HAVE_CALL_PLANS 1
#endif

/* Where a row looks.  */
enum where {
  IN_X,      /* byte AT of x[INDEX] (0-8) */
  IN_V,      /* byte AT of q[INDEX] */
  IN_STACK,  /* stack byte INDEX + AT (INDEX: the slot's offset from sp) */
  IN_DEREF,  /* byte AT of what the callee copied through deref_src */
  REF_X,     /* x[INDEX] holds an address that is not avalue[ARG]: */
  REF_STACK, /*     the callee's copy is not the caller's object (ffi calls only) */
  EXTENDED_X,/* all of x[INDEX] is the argument sign- or zero-extended to 64
                bits, by its ffi_type (ffi calls only: not an ABI rule) */
};

/* Argument ARG's bytes [SRC, SRC + LEN) are at WHERE / INDEX, byte AT.
   Rows say only where bytes must be: a register or slot the rules leave
   unused holds unspecified bits, and both GCC and libffi do leave copies
   of argument bytes in unused v registers (temporaries of their own), so
   "not back-filled" shows as a later argument's row elsewhere.  */
struct row {
  int arg, src, len;
  enum where where;
  int index, at;
};

struct args_case {
  const char *name;         /* what is checked, with the rules */
  unsigned nargs;
  ffi_type **types;
  unsigned nfixed;          /* variadic (ffi_prep_cif_var) when not 0 */
  void (*direct)(void **values);
  const struct row *rows;
  size_t nrows;
  int deref_src, deref_len; /* a64_ret's: what the callee copies through a pointer */
  void *chain;              /* not NULL: ffi_call_go with this closure (x18) */
  /* Called after the values are filled with the pattern, to change some.  */
  void (*adjust)(void **values, ffi_type **types);
};

#define ROWS(r) .rows = (r), .nrows = ARRAY_LEN(r)

/* Where a result byte comes from: the value a64_capture_callee loaded
   into x[INDEX] or q[INDEX], or wrote through x8.  */
enum source { FROM_X, FROM_Q, FROM_X8 };

/* Result bytes [AT, AT + LEN) equal bytes [OFF, OFF + LEN) of SOURCE.  */
struct rrow {
  enum source source;
  int index, off, len, at;
};

struct result_case {
  const char *name;
  ffi_type *rtype;
  void (*direct)(void *out);   /* stores the compiled call's result at OUT */
  const struct rrow *rows;
  size_t nrows;
  int x8_len;                  /* a result in memory: its size */
  uint64_t x0;                 /* not 0: x0's value instead of the pattern's */
  int widen;                   /* the whole ffi_arg must be WANT (ffi calls only) */
  ffi_arg want;
  int null_rvalue;             /* ffi calls only, with a NULL rvalue */
};

void run_args(const struct args_case *c);
void run_result(const struct result_case *c);
void skip_case(const char *name, const char *why);

/* a64_capture_callee's address, hidden from the optimiser: the compiled
   calls cast it to the prototype of each case (GCC warns about a cast
   at the call, and drops a static chain on a direct tail call).  */
void *callee(void);
#define CALL(proto) ((proto *)callee())
#define V(T, i) (*(T *)values[i])

void args_cases(void);
void results_cases(void);

#endif
