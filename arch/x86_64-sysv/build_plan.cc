// build_plan.cc -- turn a System V signature into its call plan: every
// register and stack slot decided here, once (psABI §3.2.3, see
// classify.cc), and written as the steps that invoke.S runs.
#include "classify.h"
#include "plan.h"

#include <string.h>

namespace ffix::sysv {

namespace {

constexpr unsigned kGprs = 6, kSses = 8;

// Operands that name a scratch slot are written relative to the scratch
// area, which starts after the stack arguments; this bit marks them until
// the stack size is known.
constexpr uint32_t kScratch = 0x80000000u;

// Narrow integer codes, in the GPR_/STACK_/RET_ kind order (sint8 first).
int narrow_kind(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT8: return 0;
  case FFI_TYPE_UINT8: return 1;
  case FFI_TYPE_SINT16: return 2;
  case FFI_TYPE_UINT16: return 3;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return 4;
  case FFI_TYPE_UINT32: return 5;
  default: return -1;
  }
}

struct Builder {
  PlanWriter stack_steps, reg_steps;  // stack steps run first: they use argument registers
  PlanWriter locates, joins;          // for closures: one Locate per argument, and Joins
  unsigned gpr = 0, sse = 0, scratch = 0;
  size_t stack = 0;

  bool locate(uint32_t area, uint32_t off) {
    auto *l = static_cast<Locate *>(locates.append(sizeof(Locate)));
    if (!l) return false;
    *l = Locate{area, off};
    return true;
  }

  static bool emit(PlanWriter &to, const void *handler, uint32_t a, uint32_t b) {
    auto *s = static_cast<Step *>(to.append(sizeof(Step)));
    if (!s) return false;
    *s = Step{handler, a, b};
    return true;
  }
  // A wide step: two records, the second holding C and D.
  static bool emit_wide(PlanWriter &to, const void *handler, uint32_t a, uint32_t b, uint32_t c,
                        uint32_t d) {
    auto *s = static_cast<Step *>(to.append(2 * sizeof(Step)));
    if (!s) return false;
    s[0] = Step{handler, a, b};
    uint32_t cd[2] = {c, d};
    memcpy(&s[1], cd, sizeof cd);
    return true;
  }

  // LEN bytes of ARG from byte SRC, zero-padded, into a fresh scratch slot;
  // returns the slot's (marked) offset.
  uint32_t to_scratch(uint32_t arg, uint32_t src, uint32_t len, bool &ok) {
    uint32_t slot = kScratch | (8 * scratch++);
    ok = emit_wide(stack_steps, ffix_sysv_stack_ops[STACK_PART], arg, slot, len, src);
    return slot;
  }

  bool integer_eightbyte(uint32_t arg, const ffi_type *t, unsigned i) {
    unsigned reg = gpr++;
    int narrow = narrow_kind(t->type);
    if (narrow >= 0) return emit(reg_steps, ffix_sysv_gpr_ops[narrow][reg], arg, 0);
    size_t len = t->size - size_t{8} * i;
    if (len >= 8) return emit(reg_steps, ffix_sysv_gpr_ops[i ? GPR_WORD_HI : GPR_WORD][reg], arg, 0);
    bool ok;
    uint32_t slot = to_scratch(arg, 8 * i, static_cast<uint32_t>(len), ok);
    return ok && emit(reg_steps, ffix_sysv_gpr_ops[GPR_SCRATCH][reg], arg, slot);
  }

  bool sse_eightbyte(uint32_t arg, const ffi_type *t, unsigned i, bool whole_register) {
    unsigned reg = sse++;
    size_t len = t->size - size_t{8} * i;
    int kind = whole_register      ? XMM_QUAD
               : len >= 8          ? (i ? XMM_WORD_HI : XMM_WORD)
               : len == 4 && i == 0 ? XMM_FLOAT
                                    : -1;
    if (kind >= 0) return emit(reg_steps, ffix_sysv_xmm_ops[kind][reg], arg, 0);
    bool ok;
    uint32_t slot = to_scratch(arg, 8 * i, static_cast<uint32_t>(len), ok);
    return ok && emit(reg_steps, ffix_sysv_xmm_ops[XMM_SCRATCH][reg], arg, slot);
  }

