// win64_plan.cc -- turn a signature into its Microsoft x64 call plan.
//
// The rules, from Microsoft's "x64 calling convention" (learn.microsoft.com,
// C++ > Build > x64 ABI conventions), as GCC's ms_abi implements them
// (the compiler is the ground truth; libffi's ffiw64.c agrees except
// where noted):
//
// Parameter passing
//   R1  Each argument takes one 8-byte slot, in order; a result returned
//       in memory takes slot 0 first (its hidden pointer).  Slots 0-3 are
//       registers, the rest are on the stack at rsp+32+8*(i-4) at the call.
//   R2  Integers, pointers, and structs/unions of 1, 2, 4 or 8 bytes
//       ("passed as if they were integers of the same size") go in
//       RCX, RDX, R8, R9 by slot.
//   R3  float and double go in XMM0-XMM3 by slot (not the next free XMM
//       register: the four slots are shared by both kinds).
//   R4  Everything else (aggregates of other sizes, complex double and
//       complex long double, GCC's 16-byte long double and __int128) is
//       passed "as a pointer to memory allocated by the caller": ffix
//       copies the argument into its frame, 16-byte aligned (or more, if
//       the type asks), so avalue's memory is never touched.
//   R5  Varargs: a floating-point argument after the fixed ones goes in
//       both its XMM register and the matching integer register.
// Stack allocation
//   R6  The caller always allocates 32 bytes of home area for the four
//       register arguments; rsp is 16-byte aligned at the call.
// Return values
//   R7  Integers and pointers in RAX (ffix widens narrow ones into the
//       full ffi_arg, as libffi does); float and double in XMM0.
//   R8  Aggregates of 1, 2, 4 or 8 bytes in RAX.
//   R9  Everything else is written by the callee through a hidden pointer
//       the caller passes in slot 0, and the callee returns that pointer
//       in RAX.  Under GCC this includes long double, for FFI_WIN64 as for
//       FFI_GNUW64 (libffi's FFI_WIN64 calls abort() for a long double
//       result; ffix follows the compiler).
//   R10 __int128 (GCC): returned in XMM0, all 16 bytes.
// Vectors are not part of libffi's Win64 ABI: FFI_BAD_TYPEDEF, as libffi.
#include "plan.h"

namespace ffix::win64 {

namespace {

// How one argument travels (R2-R4).
enum class Pass { Int, Float, Double, Ref };

bool is_int_size(size_t size) { return size == 1 || size == 2 || size == 4 || size == 8; }

Pass classify_arg(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_FLOAT: return Pass::Float;   // R3
  case FFI_TYPE_DOUBLE: return Pass::Double; // R3
  // R2, R4 by size: long double and __int128 are 16 bytes on every GCC
  // target ffix builds, so they go by reference.
  default: return is_int_size(t->size) ? Pass::Int : Pass::Ref;
  }
}

// The W64_GPR_/W64_STACK_ kind that loads an Int argument (same order in both).
int int_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_SINT8: return W64_GPR_SINT8;
  case FFI_TYPE_UINT8: return W64_GPR_UINT8;
  case FFI_TYPE_SINT16: return W64_GPR_SINT16;
  case FFI_TYPE_UINT16: return W64_GPR_UINT16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return W64_GPR_SINT32;
  case FFI_TYPE_UINT32: return W64_GPR_UINT32;
  default: break;
  }
  switch (t->size) {  // aggregates as unsigned integers of their size (R2)
  case 1: return W64_GPR_UINT8;
  case 2: return W64_GPR_UINT16;
  case 4: return W64_GPR_UINT32;
  default: return W64_GPR_WORD;
  }
}

