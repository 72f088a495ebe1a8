// call.cc -- ffi_call: find the cif's plan and let its backend run it.
#include "ffix.h"

#include <stdlib.h>
#include <unistd.h>
#include <string.h>

namespace ffix {

void fatal(const char *message) {
  static const char prefix[] = "ffix: ";
  if (write(2, prefix, sizeof prefix - 1) < 0 || write(2, message, strlen(message)) < 0 ||
      write(2, "\n", 1) < 0) {
    // nothing more can be said
  }
  abort();
}

} // namespace ffix

void ffix_bad_cif(void) { ffix::fatal("a cif that ffi_prep_cif did not prepare successfully was used"); }

using namespace ffix;

extern "C" FFIX_EXPORT void ffi_call(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue) {
  const Plan *plan = plan_at(cif->flags);
  plan->invoke(plan, fn, rvalue, avalue, nullptr);
}
