// build_plan.cc -- turn a System V signature into its call plan: every
// register and stack slot decided here, once (psABI §3.2.3, see
// classify.cc), and written as the steps that invoke.S runs.
#include "classify.h"
#include "plan.h"


namespace ffix::sysv {

namespace {

// The kind that loads a narrow integer code, in every family (plan.h), or
// -1 for the other codes.
int narrow_kind(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT8: return SYSV_GPR_SINT8;
  case FFI_TYPE_UINT8: return SYSV_GPR_UINT8;
  case FFI_TYPE_SINT16: return SYSV_GPR_SINT16;
  case FFI_TYPE_UINT16: return SYSV_GPR_UINT16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return SYSV_GPR_SINT32;
  case FFI_TYPE_UINT32: return SYSV_GPR_UINT32;
  default: return -1;
  }
}

// Where a closure finds an argument, while the plan is built: at OFF of
// one of three areas of its frame; the area's place is known at the end.
enum Area : uint32_t { kSaved, kStack, kJoined };
struct Locate {
  uint32_t area, off;
};

// Every operand is final when written: stack offsets grow from rsp as the
// arguments come, and the scratch slots sit at fixed places in invoke's
// frame (sysv_asm.h), so nothing waits for the stack size.
struct Builder {
  StepList stack_steps, reg_steps;  // stack steps run first: they use argument registers
  Bytes locates, joins;             // for closures: one Locate per argument, and Joins
  unsigned gpr = 0, sse = 0;
  bool scratch = false;             // some eightbyte goes through a scratch slot
  size_t stack = 0;

  // A register step that loads argument bytes: one step for two when the
  // register before, of the same class, took one too (whichever argument
  // that was, wherever its step is: each register is loaded once, from
  // avalue or from a scratch slot the stack steps filled before, so the
  // order of register steps does not matter).
  struct Pending {
    size_t step = ~size_t{0};  // offset in reg_steps of a single step that may take a second argument
    int kind = 0;
    unsigned reg = 0;
  } gpr_pending, xmm_pending;
  template <size_t K, size_t R>
  void pairable(Pending &p, const void *const (&pairs)[K][K][R], const void *single, int kind, uint32_t arg,
                unsigned reg) {
    if (p.step != ~size_t{0} && p.reg + 1 == reg && !reg_steps.failed()) {
      auto *first = reg_steps.at<Step>(p.step);
      first->handler = pairs[p.kind][kind][p.reg];
      first->b = arg;
      p.step = ~size_t{0};  // a pair is not extended
      return;
    }
    p = Pending{reg_steps.size(), kind, reg};
    reg_steps.emit(single, arg, 0);
  }
  void gpr_load(int kind, uint32_t arg, unsigned reg) {
    pairable(gpr_pending, ffix_sysv_gpr_pairs, ffix_sysv_gpr_ops[kind][reg], kind, arg, reg);
  }
  void xmm_load(int kind, uint32_t arg, unsigned reg) {
    if (kind >= SYSV_XMM_PAIR_KINDS) return reg_steps.emit(ffix_sysv_xmm_ops[kind][reg], arg, 0);
    pairable(xmm_pending, ffix_sysv_xmm_pairs, ffix_sysv_xmm_ops[kind][reg], kind, arg, reg);
  }

  void locate(uint32_t area, uint32_t off) {
    if (auto *l = static_cast<Locate *>(locates.append(sizeof(Locate)))) *l = Locate{area, off};
  }

  // LEN bytes of ARG from byte SRC, zero-padded, into the scratch slot at
  // rbp+SLOT (negative: two's complement in the operand).
  void to_scratch(uint32_t arg, uint32_t src, uint32_t len, int slot) {
    scratch = true;
    stack_steps.emit_wide(ffix_sysv_stack_ops[SYSV_STACK_PART], arg, static_cast<uint32_t>(slot), len, src);
  }

  void integer_eightbyte(uint32_t arg, const ffi_type *t, unsigned i) {
    unsigned reg = gpr++;
    int narrow = narrow_kind(t->type);
    if (narrow >= 0) return gpr_load(narrow, arg, reg);
    size_t len = t->size - size_t{8} * i;
    if (len >= 8) return gpr_load(i ? SYSV_GPR_WORD_HI : SYSV_GPR_WORD, arg, reg);
    to_scratch(arg, 8 * i, static_cast<uint32_t>(len), SYSV_SCRATCH_GPR + 8 * static_cast<int>(reg));
    reg_steps.emit(ffix_sysv_gpr_ops[SYSV_GPR_SCRATCH][reg], arg, 0);
  }

