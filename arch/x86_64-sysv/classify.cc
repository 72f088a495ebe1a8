// classify.cc -- the eightbyte classification of the System V x86-64 psABI,
// section 3.2.3, as the rules are numbered there.
//
// Scalars (§3.2.3, "Classification", first list):
//   _Bool, char, short, int, long, long long, pointers  -> INTEGER
//   __int128                                            -> INTEGER, INTEGER
//   float, double, __m64 (8-byte vectors)               -> SSE
//   __m128 (16-byte vectors)                            -> SSE, SSEUP
//   long double (x87 80-bit)                            -> X87, X87UP
//   complex float                                       -> SSE (both halves in one eightbyte)
//   complex double                                      -> SSE, SSE
//   complex long double                                 -> COMPLEX_X87
// The psABI is silent on other vector sizes; ffix does what GCC does:
// vectors of integers smaller than 8 bytes go as INTEGER; a vector of one
// float or one double (which GCC has no vector mode for) goes in MEMORY;
// vectors over 16 bytes (__m256 and up) are refused, as libffi refuses
// them.
//
// Aggregates (§3.2.3, "Classification", rule 1-5):
//   1. larger than 16 bytes (the only larger register aggregates are
//      __m256/__m512 wrappers, refused above) -> MEMORY.
//   3. unaligned fields -> MEMORY.  Members are laid out aligned, so this
//      happens only for a pre-sized struct whose members overrun its size.
//   4. each eightbyte starts as NO_CLASS and merges the classes of the
//      fields that overlap it:
//        (a) equal classes -> that class; (b) NO_CLASS + X -> X;
//        (c) MEMORY + X -> MEMORY;        (d) INTEGER + X -> INTEGER;
//        (e) X87, X87UP or COMPLEX_X87 + X -> MEMORY;  (f) otherwise SSE.
//   5. post merger: (a) any MEMORY -> all MEMORY; (b) X87UP not preceded by
//      X87 -> MEMORY; (d) SSEUP not preceded by SSE or SSEUP -> SSE.
// Complex numbers inside aggregates classify as two members of their part
// type, which is what the compilers do.
//
// Passing (§3.2.3, "Passing"): MEMORY, X87, X87UP and COMPLEX_X87 go on the
// stack; INTEGER takes the next of rdi, rsi, rdx, rcx, r8, r9; SSE the next
// of xmm0-xmm7; SSEUP the upper half of the last SSE register.  When an
// argument does not fit in the registers left, all of it goes on the stack.
#include "classify.h"

namespace ffix::sysv {

namespace {

constexpr Cls merge(Cls a, Cls b) {
  if (a == b) return a;                                        // 4(a)
  if (a == Cls::None) return b;                                // 4(b)
  if (b == Cls::None) return a;
  if (a == Cls::Memory || b == Cls::Memory) return Cls::Memory;  // 4(c)
  if (a == Cls::Integer || b == Cls::Integer) return Cls::Integer;  // 4(d)
  auto x87 = [](Cls c) { return c == Cls::X87 || c == Cls::X87Up || c == Cls::ComplexX87; };
  if (x87(a) || x87(b)) return Cls::Memory;                    // 4(e)
  return Cls::Sse;                                             // 4(f)
}

struct Walker {
  Cls cls[2] = {Cls::None, Cls::None};
  size_t limit;  // bytes of the outermost aggregate
  bool memory = false;

  void put(size_t offset, Cls c) {
    size_t word = offset / 8;
    if (word >= 2 || offset >= limit) {
      memory = true;  // a member beyond the declared size: rule 3
      return;
    }
    cls[word] = merge(cls[word], c);
  }

  // Members of a scalar-like TYPE at OFFSET.
  ffi_status scalar(const ffi_type *t, size_t offset) {
    switch (t->type) {
    case FFI_TYPE_VOID:
      return FFI_OK;
    case FFI_TYPE_FLOAT:
    case FFI_TYPE_DOUBLE:
      put(offset, Cls::Sse);
      return FFI_OK;
    case FFI_TYPE_LONGDOUBLE:
      put(offset, Cls::X87);
      put(offset + 8, Cls::X87Up);
      return FFI_OK;
    case FFI_TYPE_UINT128:
    case FFI_TYPE_SINT128:
      put(offset, Cls::Integer);
      put(offset + 8, Cls::Integer);
      return FFI_OK;
    case FFI_TYPE_VECTOR: {
      if (t->size > 16) return FFI_BAD_TYPEDEF;
      unsigned short lane = t->elements[0]->type;
      bool one_lane = t->elements[1] == nullptr;
      if (one_lane && (lane == FFI_TYPE_FLOAT || lane == FFI_TYPE_DOUBLE)) {
        put(offset, Cls::Memory);
      } else if (t->size < 8) {
        put(offset, Cls::Integer);
      } else {
        put(offset, Cls::Sse);
        if (t->size == 16) put(offset + 8, Cls::SseUp);
      }
      return FFI_OK;
    }
    default:  // the integer types and pointers
      put(offset, Cls::Integer);
      if ((offset % 8) + t->size > 8) put(offset + 8, Cls::Integer);
      return FFI_OK;
    }
  }

