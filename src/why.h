// why.h -- why a preparation was refused, for FFIX_DEBUG (why.cc).
//
// The code that refuses a type or signature records a small Why on its
// failure path only: a reason with up to four numbers at the refusal,
// then, while the status travels back up, the element index taken at
// each level, and last whether it was the return type or which argument.
// The entry point (ffi_prep_cif, ...) hands it to report(), which writes
// one line on stderr when FFIX_DEBUG asks for it.  Nothing here runs, is
// stored or is read on the way to FFI_OK, and a report reads nothing but
// the record: numbers and pointers copied from memory the check itself
// had validated, compared but never followed.
#pragma once

// Included by backend.h (after ffi.h and FFIX_HIDDEN), not on its own.

namespace ffix {

enum class Reason : uint8_t {
  None,            // nothing recorded: a bug of ours, reported as such
  NullCif,         // the cif pointer is NULL
  BadAbi,          // n0: the ABI number
  NullType,        // a NULL ffi_type pointer
  NullArgTypes,    // n0: the argument count (atypes is NULL)
  NullElements,    // an aggregate's element list is NULL
  EmptyElements,   // an aggregate's element list is empty ({NULL})
  TooDeep,         // n0: kMaxDepth, exceeded (report() finds cycles)
  TooLarge,        // n0: the size, n1: kMaxTypeSize
  MembersTooLarge, // n0: the size reached, n1: at which element, n2: kMaxTypeSize
  UnknownCode,     // n0: the type code
  ScalarSize,      // n0: the size, n1: the code, n2: the code's size
  BadAlignment,    // n0: the alignment
  VoidSize0,       // a void type of size 0
  ComplexPart,     // n0: the part's type code
  ComplexSize,     // n0: the size, n1: twice the part's size
  VectorLane,      // n0: the first lane's type code
  VectorMixed,     // n0: which lane, n1: its code, n2: the first lane's
  VectorLayout,    // n0, n1: declared size and alignment; n2, n3: the lanes'
  NotAStruct,      // n0: the type code (ffi_get_struct_offsets)
  VariadicFloat,   // a variadic float (C promotes it to double)
  VariadicNarrow,  // n0: the size of a variadic integer narrower than int
  FixedOverTotal,  // n0: nfixed, n1: ntotal
  OutOfMemory,
  StackTooLarge,   // n0: the limit (bytes of stack arguments)
  NotPassable,     // n0: code, n1: size -- the ABI has no way to pass it
  CifNotPrepared,  // the cif was not prepared successfully (closures)
  NoClosures,      // n0: the ABI, which has no closures of that kind
  NullClosure,     // the closure pointer is NULL
  TypesChanged,    // the cif's types no longer make the signature it was prepared with
};
inline constexpr Reason kLastReason = Reason::TypesChanged;  // why.cc has a row for each up to it

// Where in the signature: the return type, argument N, the struct given
// to ffi_get_struct_offsets, or nothing in particular.
enum class Where : uint8_t { Nothing, Return, Argument, Struct };

// No initialisers: an entry point's Why costs nothing until something
// fails (refuse() sets every field report() reads).
struct Why {
  static constexpr unsigned kSteps = 96;  // > kMaxDepth + 2: every level fits
  Reason reason;
  Where where;
  uint32_t arg;
  uint64_t n[4];
  unsigned steps;                   // levels recorded, innermost first
  uint32_t index[kSteps];           // index[k]: element taken to reach type[k]
  const void *type[kSteps + 1];     // type[0] refused; type[k + 1] holds type[k]
};

// At the refusal: TYPE (nullptr for none) is refused for REASON; returns S.
// WHY may be nullptr (a backend's check_members records nothing).
[[gnu::cold]] FFIX_HIDDEN ffi_status refuse(Why *why, Reason reason, const void *type, uint64_t n0 = 0,
                                            uint64_t n1 = 0, uint64_t n2 = 0, uint64_t n3 = 0,
                                            ffi_status s = FFI_BAD_TYPEDEF);
// While S travels up: the refused type was reached as elements[I] of PARENT.
[[gnu::cold]] FFIX_HIDDEN ffi_status step(Why *why, uint32_t i, const void *parent, ffi_status s);
// At the top of the signature: the return type or argument ARG.
[[gnu::cold]] FFIX_HIDDEN ffi_status at(Why *why, Where where, uint32_t arg, ffi_status s);

// Write FUNCTION's refusal with status S as one line on stderr, when
// FFIX_DEBUG is set (the environment is read on the first refusal only).
[[gnu::cold]] FFIX_HIDDEN void report(const char *function, ffi_status s, const Why &why);

} // namespace ffix
