// build_plan.cc -- turn an AAPCS64 signature into its call plan: every
// register and stack slot decided here, once, as the steps that invoke.S
// runs and the Locate table that closure.S reads.
//
// Stage C of AAPCS64 §6.8.2 (ARM IHI 0055, 2023Q3), rule by rule, for each
// argument in order (classify.cc did stage B).  NGRN, NSRN and NSAA start
// at x0, v0 and the stack pointer (stage A).
//   C.1  a floating-point or short vector value takes v[NSRN] if NSRN < 8;
//   C.2  an HFA or HVA takes one v register per member if they all fit;
//   C.3  otherwise NSRN becomes 8 (no later value uses v registers) and
//        the argument's size rounds up to 8;
//   C.4  on the stack it is aligned to 16 if its natural alignment is 16,
//        else to 8;
//   C.5  a float takes an 8-byte stack slot;
//   C.6  ... and is stored at NSAA.
//   C.9  an integral or pointer value of up to 8 bytes takes x[NGRN];
//   C.10 a 16-byte-aligned argument first rounds NGRN up to even;
//   C.11 a 16-byte integral value takes x[NGRN], x[NGRN+1] if NGRN < 7;
//   C.12 a composite takes as many consecutive x registers as it has
//        8-byte words, if they are left;
//   C.13 otherwise NGRN becomes 8: nothing later uses x registers;
//   C.14 on the stack it is aligned to its natural alignment, at least 8
//        (at most 16: no argument type ffix passes is more aligned);
//   C.15-C.17  ... stored at NSAA, in a slot of at least 8 bytes.
// Results (§6.9): what would travel in x0-x7 or v0-v7 as the first
// argument comes back in x0/x1 or v0-v3; anything else is written to
// memory the caller passes in x8.
#include "classify.h"
#include "plan.h"

namespace ffix::a64 {

namespace {

// The GPR kind that loads a scalar integer code.
int integer_kind(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT8: return A64_GPR_SINT8;
  case FFI_TYPE_UINT8: return A64_GPR_BYTES1;
  case FFI_TYPE_SINT16: return A64_GPR_SINT16;
  case FFI_TYPE_UINT16: return A64_GPR_BYTES1 + 1;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return A64_GPR_SINT32;
  case FFI_TYPE_UINT32: return A64_GPR_BYTES1 + 3;
  default: return A64_GPR_BYTES8;
  }
}

constexpr int fpr_kind(unsigned member) {
  return member == 4 ? A64_FPR_S : member == 8 ? A64_FPR_D : A64_FPR_Q;
}

// Every operand is final when written: stack slots grow up from sp, and
// copies of by-reference arguments grow down from fp, as they come.
struct Builder {
  const Convention &conv;
  StepList steps;
  Bytes locates, gathers;
  unsigned ngrn = 0, nsrn = 0;
  size_t nsaa = 0, copies = 0, gathered = 0;
  bool special = false;  // some argument is found otherwise than at an offset from fp

  explicit Builder(const Convention &c) : conv(c) {}

  // Where a closure finds the argument: at OFF of the save area or of
  // the caller's stack arguments, or of the gathered HFAs; FLAGS say
  // which of the last two kinds it is.
  void locate(uint32_t flags, size_t off) {
    special |= flags != 0;
    if (auto *l = static_cast<Locate *>(locates.append(sizeof(Locate)))) *l = Locate{flags | static_cast<uint32_t>(off), 0};
  }
  void saved(size_t off, uint32_t flags = 0) { locate(flags, A64_CL_SAVE + off); }
  void stacked(size_t off, uint32_t flags = 0) { locate(flags, A64_CL_FRAME + off); }
  void gpr(int kind, uint32_t arg, size_t off) { steps.emit(ffix_a64_gpr_ops[kind][ngrn++], arg, static_cast<uint32_t>(off)); }
  void fpr(int kind, uint32_t arg, size_t off) { steps.emit(ffix_a64_fpr_ops[kind][nsrn++], arg, static_cast<uint32_t>(off)); }

  // A whole scalar of pair kind KIND into the next register of a class:
  // one step for two when the register before took one too (whichever
  // argument that was, wherever its step is: the order registers are
  // loaded in does not matter, and no step between touches either).
  struct Pending {
    size_t step = ~size_t{0};  // offset of a single step that may take a second argument
    int kind = 0;
    unsigned reg = 0;
  } gpr_pending, fpr_pending;
  template <size_t K, size_t R>
  void pairable(Pending &p, const void *const (&pairs)[K][K][R], const void *single, int kind, uint32_t arg, unsigned &reg) {
    if (p.step != ~size_t{0} && p.reg + 1 == reg && !steps.failed()) {
      auto *first = steps.at<Step>(p.step);
      first->handler = pairs[p.kind][kind][p.reg];
      first->b = arg;
      p.step = ~size_t{0};  // a pair is not extended
      reg++;
      return;
    }
    p = Pending{steps.size(), kind, reg++};
    steps.emit(single, arg, 0);
  }