  ffi_status walk(const ffi_type *t, size_t offset, int depth) {
    if (!t || depth > kMaxDepth) return FFI_BAD_TYPEDEF;
    if (t->alignment && offset % t->alignment) memory = true;  // rule 3
    switch (t->type) {
    case FFI_TYPE_STRUCT: {
      bool fit;
      if (ffi_status s = check_members(const_cast<ffi_type *>(t), depth, fit); s != FFI_OK) return s;
      if (!fit) {  // members overrun the declared size (a packed struct): rule 3
        memory = true;
        return FFI_OK;
      }
      size_t at = offset;
      for (ffi_type **e = t->elements; *e; e++) {
        at = align_up(at, (*e)->alignment);
        if (ffi_status s = walk(*e, at, depth + 1); s != FFI_OK) return s;
        at += (*e)->size;
      }
      return FFI_OK;
    }
    case FFI_TYPE_COMPLEX: {
      const ffi_type *part = t->elements[0];
      if (part->type == FFI_TYPE_LONGDOUBLE) {
        put(offset, Cls::ComplexX87);
        return FFI_OK;
      }
      if (ffi_status s = scalar(part, offset); s != FFI_OK) return s;
      return scalar(part, offset + part->size);
    }
    default:
      return scalar(t, offset);
    }
  }
};


ffi_status classify_aggregate(const ffi_type *type, Classified &out);

// The scalars, straight from the first list of §3.2.3.
constexpr Classified kInteger{false, 1, {Cls::Integer, Cls::None}, 1, 0};
constexpr Classified kSse{false, 1, {Cls::Sse, Cls::None}, 0, 1};
constexpr Classified kX87{false, 2, {Cls::X87, Cls::X87Up}, 0, 0};
constexpr Classified kInt128{false, 2, {Cls::Integer, Cls::Integer}, 2, 0};

} // namespace

ffi_status classify(const ffi_type *type, Classified &out) {
  switch (type->type) {
  case FFI_TYPE_INT: case FFI_TYPE_UINT8: case FFI_TYPE_SINT8: case FFI_TYPE_UINT16:
  case FFI_TYPE_SINT16: case FFI_TYPE_UINT32: case FFI_TYPE_SINT32: case FFI_TYPE_UINT64:
  case FFI_TYPE_SINT64: case FFI_TYPE_POINTER:
    out = kInteger;
    return FFI_OK;
  case FFI_TYPE_FLOAT: case FFI_TYPE_DOUBLE:
    out = kSse;
    return FFI_OK;
  case FFI_TYPE_LONGDOUBLE:
    out = kX87;
    return FFI_OK;
  case FFI_TYPE_UINT128: case FFI_TYPE_SINT128:
    out = kInt128;
    return FFI_OK;
  default:
    return classify_aggregate(type, out);
  }
}

namespace {

ffi_status classify_aggregate(const ffi_type *type, Classified &out) {
  out = Classified{};
  if (type->type == FFI_TYPE_COMPLEX && type->elements[0]->type == FFI_TYPE_LONGDOUBLE) {
    out.words = 1;  // one COMPLEX_X87 value of 32 bytes
    out.cls[0] = Cls::ComplexX87;
    return FFI_OK;
  }
  if (type->size > 16 && type->type != FFI_TYPE_VECTOR) {  // rule 1
    out.memory = true;
    return FFI_OK;
  }
  Walker w;
  w.limit = type->size;
  if (ffi_status s = w.walk(type, 0, 0); s != FFI_OK) return s;
  out.words = type->size > 8 ? 2 : 1;
  out.cls[0] = w.cls[0];
  out.cls[1] = out.words == 2 ? w.cls[1] : Cls::None;

  // Rule 5, post merger cleanup.
  for (int i = 0; i < out.words; i++) {
    Cls c = out.cls[i];
    Cls prev = i ? out.cls[i - 1] : Cls::None;
    if (c == Cls::Memory) w.memory = true;                          // 5(a)
    if (c == Cls::X87Up && prev != Cls::X87) w.memory = true;       // 5(b)
    if (c == Cls::SseUp && prev != Cls::Sse && prev != Cls::SseUp)  // 5(d)
      out.cls[i] = Cls::Sse;
  }
  out.memory = w.memory;
  for (int i = 0; i < out.words; i++) {
    if (out.cls[i] == Cls::Integer) out.ngpr++;
    if (out.cls[i] == Cls::Sse) out.nsse++;
  }
  return FFI_OK;
}

} // namespace

} // namespace ffix::sysv
