// build_plan.cc -- turn a System V signature into its call plan: every
// register and stack slot decided here, once (psABI §3.2.3, see classify.cc).
#include "classify.h"
#include "plan.h"

namespace ffix::sysv {

namespace {

constexpr unsigned kGprs = 6, kSses = 8;

Op widen_op(unsigned short code) {
  switch (code) {
  case FFI_TYPE_SINT8: return Op::Sint8;
  case FFI_TYPE_UINT8: return Op::Uint8;
  case FFI_TYPE_SINT16: return Op::Sint16;
  case FFI_TYPE_UINT16: return Op::Uint16;
  case FFI_TYPE_SINT32: case FFI_TYPE_INT: return Op::Sint32;
  case FFI_TYPE_UINT32: return Op::Uint32;
  default: return Op::Word;
  }
}

bool is_narrow_int(unsigned short code) { return widen_op(code) != Op::Word; }

struct Builder {
  PlanWriter &w;
  unsigned gpr = 0, sse = 0;
  size_t stack = 0;

  bool move(uint32_t arg, uint32_t dst, Op op, uint8_t src, uint32_t len = 0) {
    auto *m = static_cast<Move *>(w.append(sizeof(Move)));
    if (!m) return false;
    *m = Move{arg, dst, len, op, src};
    w.at<Header>(0)->nmoves++;
    return true;
  }

  // An eightbyte of ARG (bytes SRC.. of a value of SIZE bytes) into the
  // frame slot at DST.
  bool eightbyte(uint32_t arg, const ffi_type *t, uint32_t dst, uint8_t src) {
    if (is_narrow_int(t->type)) return move(arg, dst, widen_op(t->type), 0);
    size_t len = t->size - src < 8 ? t->size - src : 8;
    return len == 8 ? move(arg, dst, Op::Word, src) : move(arg, dst, Op::Part, src, static_cast<uint32_t>(len));
  }

  bool in_registers(uint32_t arg, const ffi_type *t, const Classified &c) {
    for (uint8_t i = 0; i < c.words; i++) {
      uint8_t src = static_cast<uint8_t>(8 * i);
      switch (c.cls[i]) {
      case Cls::Integer:
        if (!eightbyte(arg, t, SYSV_FRAME_GPR + 8 * gpr++, src)) return false;
        break;
      case Cls::Sse:
        if (i + 1 < c.words && c.cls[i + 1] == Cls::SseUp) {  // one whole XMM register
          if (!move(arg, SYSV_FRAME_SSE + 16 * sse++, Op::Quad, src)) return false;
          i++;
        } else if (!eightbyte(arg, t, SYSV_FRAME_SSE + 16 * sse++, src)) {
          return false;
        }
        break;
      default:  // NO_CLASS: padding, no register
        break;
      }
    }
    return true;
  }

