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

#include <string.h>

namespace ffix::win64 {

namespace {

constexpr unsigned kRegSlots = 4;

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

// The GPR_/STACK_ kind that loads an Int argument (same order in both).
int int_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_SINT8: return GPR_SINT8;
  case FFI_TYPE_UINT8: return GPR_UINT8;
  case FFI_TYPE_SINT16: return GPR_SINT16;
  case FFI_TYPE_UINT16: return GPR_UINT16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return GPR_SINT32;
  case FFI_TYPE_UINT32: return GPR_UINT32;
  default: break;
  }
  switch (t->size) {  // aggregates as unsigned integers of their size (R2)
  case 1: return GPR_UINT8;
  case 2: return GPR_UINT16;
  case 4: return GPR_UINT32;
  default: return GPR_WORD;
  }
}

// The RET_ kind of a result (R7-R10).
int return_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_VOID: return RET_VOID;
  case FFI_TYPE_SINT8: return RET_SINT8;
  case FFI_TYPE_UINT8: return RET_UINT8;
  case FFI_TYPE_SINT16: return RET_SINT16;
  case FFI_TYPE_UINT16: return RET_UINT16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return RET_SINT32;
  case FFI_TYPE_UINT32: return RET_UINT32;
  case FFI_TYPE_SINT64: case FFI_TYPE_UINT64: case FFI_TYPE_POINTER: return RET_RAX;
  case FFI_TYPE_FLOAT: return RET_FLOAT;
  case FFI_TYPE_DOUBLE: return RET_DOUBLE;
  case FFI_TYPE_SINT128: case FFI_TYPE_UINT128: return RET_XMM0;
  case FFI_TYPE_LONGDOUBLE: return RET_MEMORY;
  default: break;
  }
  switch (t->size) {  // structs and complex numbers (R8, R9)
  case 1: return RET_BYTES1;
  case 2: return RET_BYTES2;
  case 4: return RET_BYTES4;
  case 8: return RET_RAX;
  default: return RET_MEMORY;
  }
}

struct Builder {
  PlanWriter stack_steps, reg_steps, locates;
  size_t end = 0;      // offset from rsp of the end of the copies made so far
  size_t align = 16;   // the frame's alignment