// The W64_RET_ kind of a result (R7-R10).
int return_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_VOID: return W64_RET_VOID;
  case FFI_TYPE_SINT8: return W64_RET_SINT8;
  case FFI_TYPE_UINT8: return W64_RET_UINT8;
  case FFI_TYPE_SINT16: return W64_RET_SINT16;
  case FFI_TYPE_UINT16: return W64_RET_UINT16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return W64_RET_SINT32;
  case FFI_TYPE_UINT32: return W64_RET_UINT32;
  case FFI_TYPE_SINT64: case FFI_TYPE_UINT64: case FFI_TYPE_POINTER: return W64_RET_RAX;
  case FFI_TYPE_FLOAT: return W64_RET_FLOAT;
  case FFI_TYPE_DOUBLE: return W64_RET_DOUBLE;
  case FFI_TYPE_SINT128: case FFI_TYPE_UINT128: return W64_RET_XMM0;
  case FFI_TYPE_LONGDOUBLE: return W64_RET_MEMORY;
  default: break;
  }
  switch (t->size) {  // structs and complex numbers (R8, R9)
  case 1: return W64_RET_BYTES1;
  case 2: return W64_RET_BYTES2;
  case 4: return W64_RET_BYTES4;
  case 8: return W64_RET_RAX;
  default: return W64_RET_MEMORY;
  }
}

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w) {
  const ffi_type *rtype = cif->rtype;
  if (rtype->type == FFI_TYPE_VECTOR) return w.refuse(Reason::NotPassable, -1, rtype->type, rtype->size);
  for (unsigned i = 0; i < cif->nargs; i++)
    if (cif->arg_types[i]->type == FFI_TYPE_VECTOR)
      return w.refuse(Reason::NotPassable, static_cast<int>(i), FFI_TYPE_VECTOR, cif->arg_types[i]->size);

  const int ret = return_kind(rtype);
  const unsigned first = ret == W64_RET_MEMORY ? 1 : 0;  // R1: the hidden pointer's slot
  const size_t nslots = size_t{first} + cif->nargs;
  // R6: at least the four home slots; the copies after the slots, each at
  // an offset from rsp that is a multiple of its alignment (the frame is
  // aligned to the largest of them).
  const size_t slots_bytes = align_up(8 * (nslots > W64_REG_SLOTS ? nslots : W64_REG_SLOTS), 16);
  if (slots_bytes > kMaxStackBytes) return w.refuse(Reason::StackTooLarge, -1, kMaxStackBytes);
  StepList stack_steps, reg_steps;  // copies and stack slots first, then the registers
  size_t end = slots_bytes;         // offset from rsp of the end of the copies made so far
  size_t align = 16;                // the frame's alignment
  // The closure's Locate array: one int32 per argument, an offset from
  // the closure frame's rbp (win64_asm.h), bit 0 set for a reference.
  Bytes locates;
  auto *loc = static_cast<int32_t *>(locates.append(size_t{4} * cif->nargs));
  if (!loc) return kOutOfMemory;

  if (first) reg_steps.emit(ffix_win64_retptr_op, 0, 0);
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    const unsigned slot = first + i;
    const bool reg = slot < W64_REG_SLOTS;
    const uint32_t home = static_cast<uint32_t>(8 * slot);   // the slot at the call
    const int32_t incoming = W64_CL_SLOTS + static_cast<int32_t>(home);  // the slot in a closure
    const Pass pass = classify_arg(t);
    switch (pass) {
    case Pass::Int:
      if (reg) reg_steps.emit(ffix_win64_gpr_ops[int_kind(t)][slot], i, 0);
      else stack_steps.emit(ffix_win64_stack_ops[int_kind(t)], i, home);
      loc[i] = incoming;
      break;
    case Pass::Float:
    case Pass::Double: {
      const bool dbl = pass == Pass::Double;
      if (reg) {
        reg_steps.emit(ffix_win64_xmm_ops[dbl ? W64_XMM_DOUBLE : W64_XMM_FLOAT][slot], i, 0);
        if (i >= nfixed)  // R5
          reg_steps.emit(ffix_win64_gpr_ops[dbl ? W64_GPR_WORD : W64_GPR_UINT32][slot], i, 0);
        loc[i] = W64_CL_XMM + 8 * static_cast<int32_t>(slot);
      } else {
        stack_steps.emit(ffix_win64_stack_ops[dbl ? W64_STACK_WORD : W64_STACK_UINT32], i, home);
        loc[i] = incoming;
      }
      break;
    }
    case Pass::Ref: {
      size_t a = t->alignment > 16 ? t->alignment : 16;
      if (a > align) align = a;
      const size_t at = align_up(end, a);
      if (at + t->size - slots_bytes > kMaxStackBytes) return w.refuse(Reason::StackTooLarge, -1, kMaxStackBytes);
      const auto copy = static_cast<uint32_t>(at);
      end = at + t->size;
      // The copy first, then its address.
      stack_steps.emit_wide(ffix_win64_stack_ops[W64_STACK_COPY], i, copy, static_cast<uint32_t>(t->size), 0);
      if (reg) reg_steps.emit(ffix_win64_gpr_ops[W64_GPR_REF][slot], i, copy);
      else stack_steps.emit(ffix_win64_stack_ops[W64_STACK_REF], copy, home);
      loc[i] = incoming | 1;
      break;
    }
    }
  }
  reg_steps.emit(ffix_win64_call_ops[ret], 0, 0);

  // The plan: the header, the steps, the Locate array.
  w.append(sizeof(Header));
  w.append(stack_steps);
  w.append(reg_steps);
  const size_t locate = w.size();
  w.append(locates);
  if (w.failed()) return w.status();

  Header *h = w.at<Header>(0);
  h->frame = align_up(end, align);
  const size_t rsize = ret == W64_RET_VOID ? 0 : rtype->size;
  h->discard = align_up(rsize > 16 ? rsize : 16, 16);
  size_t ralign = rtype->alignment > 16 ? rtype->alignment : 16;
  if (ret == W64_RET_MEMORY && ralign > align) align = ralign;
  h->align = -static_cast<uint64_t>(align);
  h->locate = static_cast<uint32_t>(locate);
  h->nargs = cif->nargs;
  h->memory = ret == W64_RET_MEMORY;
  // libffi's cif->bytes: eight bytes per slot, at least four slots.
  w.stack_bytes = static_cast<unsigned>(8 * (nslots > W64_REG_SLOTS ? nslots : W64_REG_SLOTS));
  return w.status();
}

} // namespace ffix::win64