  // Stack slots are eightbytes; an argument is aligned to its alignment,
  // at least 8 and at most 16 (the psABI's stack alignment).
  bool on_stack(uint32_t arg, const ffi_type *t) {
    size_t align = t->alignment < 8 ? 8 : t->alignment > 16 ? 16 : t->alignment;
    stack = align_up(stack, align);
    if (stack + t->size > kMaxStackBytes) return false;
    uint32_t dst = static_cast<uint32_t>(SYSV_FRAME_STACK + stack);
    bool ok = is_narrow_int(t->type) ? move(arg, dst, widen_op(t->type), 0)
              : t->size == 8         ? move(arg, dst, Op::Word, 0)
              : t->size == 16        ? move(arg, dst, Op::Quad, 0)
                                     : move(arg, dst, Op::Block, 0, static_cast<uint32_t>(t->size));
    stack += align_up(t->size, 8);
    return ok;
  }
};

// §3.2.3 "Returning of Values": which registers carry the value back.
ffi_status plan_return(const ffi_type *t, Header &h) {
  h.ret_size = static_cast<uint32_t>(t->size);
  switch (t->type) {
  case FFI_TYPE_VOID: h.ret_kind = SYSV_RET_VOID; return FFI_OK;
  case FFI_TYPE_SINT8: h.ret_kind = SYSV_RET_SINT8; return FFI_OK;
  case FFI_TYPE_UINT8: h.ret_kind = SYSV_RET_UINT8; return FFI_OK;
  case FFI_TYPE_SINT16: h.ret_kind = SYSV_RET_SINT16; return FFI_OK;
  case FFI_TYPE_UINT16: h.ret_kind = SYSV_RET_UINT16; return FFI_OK;
  case FFI_TYPE_INT:
  case FFI_TYPE_SINT32: h.ret_kind = SYSV_RET_SINT32; return FFI_OK;
  case FFI_TYPE_UINT32: h.ret_kind = SYSV_RET_UINT32; return FFI_OK;
  case FFI_TYPE_FLOAT: h.ret_kind = SYSV_RET_FLOAT; return FFI_OK;
  default: break;
  }
  Classified c;
  if (ffi_status s = classify(t, c); s != FFI_OK) return s;
  if (c.memory) {
    h.ret_in_memory = 1;
    h.ret_kind = SYSV_RET_VOID;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::ComplexX87) {
    h.ret_kind = SYSV_RET_X87_2;
    return FFI_OK;
  }
  if (c.cls[0] == Cls::X87) {  // long double, and structs of one long double
    h.ret_kind = SYSV_RET_X87;
    return FFI_OK;
  }
  Cls a = c.cls[0], b = c.words == 2 ? c.cls[1] : Cls::None;
  if (c.words == 1) {
    h.ret_kind = a == Cls::Sse ? (t->size == 4 ? SYSV_RET_FLOAT : SYSV_RET_DOUBLE) : SYSV_RET_INT64;
    h.ret_partial = t->size != 8 && !(a == Cls::Sse && t->size == 4);
    return FFI_OK;
  }
  // Two eightbytes: INTEGER ones come in rax then rdx, SSE ones in xmm0
  // then xmm1, SSEUP in the upper half of xmm0.  A NO_CLASS (padding)
  // eightbyte takes whichever register the other one leaves.
  if (b == Cls::SseUp) h.ret_kind = SYSV_RET_XMM0_FULL;
  else if (a == Cls::Integer) h.ret_kind = b == Cls::Sse ? SYSV_RET_RAX_XMM0 : SYSV_RET_RAX_RDX;
  else if (a == Cls::Sse) h.ret_kind = b == Cls::Integer ? SYSV_RET_XMM0_RAX : SYSV_RET_XMM0_XMM1;
  else h.ret_kind = b == Cls::Sse ? SYSV_RET_RAX_XMM0 : SYSV_RET_XMM0_RAX;
  h.ret_partial = t->size != 16;
  return FFI_OK;
}

} // namespace

ffi_status build_plan(const ffi_cif *cif, unsigned /*nfixed: variadic calls differ only in %al*/,
                      PlanWriter &w) {
  if (!w.append(sizeof(Header))) return FFI_OK;  // w.failed reports it
  Builder b{w};
  if (ffi_status s = plan_return(cif->rtype, *w.at<Header>(0)); s != FFI_OK) return s;
  if (w.at<Header>(0)->ret_in_memory) b.gpr = 1;  // the hidden pointer takes rdi
  for (uint32_t i = 0; i < cif->nargs; i++) {
    const ffi_type *t = cif->arg_types[i];
    Classified c;
    if (ffi_status s = classify(t, c); s != FFI_OK) return s;
    bool regs = !c.memory && c.cls[0] != Cls::X87 && c.cls[0] != Cls::ComplexX87 &&
                b.gpr + c.ngpr <= kGprs && b.sse + c.nsse <= kSses;
    bool ok = regs ? b.in_registers(i, t, c) : b.on_stack(i, t);
    if (!ok) return w.failed ? FFI_OK : FFI_BAD_TYPEDEF;  // out of memory, or too much stack
  }
  Header *h = w.at<Header>(0);
  h->stack_bytes = static_cast<uint32_t>(align_up(b.stack, 16));
  h->nsse = static_cast<uint8_t>(b.sse);
  w.stack_bytes = static_cast<unsigned>(align_up(b.stack, 8));
  return FFI_OK;
}

} // namespace ffix::sysv