  // The next stack slot for SIZE bytes aligned to ALIGN (C.4, C.14): its
  // offset from sp.
  size_t stack_slot(size_t size, size_t align) {
    if (conv.packed_stack_slots) {
      nsaa = align_up(nsaa, align);
    } else {
      nsaa = align_up(nsaa, align < 8 ? 8 : align);
      size = align_up(size, 8);  // C.3, C.5, C.16, B.5
    }
    size_t off = nsaa;
    nsaa += size;
    return off;
  }

  // T (SIZE bytes) from argument ARG to the stack at its slot.
  void on_stack(uint32_t arg, const ffi_type *t, size_t align) {
    size_t off = stack_slot(t->size, align);
    stacked(off);
    int kind = t->size == 1 ? A64_STACK_BYTES1 : t->size == 2 ? A64_STACK_BYTES2 : t->size == 4 ? A64_STACK_BYTES4
             : t->size == 8 ? A64_STACK_BYTES8 : t->size == 16 ? A64_STACK_BYTES16 : A64_STACK_BLOCK;
    if (kind == A64_STACK_BLOCK)
      steps.emit_wide(ffix_a64_stack_ops[kind], arg, static_cast<uint32_t>(off), static_cast<uint32_t>(t->size), 0);
    else steps.emit(ffix_a64_stack_ops[kind], arg, static_cast<uint32_t>(off));
  }

  void integer(uint32_t arg, const ffi_type *t, bool regs) {
    if (regs && ngrn < A64_GPRS) {  // C.9
      saved(A64_SAVE_X + 8 * ngrn);
      int kind = integer_kind(t->type);
      int pair = kind == A64_GPR_SINT32 ? A64_PAIR_SINT32 : kind == A64_GPR_BYTES1 + 3 ? A64_PAIR_UINT32
               : kind == A64_GPR_BYTES8 ? A64_PAIR_WORD : -1;
      if (pair >= 0) return pairable(gpr_pending, ffix_a64_gpr_pairs, ffix_a64_gpr_ops[kind][ngrn], pair, arg, ngrn);
      return gpr(kind, arg, 0);
    }
    on_stack(arg, t, 8);  // C.14, C.16, C.17
  }

  void int128(uint32_t arg, const ffi_type *t, bool regs) {
    if (regs) {
      ngrn = align_up(ngrn, 2);  // C.10
      if (ngrn < A64_GPRS - 1) {  // C.11
        saved(A64_SAVE_X + 8 * ngrn);
        gpr(A64_GPR_BYTES8, arg, 0);
        return gpr(A64_GPR_BYTES8, arg, 8);
      }
      ngrn = A64_GPRS;  // C.13
    }
    on_stack(arg, t, 16);  // C.14, C.17
  }

  void vfp(uint32_t arg, const ffi_type *t, const Classified &c, bool regs) {
    if (regs && nsrn + c.count <= A64_FPRS) {  // C.1, C.2
      if (c.count == 1) {
        saved(A64_SAVE_V + 16 * nsrn);
      } else {  // the members sit in separate registers: gathered side by side for a closure
        if (auto *g = static_cast<Gather *>(gathers.append(sizeof(Gather))))
          *g = Gather{static_cast<uint32_t>(A64_SAVE_V + 16 * nsrn), static_cast<uint32_t>(gathered), c.count, c.member, 0};
        locate(kLocGathered, gathered);
        gathered += 64;  // the most an HFA takes: four long doubles
      }
      if (t->type == FFI_TYPE_DOUBLE)
        return pairable(fpr_pending, ffix_a64_fpr_pairs, ffix_a64_fpr_ops[A64_FPR_D][nsrn], A64_PAIR_DOUBLE, arg, nsrn);
      if (t->type == FFI_TYPE_FLOAT)
        return pairable(fpr_pending, ffix_a64_fpr_pairs, ffix_a64_fpr_ops[A64_FPR_S][nsrn], A64_PAIR_FLOAT, arg, nsrn);
      for (unsigned i = 0; i < c.count; i++) fpr(fpr_kind(c.member), arg, size_t{c.member} * i);
      return;
    }
    if (regs) nsrn = A64_FPRS;  // C.3
    on_stack(arg, t, t->alignment >= 16 ? 16 : 8);  // C.4-C.6
  }