  void sse_eightbyte(uint32_t arg, const ffi_type *t, unsigned i, bool whole_register) {
    unsigned reg = sse++;
    size_t len = t->size - size_t{8} * i;
    int kind = whole_register      ? SYSV_XMM_QUAD
               : len >= 8          ? (i ? SYSV_XMM_WORD_HI : SYSV_XMM_WORD)
               : len == 4 && i == 0 ? SYSV_XMM_FLOAT
                                    : -1;
    if (kind >= 0) return xmm_load(kind, arg, reg);
    to_scratch(arg, 8 * i, static_cast<uint32_t>(len), SYSV_SCRATCH_XMM + 8 * static_cast<int>(reg));
    reg_steps.emit(ffix_sysv_xmm_ops[SYSV_XMM_SCRATCH][reg], arg, 0);
  }

  void in_registers(uint32_t arg, const ffi_type *t, const Classified &c) {
    uint32_t saved[2] = {SYSV_SAVE_GPR, SYSV_SAVE_GPR};  // where each eightbyte lands in a closure's save area
    for (unsigned i = 0; i < c.words; i++) {
      if (c.cls[i] == Cls::Integer) {
        saved[i] = SYSV_SAVE_GPR + 8 * gpr;
        integer_eightbyte(arg, t, i);
      } else if (c.cls[i] == Cls::Sse) {
        bool whole = i + 1 < c.words && c.cls[i + 1] == Cls::SseUp;
        saved[i] = SYSV_SAVE_XMM + 16 * sse;
        sse_eightbyte(arg, t, i, whole);
        if (whole) saved[++i] = saved[0] + 8;
      } else if (i == 1) {
        saved[1] = saved[0] + 8;  // NO_CLASS (padding): no register, any bytes do
      }
    }
    // One eightbyte, or two that sit side by side in the save area (two
    // GPRs, or one whole XMM register): point at them, if that address is
    // aligned enough for the type (the save area is 16-aligned; an
    // __int128 in rsi:rdx is not).  Otherwise copy them together.
    bool adjacent = c.words == 1 || saved[1] == saved[0] + 8;
    if (adjacent && (t->alignment <= 8 || saved[0] % 16 == 0)) return locate(kSaved, saved[0]);
    uint32_t to = static_cast<uint32_t>(joins.size());  // 16 joined bytes per 16-byte Join record
    if (auto *j = static_cast<Join *>(joins.append(sizeof(Join)))) *j = Join{saved[0], saved[1], to, 0};
    locate(kJoined, to);
  }

