// closure_inner.cc -- the System V closure: decode the saved argument registers
// and the caller's stack with the cif's plan, call the user's function.
#include "plan.h"

#include <alloca.h>
#include <string.h>

using namespace ffix;
using namespace ffix::sysv;

using ClosureFn = void (*)(ffi_cif *, void *, void **, void *);

// Called by closure.S with SAVE = the register save area, STACK = the
// caller's stack arguments, RESULT = 32 bytes for the result.  Returns the
// RET_* kind telling closure.S which registers to load.
extern "C" FFIX_HIDDEN int ffix_sysv_closure_inner(ffi_cif *cif, ClosureFn fun, void *user_data,
                                                   unsigned char *save, unsigned char *stack,
                                                   void *result) {
  const Header *h = header(plan_at(cif->flags));
  void **avalue = static_cast<void **>(alloca(h->nargs * sizeof(void *)));
  unsigned char *split = h->split_bytes ? static_cast<unsigned char *>(alloca(h->split_bytes)) : nullptr;
  const Locate *l = locate(h);
  for (uint32_t i = 0; i < h->nargs; i++, l++) {
    switch (l->where) {
    case Where::Saved: avalue[i] = save + l->a; break;
    case Where::Stack: avalue[i] = stack + l->a; break;
    case Where::Split:
      memcpy(split + l->c, save + l->a, 8);
      memcpy(split + l->c + 8, save + l->b, 8);
      avalue[i] = split + l->c;
      break;
    }
  }
  void *rvalue = result;
  if (h->closure_ret == RET_MEMORY) memcpy(&rvalue, save + SAVE_GPR, sizeof rvalue);
  fun(cif, rvalue, avalue, user_data);
  return h->closure_ret;
}
