// call.cc -- ffi_call for System V: move the arguments as the plan says into
// a register image and the outgoing stack area, then let invoke.S load the
// registers, call, and store the return value.  No classification here.
#include "plan.h"

#include <alloca.h>
#include <string.h>

extern "C" FFIX_HIDDEN void ffix_sysv_invoke(void *frame, const void *header, void (*fn)(void),
                                             void *rvalue, void *chain);

namespace ffix::sysv {

namespace {

template <class T> inline T load(const unsigned char *p) {
  T v;
  memcpy(&v, p, sizeof v);
  return v;
}

template <class T> inline void store(unsigned char *p, T v) { memcpy(p, &v, sizeof v); }

inline uint64_t load_part(const unsigned char *p, uint32_t len) {
  uint64_t v = 0;
  memcpy(&v, p, len < 8 ? len : 8);
  return v;
}

inline void marshal(const Header *h, void **avalue, unsigned char *frame) {
  for (const Move *m = h->moves, *end = m + h->nmoves; m != end; ++m) {
    const unsigned char *s = static_cast<const unsigned char *>(avalue[m->arg]) + m->src;
    unsigned char *d = frame + m->dst;
    switch (m->op) {
    case Op::Sint8: store<int64_t>(d, load<int8_t>(s)); break;
    case Op::Uint8: store<uint64_t>(d, load<uint8_t>(s)); break;
    case Op::Sint16: store<int64_t>(d, load<int16_t>(s)); break;
    case Op::Uint16: store<uint64_t>(d, load<uint16_t>(s)); break;
    case Op::Sint32: store<int64_t>(d, load<int32_t>(s)); break;
    case Op::Uint32: store<uint64_t>(d, load<uint32_t>(s)); break;
    case Op::Word: store<uint64_t>(d, load<uint64_t>(s)); break;
    case Op::Part: store<uint64_t>(d, load_part(s, m->len)); break;
    case Op::Quad: memcpy(d, s, 16); break;
    case Op::Block: memcpy(d, s, m->len); break;
    }
  }
}

constexpr size_t kInlineStack = 128;

} // namespace

void invoke(const Plan *plan, void (*fn)(void), void *rvalue, void **avalue, void *chain) {
  const Header *h = header(plan);
  alignas(16) unsigned char inline_frame[SYSV_FRAME_STACK + kInlineStack];
  alignas(16) unsigned char scratch[32];  // return registers when the caller gave no room
  unsigned char *frame = inline_frame;
  if (__builtin_expect(h->stack_bytes > kInlineStack, 0))
    frame = static_cast<unsigned char *>(__builtin_assume_aligned(
        alloca(SYSV_FRAME_STACK + h->stack_bytes), 16));

  void *out = rvalue;
  if (h->ret_in_memory) {
    if (!out) out = alloca(h->ret_size);
    store<void *>(frame + SYSV_FRAME_GPR, out);
  } else if (!out || h->ret_partial) {
    out = scratch;
  }
  marshal(h, avalue, frame);
  ffix_sysv_invoke(frame, h, fn, out, chain);
  if (h->ret_partial && rvalue) memcpy(rvalue, scratch, h->ret_size);
}

} // namespace ffix::sysv