  static bool emit(PlanWriter &to, const void *handler, uint32_t a, uint32_t b) {
    auto *s = static_cast<Step *>(to.append(sizeof(Step)));
    if (!s) return false;
    *s = Step{handler, a, b};
    return true;
  }
};

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w) {
  const ffi_type *rtype = cif->rtype;
  if (rtype->type == FFI_TYPE_VECTOR) return FFI_BAD_TYPEDEF;
  for (unsigned i = 0; i < cif->nargs; i++)
    if (cif->arg_types[i]->type == FFI_TYPE_VECTOR) return FFI_BAD_TYPEDEF;

  const int ret = return_kind(rtype);
  const unsigned first = ret == RET_MEMORY ? 1 : 0;  // R1: the hidden pointer's slot
  const size_t nslots = size_t{first} + cif->nargs;
  // R6: at least the four home slots; the copies after the slots, each at
  // an offset from rsp that is a multiple of its alignment (the frame is
  // aligned to the largest of them).
  const size_t slots_bytes = align_up(8 * (nslots > kRegSlots ? nslots : kRegSlots), 16);
  if (slots_bytes > kMaxStackBytes) return FFI_BAD_TYPEDEF;
  // The closure's Locate array: one int32 per argument, an offset from
  // the closure frame's rbp (win64_asm.h), bit 0 set for a reference.
  Builder b;
  b.end = slots_bytes;
  int32_t *loc = nullptr;
  if (cif->nargs) {
    loc = static_cast<int32_t *>(b.locates.append(size_t{4} * cif->nargs));
    if (!loc) return FFI_BAD_TYPEDEF;
  }

  if (first && !Builder::emit(b.reg_steps, ffix_win64_retptr_op, 0, 0)) return FFI_BAD_TYPEDEF;
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    const unsigned slot = first + i;
    const bool reg = slot < kRegSlots;
    const uint32_t home = static_cast<uint32_t>(8 * slot);   // the slot at the call
    const int32_t incoming = CL_SLOTS + static_cast<int32_t>(home);  // the slot in a closure
    bool ok = true;
    const Pass pass = classify_arg(t);
    switch (pass) {
    case Pass::Int:
      ok = reg ? Builder::emit(b.reg_steps, ffix_win64_gpr_ops[int_kind(t)][slot], i, 0)
               : Builder::emit(b.stack_steps, ffix_win64_stack_ops[int_kind(t)], i, home);
      loc[i] = incoming;
      break;
    case Pass::Float:
    case Pass::Double: {
      const bool dbl = pass == Pass::Double;
      if (reg) {
        ok = Builder::emit(b.reg_steps, ffix_win64_xmm_ops[dbl ? XMM_DOUBLE : XMM_FLOAT][slot], i, 0);
        if (ok && i >= nfixed)  // R5
          ok = Builder::emit(b.reg_steps, ffix_win64_gpr_ops[dbl ? GPR_WORD : GPR_UINT32][slot], i, 0);
        loc[i] = CL_XMM + 8 * static_cast<int32_t>(slot);
      } else {
        ok = Builder::emit(b.stack_steps, ffix_win64_stack_ops[dbl ? STACK_WORD : STACK_UINT32], i, home);
        loc[i] = incoming;
      }
      break;
    }
    case Pass::Ref: {
      size_t a = t->alignment > 16 ? t->alignment : 16;
      if (a > b.align) b.align = a;
      const size_t at = align_up(b.end, a);
      if (at + t->size - slots_bytes > kMaxStackBytes) return FFI_BAD_TYPEDEF;
      const uint32_t copy = static_cast<uint32_t>(at);
      b.end = at + t->size;
      // The copy first (a wide step: C = size), then its address.
      auto *s = static_cast<Step *>(b.stack_steps.append(2 * sizeof(Step)));
      if (!s) return FFI_BAD_TYPEDEF;
      s[0] = Step{ffix_win64_stack_ops[STACK_COPY], i, copy};
      uint32_t cd[2] = {static_cast<uint32_t>(t->size), 0};
      memcpy(&s[1], cd, sizeof cd);
      ok = reg ? Builder::emit(b.reg_steps, ffix_win64_gpr_ops[GPR_REF][slot], i, copy)
               : Builder::emit(b.stack_steps, ffix_win64_stack_ops[STACK_REF], copy, home);
      loc[i] = incoming | 1;
      break;
    }
    }
    if (!ok) return FFI_BAD_TYPEDEF;
  }
  if (!Builder::emit(b.reg_steps, ffix_win64_call_ops[ret], 0, 0)) return FFI_BAD_TYPEDEF;
  if (b.stack_steps.failed || b.reg_steps.failed || b.locates.failed) return FFI_BAD_TYPEDEF;


  auto *h = static_cast<Header *>(w.append(sizeof(Header)));
  const size_t steps = w.len;
  if (!h || !w.append(b.stack_steps.len + b.reg_steps.len)) return FFI_OK;  // w.failed tells
  memcpy(w.buf + steps, b.stack_steps.buf, b.stack_steps.len);
  memcpy(w.buf + steps + b.stack_steps.len, b.reg_steps.buf, b.reg_steps.len);
  const size_t locates = w.len;
  if (!w.append(b.locates.len)) return FFI_OK;
  memcpy(w.buf + locates, b.locates.buf, b.locates.len);

  h = w.at<Header>(0);
  h->frame = align_up(b.end, b.align);
  const size_t rsize = ret == RET_VOID ? 0 : rtype->size;
  h->discard = align_up(rsize > 16 ? rsize : 16, 16);
  size_t ralign = rtype->alignment > 16 ? rtype->alignment : 16;
  if (ret == RET_MEMORY && ralign > b.align) b.align = ralign;
  h->align = -static_cast<uint64_t>(b.align);
  h->locate = static_cast<uint32_t>(locates);
  h->nargs = cif->nargs;
  h->memory = ret == RET_MEMORY;
  // libffi's cif->bytes: eight bytes per slot, at least four slots.
  w.stack_bytes = static_cast<unsigned>(8 * (nslots > kRegSlots ? nslots : kRegSlots));
  return FFI_OK;
}

} // namespace ffix::win64