  // Stack slots are eightbytes; an argument is aligned to its alignment,
  // at least 8 and at most 16 (the psABI's stack alignment).  False when
  // the arguments would take more stack than ffix allows.
  bool on_stack(uint32_t arg, const ffi_type *t) {
    size_t align = t->alignment < 8 ? 8 : t->alignment > 16 ? 16 : t->alignment;
    stack = align_up(stack, align);
    if (stack + t->size > kMaxStackBytes) return false;
    uint32_t dst = static_cast<uint32_t>(stack);
    stack += align_up(t->size, 8);
    locate(kStack, dst);
    int narrow = narrow_kind(t->type);
    int kind = narrow >= 0 ? narrow : t->size == 8 ? SYSV_STACK_WORD : t->size == 16 ? SYSV_STACK_QUAD : -1;
    if (kind >= 0) stack_steps.emit(ffix_sysv_stack_ops[kind], arg, dst);
    else stack_steps.emit_wide(ffix_sysv_stack_ops[SYSV_STACK_BLOCK], arg, dst, static_cast<uint32_t>(t->size), 0);
    return true;
  }
};

struct Return {
  int kind;
  bool in_memory;
  // How a closure hands the value back: closure.S's table loads a PART
  // kind as its whole counterpart (the handler wrote whole eightbytes), and
  // a result in memory as rax = the hidden pointer.
  int closure_kind() const { return in_memory ? SYSV_RET_MEMORY : kind; }
};

// §3.2.3 "Returning of Values": which registers carry the value back.
ffi_status plan_return(const ffi_type *t, Return &r) {
  r = Return{SYSV_RET_VOID, false};
  if (t->type == FFI_TYPE_VOID) return FFI_OK;
  if (int narrow = narrow_kind(t->type); narrow >= 0) {
    r.kind = SYSV_RET_SINT8 + narrow;
    return FFI_OK;
  }
  if (t->type == FFI_TYPE_FLOAT) {
    r.kind = SYSV_RET_FLOAT;
    return FFI_OK;
  }
  Classified c;
  if (ffi_status s = classify(t, c); s != FFI_OK) return s;
  if (c.memory) {
    r.in_memory = true;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::ComplexX87) {
    r.kind = SYSV_RET_X87_2;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::X87) {  // long double, and structs of one long double
    r.kind = SYSV_RET_X87;
    return FFI_OK;
  }
  Cls a = c.cls[0], b = c.words == 2 ? c.cls[1] : Cls::None;
  if (c.words == 1) {
    bool sse = a == Cls::Sse;
    if (t->size == 8) r.kind = sse ? SYSV_RET_XMM0 : SYSV_RET_RAX;
    else if (sse && t->size == 4) r.kind = SYSV_RET_FLOAT;
    else r.kind = sse ? SYSV_RET_PART_XMM0 : SYSV_RET_PART_RAX;
    return FFI_OK;
  }
  // Two eightbytes: INTEGER ones come in rax then rdx, SSE ones in xmm0
  // then xmm1, SSEUP in the upper half of xmm0.  A NO_CLASS (padding)
  // eightbyte takes whichever register the other one leaves.
  int pair;
  if (b == Cls::SseUp) pair = SYSV_RET_XMM0_FULL;
  else if (a == Cls::Integer) pair = b == Cls::Sse ? SYSV_RET_RAX_XMM0 : SYSV_RET_RAX_RDX;
  else if (a == Cls::Sse) pair = b == Cls::Integer ? SYSV_RET_XMM0_RAX : SYSV_RET_XMM0_XMM1;
  else pair = b == Cls::Sse ? SYSV_RET_RAX_XMM0 : SYSV_RET_XMM0_RAX;
  if (t->size != 16 && pair != SYSV_RET_XMM0_FULL) pair += SYSV_RET_PART_RAX_RDX - SYSV_RET_RAX_RDX;
  r.kind = pair;
  return FFI_OK;
}

// The kind of a shapes.S stub's argument or result, or -1.
int shape_kind(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return SYSV_SHAPE_SINT32;
  case FFI_TYPE_UINT32: return SYSV_SHAPE_UINT32;
  case FFI_TYPE_SINT64: case FFI_TYPE_UINT64: case FFI_TYPE_POINTER: return SYSV_SHAPE_WORD;
  case FFI_TYPE_DOUBLE: return SYSV_SHAPE_DOUBLE;
  case FFI_TYPE_FLOAT: return SYSV_SHAPE_FLOAT;
  default: return -1;
  }
}

