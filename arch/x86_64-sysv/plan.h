// plan.h -- the System V call plan: what ffi_prep_cif decides once, so that
// ffi_call only moves bytes.
#pragma once

#include "../../src/ffix.h"
#include "sysv_asm.h"

namespace ffix::sysv {

// One step of marshalling: take bytes of argument ARG at byte SRC and put
// them at DST in the frame (register image, then stack arguments).
enum class Op : uint8_t {
  Sint8, Uint8, Sint16, Uint16, Sint32, Uint32,  // widen an integer to 8 bytes
  Word,   // 8 bytes
  Part,   // LEN (1..7) bytes, zero-padded to 8
  Quad,   // 16 bytes
  Block,  // LEN bytes (an argument passed in memory)
};

struct Move {
  uint32_t arg;
  uint32_t dst;
  uint32_t len;
  Op op;
  uint8_t src;
  uint16_t unused = 0;
};
static_assert(sizeof(Move) == 16);

struct Header {
  uint32_t stack_bytes;  // outgoing stack arguments, a multiple of 16
  uint8_t nsse;          // SSE registers used: the variadic %al
  uint8_t ret_kind;      // SYSV_RET_*
  uint8_t ret_in_memory; // hidden return pointer in rdi
  uint8_t ret_partial;   // registers hold more bytes than the value: copy ret_size
  uint32_t ret_size;
  uint32_t nmoves;
  Move moves[];
};
static_assert(offsetof(Header, stack_bytes) == SYSV_PLAN_STACK_BYTES);
static_assert(offsetof(Header, nsse) == SYSV_PLAN_NSSE);
static_assert(offsetof(Header, ret_kind) == SYSV_PLAN_RET_KIND);
static_assert(offsetof(Header, moves) == 16);

inline const Header *header(const Plan *p) { return reinterpret_cast<const Header *>(p->data); }

ffi_status build_plan(const ffi_cif *cif, unsigned nfixed, PlanWriter &w);
void invoke(const Plan *plan, void (*fn)(void), void *rvalue, void **avalue, void *chain);

} // namespace ffix::sysv