  bool in_registers(uint32_t arg, const ffi_type *t, const Classified &c) {
    uint32_t saved[2] = {SAVE_GPR, SAVE_GPR};  // where each eightbyte lands in a closure's save area
    for (unsigned i = 0; i < c.words; i++) {
      bool ok = true;
      if (c.cls[i] == Cls::Integer) {
        saved[i] = SAVE_GPR + 8 * gpr;
        ok = integer_eightbyte(arg, t, i);
      } else if (c.cls[i] == Cls::Sse) {
        bool whole = i + 1 < c.words && c.cls[i + 1] == Cls::SseUp;
        saved[i] = SAVE_XMM + 16 * sse;
        ok = sse_eightbyte(arg, t, i, whole);
        if (whole) saved[++i] = saved[0] + 8;
      } else if (i == 1) {
        saved[1] = saved[0] + 8;  // NO_CLASS (padding): no register, any bytes do
      }
      if (!ok) return false;
    }
    // One eightbyte, or two that sit side by side in the save area (two
    // GPRs, or one whole XMM register): point at them, if that address is
    // aligned enough for the type (the save area is 16-aligned; an
    // __int128 in rsi:rdx is not).  Otherwise copy them together.
    bool adjacent = c.words == 1 || saved[1] == saved[0] + 8;
    if (adjacent && (t->alignment <= 8 || saved[0] % 16 == 0)) return locate(kSaved, saved[0]);
    uint32_t to = static_cast<uint32_t>(joins.len);  // 16 joined bytes per 16-byte Join record
    auto *j = static_cast<Join *>(joins.append(sizeof(Join)));
    if (!j) return false;
    *j = Join{saved[0], saved[1], to, 0};
    return locate(kJoined, to);
  }

  // Stack slots are eightbytes; an argument is aligned to its alignment,
  // at least 8 and at most 16 (the psABI's stack alignment).
  bool on_stack(uint32_t arg, const ffi_type *t) {
    size_t align = t->alignment < 8 ? 8 : t->alignment > 16 ? 16 : t->alignment;
    stack = align_up(stack, align);
    if (stack + t->size > kMaxStackBytes) return false;
    uint32_t dst = static_cast<uint32_t>(stack);
    stack += align_up(t->size, 8);
    if (!locate(kStack, dst)) return false;
    int narrow = narrow_kind(t->type);
    int kind = narrow >= 0 ? narrow : t->size == 8 ? STACK_WORD : t->size == 16 ? STACK_QUAD : -1;
    if (kind >= 0) return emit(stack_steps, ffix_sysv_stack_ops[kind], arg, dst);
    return emit_wide(stack_steps, ffix_sysv_stack_ops[STACK_BLOCK], arg, dst,
                     static_cast<uint32_t>(t->size), 0);
  }
};

struct Return {
  int kind;
  bool in_memory;
  // How a closure hands the value back: the same registers, read from the
  // whole eightbytes the handler wrote (no PART kinds), or rax = the hidden
  // pointer.
  int closure_kind() const {
    if (in_memory) return RET_MEMORY;
    return kind >= RET_PART_RAX ? kPartToWhole[kind - RET_PART_RAX] : kind;
  }
  static constexpr int kPartToWhole[] = {RET_RAX, RET_XMM0, RET_RAX_RDX, RET_RAX_XMM0, RET_XMM0_RAX,
                                         RET_XMM0_XMM1};
};
static_assert(RET_PART_XMM0_XMM1 - RET_PART_RAX + 1 == sizeof Return::kPartToWhole / sizeof(int));

// §3.2.3 "Returning of Values": which registers carry the value back.
ffi_status plan_return(const ffi_type *t, Return &r) {
  r = Return{RET_VOID, false};
  if (t->type == FFI_TYPE_VOID) return FFI_OK;
  if (int narrow = narrow_kind(t->type); narrow >= 0) {
    r.kind = RET_SINT8 + narrow;
    return FFI_OK;
  }
  if (t->type == FFI_TYPE_FLOAT) {
    r.kind = RET_FLOAT;
    return FFI_OK;
  }
  Classified c;
  if (ffi_status s = classify(t, c); s != FFI_OK) return s;
  if (c.memory) {
    r.in_memory = true;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::ComplexX87) {
    r.kind = RET_X87_2;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::X87) {  // long double, and structs of one long double
    r.kind = RET_X87;
    return FFI_OK;
  }
  Cls a = c.cls[0], b = c.words == 2 ? c.cls[1] : Cls::None;
  if (c.words == 1) {
    bool sse = a == Cls::Sse;
    if (t->size == 8) r.kind = sse ? RET_XMM0 : RET_RAX;
    else if (sse && t->size == 4) r.kind = RET_FLOAT;
    else r.kind = sse ? RET_PART_XMM0 : RET_PART_RAX;
    return FFI_OK;
  }
  // Two eightbytes: INTEGER ones come in rax then rdx, SSE ones in xmm0
  // then xmm1, SSEUP in the upper half of xmm0.  A NO_CLASS (padding)
  // eightbyte takes whichever register the other one leaves.
  int pair;
  if (b == Cls::SseUp) pair = RET_XMM0_FULL;
  else if (a == Cls::Integer) pair = b == Cls::Sse ? RET_RAX_XMM0 : RET_RAX_RDX;
  else if (a == Cls::Sse) pair = b == Cls::Integer ? RET_XMM0_RAX : RET_XMM0_XMM1;
  else pair = b == Cls::Sse ? RET_RAX_XMM0 : RET_XMM0_RAX;
  if (t->size != 16 && pair != RET_XMM0_FULL) pair += RET_PART_RAX_RDX - RET_RAX_RDX;
  r.kind = pair;
  return FFI_OK;
}

// The whole-call stub for the smallest signatures (shapes.S), or nullptr.
int shape_kind(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return 0;
  case FFI_TYPE_UINT32: return 1;
  case FFI_TYPE_SINT64: case FFI_TYPE_UINT64: case FFI_TYPE_POINTER: return 2;
  case FFI_TYPE_DOUBLE: return 3;
  case FFI_TYPE_FLOAT: return 4;
  default: return -1;
  }
}