  void composite(uint32_t arg, const ffi_type *t, bool regs) {
    if (regs) {
      if (t->alignment >= 16) ngrn = align_up(ngrn, 2);  // C.10
      size_t words = (t->size + 7) / 8;
      if (words <= A64_GPRS - ngrn) {  // C.12
        saved(A64_SAVE_X + 8 * ngrn);
        for (size_t w = 0; w < words; w++) {
          size_t len = t->size - 8 * w < 8 ? t->size - 8 * w : 8;
          gpr(A64_GPR_BYTES1 + static_cast<int>(len) - 1, arg, 8 * w);
        }
        return;
      }
      ngrn = A64_GPRS;  // C.13
    }
    on_stack(arg, t, t->alignment > 16 ? 16 : t->alignment);  // C.14, C.15
  }

  // B.4: a copy below fp, and its address as a pointer argument (C.9).
  void reference(uint32_t arg, const ffi_type *t, bool regs) {
    copies += align_up(t->size, 16);
    const auto size = static_cast<uint32_t>(t->size), at = static_cast<uint32_t>(copies);
    if (regs && ngrn < A64_GPRS) {
      saved(A64_SAVE_X + 8 * ngrn, kLocIndirect);
      steps.emit_wide(ffix_a64_gpr_ops[A64_GPR_REF][ngrn++], arg, 0, size, at);
      return;
    }
    size_t off = stack_slot(8, 8);
    stacked(off, kLocIndirect);
    steps.emit_wide(ffix_a64_stack_ops[A64_STACK_REF], arg, static_cast<uint32_t>(off), size, at);
  }
};

struct Return {
  int kind;
  uint32_t size;  // bytes a PART result copies
  // A closure loads a PART result as the whole of x0:x1 (its handler
  // wrote the bytes into a buffer of 64).
  int closure_kind() const { return kind == A64_RET_PART ? A64_RET_X0_X1 : kind; }
};

// §6.9: the registers a result comes back in.
ffi_status plan_return(const ffi_type *t, Return &r) {
  r = Return{A64_RET_VOID, 0};
  if (t->type == FFI_TYPE_VOID) return FFI_OK;
  Classified c;
  if (ffi_status s = classify(t, c); s != FFI_OK) return s;
  switch (c.cls) {
  case Class::Integer:
    switch (t->type) {
    case FFI_TYPE_SINT8: r.kind = A64_RET_SINT8; break;
    case FFI_TYPE_UINT8: r.kind = A64_RET_UINT8; break;
    case FFI_TYPE_SINT16: r.kind = A64_RET_SINT16; break;
    case FFI_TYPE_UINT16: r.kind = A64_RET_UINT16; break;
    case FFI_TYPE_SINT32: case FFI_TYPE_INT: r.kind = A64_RET_SINT32; break;
    case FFI_TYPE_UINT32: r.kind = A64_RET_UINT32; break;
    default: r.kind = A64_RET_X0; break;
    }
    return FFI_OK;
  case Class::Int128:
    r.kind = A64_RET_X0_X1;
    return FFI_OK;
  case Class::Vfp:
    r.kind = (c.member == 4 ? A64_RET_S1 : c.member == 8 ? A64_RET_D1 : A64_RET_Q1) + c.count - 1;
    return FFI_OK;
  case Class::Composite:
    r.kind = t->size == 8 ? A64_RET_X0 : t->size == 16 ? A64_RET_X0_X1 : A64_RET_PART;
    r.size = static_cast<uint32_t>(t->size);
    return FFI_OK;
  case Class::Reference:
    r.kind = A64_RET_MEMORY;
    return FFI_OK;
  }
  return FFI_BAD_TYPEDEF;
}

// The kind of a shapes.S stub's argument or result, or -1.  A composite
// over 16 bytes is REF: passed by reference, returned through x8.
int shape_kind(const ffi_type *t) {
  switch (t->type) {
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return A64_SHAPE_SINT32;
  case FFI_TYPE_UINT32: return A64_SHAPE_UINT32;
  case FFI_TYPE_SINT64: case FFI_TYPE_UINT64: case FFI_TYPE_POINTER: return A64_SHAPE_WORD;
  case FFI_TYPE_DOUBLE: return A64_SHAPE_DOUBLE;
  case FFI_TYPE_FLOAT: return A64_SHAPE_FLOAT;
  case FFI_TYPE_STRUCT: case FFI_TYPE_COMPLEX: {
    Classified c;
    return classify(t, c) == FFI_OK && c.cls == Class::Reference ? A64_SHAPE_REF : -1;
  }
  default: return -1;
  }
}

// The shape of the smallest signatures (shapes.S): at most two scalar or
// by-reference arguments and a scalar, memory or no result.  False for
// any other.  Variadic arguments travel as named ones (Convention), so a
// variadic call may take a stub too.
struct Shape {
  int ret, k0, k1;
};
bool shape_of(const ffi_cif *cif, unsigned nfixed, const Convention &conv, Shape &s) {
  if (cif->nargs > 2 || (conv.variadic_on_stack && nfixed != cif->nargs)) return false;
  s.ret = cif->rtype->type == FFI_TYPE_VOID ? A64_SHAPE_RET_VOID : shape_kind(cif->rtype);
  if (cif->rtype->type != FFI_TYPE_VOID && s.ret >= 0) s.ret += 1;
  int k[2] = {A64_SHAPE_NONE, A64_SHAPE_NONE};
  for (unsigned i = 0; i < cif->nargs; i++) k[i] = shape_kind(cif->arg_types[i]);
  s.k0 = k[0];
  s.k1 = k[1];
  return s.ret >= 0 && s.k0 >= 0 && s.k1 >= 0;
}

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w) {
  const Convention &conv = kLinux;
  Return ret;
  if (ffi_status s = plan_return(cif->rtype, ret); s != FFI_OK)
    return w.refuse(Reason::NotPassable, -1, cif->rtype->type, cif->rtype->size);
  Builder b(conv);
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    Classified c;
    if (ffi_status s = classify(t, c); s != FFI_OK)
      return w.refuse(Reason::NotPassable, static_cast<int>(i), t->type, t->size);
    bool regs = !(conv.variadic_on_stack && i >= nfixed);
    switch (c.cls) {
    case Class::Integer: b.integer(i, t, regs); break;
    case Class::Int128: b.int128(i, t, regs); break;
    case Class::Vfp: b.vfp(i, t, c, regs); break;
    case Class::Composite: b.composite(i, t, regs); break;
    case Class::Reference: b.reference(i, t, regs); break;
    }
  }
  const size_t stack = align_up(b.nsaa, 16);
  if (stack + b.copies > kMaxStackBytes) return w.refuse(Reason::StackTooLarge, -1, kMaxStackBytes);
  const size_t rsize = cif->rtype->size;
  if (rsize > kMaxTypeSize) return w.refuse(Reason::NotPassable, -1, cif->rtype->type, rsize);
  // Nothing on the stack, no copies, no result in memory: the smaller
  // frame of ffix_a64_invoke_regs, whose own call handlers end the steps.
  const bool regs_only = stack == 0 && b.copies == 0 && ret.kind != A64_RET_MEMORY;
  b.steps.emit((regs_only ? ffix_a64_call_regs_ops : ffix_a64_call_ops)[ret.kind], 0, ret.size);

  // A closure whose every argument is at an offset from fp makes its
  // avalue four entries at a time (closure.S): the Locate array then
  // comes in fours, and so does the room for avalue.
  const bool plain = cif->nargs > 0 && !b.special;
  if (plain)
    for (uint32_t i = cif->nargs; i % 4; i++) b.locate(0, 0);

  // The plan: the header, the steps, the Locate array and the Gathers.
  w.append(sizeof(Header));
  w.append(b.steps);
  const size_t locates = w.size();
  w.append(b.locates);
  w.append(b.gathers);
  if (w.failed()) return w.status();

  Header *h = w.at<Header>(0);
  h->copies = static_cast<uint32_t>(b.copies);
  h->frame = static_cast<uint32_t>(b.copies + stack);
  h->discard = static_cast<uint32_t>(align_up(rsize > 64 ? rsize : 64, 16));
  h->nargs = cif->nargs;
  h->below = static_cast<uint32_t>(align_up(size_t{8} * cif->nargs, 32) + b.gathered);
  h->locate = static_cast<uint32_t>(FFIX_PLAN_DATA + locates);
  h->gathers = static_cast<uint32_t>(b.gathers.size() / sizeof(Gather));
  h->closure_ret = static_cast<uint8_t>(ret.closure_kind());
  h->closure_handler = ffix_a64_closure_rets[ret.closure_kind()];
  // A closure saves only the registers its arguments use.
  h->closure_entry = ffix_a64_closure_generics[b.ngrn > 0][b.nsrn > 0][plain];
  w.slot_entry = ffix_a64_closure_slot_generics[b.ngrn > 0][b.nsrn > 0][plain];
  w.stack_bytes = static_cast<unsigned>(stack);
  w.invoke = regs_only ? ffix_a64_invoke_regs : ffix_a64_invoke;  // the backend's sets x18, then runs it
  if (Shape sh; shape_of(cif, nfixed, conv, sh)) {  // whole-call and whole-closure stubs
    if (ffix::InvokeFn stub = ffix_a64_shapes[sh.ret][sh.k0][sh.k1]) w.invoke = stub;  // none for REF arguments
    h->closure_entry = ffix_a64_closure_shapes[sh.ret][sh.k0][sh.k1];
    w.slot_entry = ffix_a64_closure_slot_shapes[sh.ret][sh.k0][sh.k1];
  }
  return w.status();
}

} // namespace ffix::a64