// The shape of the smallest signatures, which have whole-call and
// whole-closure stubs (shapes.S): the result kind and two argument kinds.
struct Shape {
  int ret, k0, k1;
};
int shape_ret(const ffi_type *t) {
  if (t->type == FFI_TYPE_VOID) return SYSV_SHAPE_RET_VOID;
  int k = shape_kind(t->type);
  return k >= 0 ? k + 1 : -1;  // SYSV_SHAPE_RET_*
}
bool shape_of(const ffi_cif *cif, unsigned nfixed, Shape &sh) {
  if (nfixed != cif->nargs || cif->nargs > 2) return false;  // variadic calls set %al: not here
  int ret = shape_ret(cif->rtype);
  int k[2] = {SYSV_SHAPE_NONE, SYSV_SHAPE_NONE};
  for (unsigned i = 0; i < cif->nargs; i++) k[i] = shape_kind(cif->arg_types[i]->type);
  sh = Shape{ret, k[0], k[1]};
  return ret >= 0 && k[0] >= 0 && k[1] >= 0;
}

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w) {
  Return ret;
  if (ffi_status s = plan_return(cif->rtype, ret); s != FFI_OK)
    return w.refuse(Reason::NotPassable, -1, cif->rtype->type, cif->rtype->size);
  Builder b;
  if (ret.in_memory) {  // the hidden result pointer is the first argument, in rdi
    b.gpr = 1;
    b.reg_steps.emit(ffix_sysv_retptr_op, 0, 0);
  }
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    Classified c;
    if (ffi_status s = classify(t, c); s != FFI_OK)
      return w.refuse(Reason::NotPassable, static_cast<int>(i), t->type, t->size);
    bool regs = !c.memory && c.cls[0] != Cls::X87 && c.cls[0] != Cls::ComplexX87 &&
                b.gpr + c.ngpr <= SYSV_GPRS && b.sse + c.nsse <= SYSV_XMMS;
    if (regs) b.in_registers(i, t, c);
    else if (!b.on_stack(i, t)) return w.refuse(Reason::StackTooLarge, static_cast<int>(i), kMaxStackBytes);
  }
  const size_t rsize = cif->rtype->size;
  b.reg_steps.emit(ffix_sysv_call_ops[ret.kind], b.sse, static_cast<uint32_t>(rsize));

  // The plan: the header and the steps.
  w.append(sizeof(Header));
  w.append(b.stack_steps);
  w.append(b.reg_steps);
  const auto stack = static_cast<uint32_t>(align_up(b.stack, 8));
  if (!w.failed()) {
    Header *h = w.at<Header>(0);
    h->frame = align_up(stack, 16) + (b.scratch ? SYSV_SCRATCH_BYTES : 0);
    h->discard = align_up(rsize > 32 ? rsize : 32, 16);
  }
  // The closure part: its header, each argument's offset from rbp, the
  // Joins.  The joined area and then avalue (16-aligned) sit below the
  // fixed frame, at offsets known now.
  const size_t nargs = cif->nargs, njoins = b.joins.size() / sizeof(Join);
  const int64_t joined = -int64_t{SYSV_CL_FRAME} - static_cast<int64_t>(16 * njoins);
  w.closure.append(sizeof(ClosureHeader));
  w.closure.append(4 * nargs);
  const size_t join_at = w.closure.size();
  w.closure.append(b.joins);
  if (b.locates.failed()) w.closure.fail();
  if (!w.closure.failed()) {
    const int64_t base[] = {SYSV_CL_SAVE, SYSV_CL_STACK, joined};  // by Area
    const auto *l = b.locates.at<Locate>(0);
    auto *c = w.closure.at<ClosureHeader>(0);
    for (size_t i = 0; i < nargs; i++) c->locate[i] = static_cast<int32_t>(base[l[i].area] + l[i].off);
    auto *j = w.closure.at<Join>(join_at);
    for (size_t i = 0; i < njoins; i++) j[i].to = static_cast<uint32_t>(joined + j[i].to);  // from rbp, two's complement
    c->handler = ffix_sysv_closure_rets[ret.closure_kind()];
    c->nargs = cif->nargs;
    c->below = static_cast<uint32_t>(16 * njoins + align_up(8 * nargs, 16));
    c->joins = static_cast<uint32_t>(njoins);
    c->join_at = static_cast<uint32_t>(FFIX_PART_DATA + join_at);
    c->ret = static_cast<uint8_t>(ret.closure_kind());
    c->slow = static_cast<uint8_t>((b.sse ? SYSV_CL_SAVE_XMM : 0) | (njoins ? SYSV_CL_JOIN : 0));
  }
  // A closure whose arguments take no GPR saves none.
  if (b.gpr == 0) w.slot_entry = reinterpret_cast<const void *>(ffix_sysv_closure_slot_xmm);
  if (Shape sh; shape_of(cif, nfixed, sh)) {
    w.invoke = ffix_sysv_shapes[sh.ret][sh.k0][sh.k1];
    w.slot_entry = ffix_sysv_closure_shapes[sh.ret][sh.k0][sh.k1];
  } else if (int r = shape_ret(cif->rtype); r >= 0 && nfixed == cif->nargs && cif->nargs <= SYSV_SHAPE_MAX_WORDS) {
    // Three to six 64-bit integers or pointers: a whole-call stub too.
    bool words = true;
    for (unsigned i = 0; i < cif->nargs; i++) words &= shape_kind(cif->arg_types[i]->type) == SYSV_SHAPE_WORD;
    if (words) w.invoke = ffix_sysv_word_shapes[r][cif->nargs];
  }
  w.stack_bytes = stack;
  return w.status();
}

} // namespace ffix::sysv