InvokeFn shape_stub(const ffi_cif *cif, unsigned nfixed) {
  if (nfixed != cif->nargs || cif->nargs > 2) return nullptr;  // variadic calls set %al: not here
  int ret = shape_kind(cif->rtype->type);
  if (cif->rtype->type == FFI_TYPE_VOID) ret = 0;
  else if (ret >= 0) ret += 1;
  int k[2] = {5, 5};
  for (unsigned i = 0; i < cif->nargs; i++) k[i] = shape_kind(cif->arg_types[i]->type);
  if (ret < 0 || k[0] < 0 || k[1] < 0) return nullptr;
  return ffix_sysv_shapes[ret][k[0]][k[1]];
}

// Resolve scratch-relative operands once the stack size is known.
void place_scratch(PlanWriter &w, size_t from, uint32_t base) {
  for (size_t off = from; off < w.len; off += sizeof(Step)) {
    Step *s = w.at<Step>(off);
    if (s->handler == ffix_sysv_stack_ops[STACK_PART] || s->handler == ffix_sysv_stack_ops[STACK_BLOCK]) {
      if (s->b & kScratch) s->b = (s->b & ~kScratch) + base;
      off += sizeof(Step);  // skip the wide step's second record
    } else if (s->b & kScratch) {
      s->b = (s->b & ~kScratch) + base;
    }
  }
}

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed,
                      PlanWriter &w) {
  Return ret;
  if (ffi_status s = plan_return(cif->rtype, ret); s != FFI_OK) return s;
  Builder b;
  if (ret.in_memory) {  // the hidden result pointer is the first argument, in rdi
    b.gpr = 1;
    if (!Builder::emit(b.reg_steps, ffix_sysv_retptr_op, 0, 0)) return FFI_OK;
  }
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    Classified c;
    if (ffi_status s = classify(t, c); s != FFI_OK) return s;
    bool regs = !c.memory && c.cls[0] != Cls::X87 && c.cls[0] != Cls::ComplexX87 &&
                b.gpr + c.ngpr <= kGprs && b.sse + c.nsse <= kSses;
    if (!(regs ? b.in_registers(i, t, c) : b.on_stack(i, t))) {
      bool oom = b.stack_steps.failed || b.reg_steps.failed || b.locates.failed || b.joins.failed;
      return oom ? (w.failed = true, FFI_OK) : FFI_BAD_TYPEDEF;  // out of memory, or too much stack
    }
  }

  size_t rsize = cif->rtype->size;
  auto *h = static_cast<Header *>(w.append(sizeof(Header)));
  size_t steps = w.len;
  if (!h || !w.append(b.stack_steps.len + b.reg_steps.len)) return FFI_OK;
  memcpy(w.buf + steps, b.stack_steps.buf, b.stack_steps.len);
  memcpy(w.buf + steps + b.stack_steps.len, b.reg_steps.buf, b.reg_steps.len);
  uint32_t stack = static_cast<uint32_t>(align_up(b.stack, 8));
  if (b.scratch) place_scratch(w, steps, stack);
  if (!Builder::emit(w, ffix_sysv_call_ops[ret.kind], b.sse, static_cast<uint32_t>(rsize))) return FFI_OK;
  size_t locates = w.len;
  if (!w.append(b.locates.len + b.joins.len)) return FFI_OK;  // locates.len is a multiple of 8
  memcpy(w.buf + locates, b.locates.buf, b.locates.len);
  memcpy(w.buf + locates + b.locates.len, b.joins.buf, b.joins.len);

  h = w.at<Header>(0);
  h->frame = align_up(stack + 8 * b.scratch, 16);
  h->discard = align_up(rsize > 32 ? rsize : 32, 16);
  h->locate = static_cast<uint32_t>(locates);
  h->joins = static_cast<uint32_t>(b.joins.len / sizeof(Join));
  h->closure_ret = static_cast<uint8_t>(ret.closure_kind());
  h->closure_handler = ffix_sysv_closure_rets[ret.closure_kind()];
  h->nargs = cif->nargs;
  h->nsse = static_cast<uint8_t>(b.sse);
  w.invoke = shape_stub(cif, nfixed);
  w.stack_bytes = stack;
  return FFI_OK;
}

} // namespace ffix::sysv
