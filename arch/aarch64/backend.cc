// backend.cc -- the AAPCS64 backend as the core sees it.
#include "plan.h"

extern "C" {
FFIX_HIDDEN void ffix_a64_closure(void);
FFIX_HIDDEN void ffix_a64_go_closure(void);
}

namespace ffix {

FFIX_HIDDEN extern const Backend a64_backend = {
    a64::build_plan,
    ffix_a64_invoke_go,
    // A static trampoline hands its closure over in x17, as a legacy
    // one does (trampoline.S): one entry serves both.
    reinterpret_cast<const void *>(ffix_a64_closure),
    reinterpret_cast<const void *>(ffix_a64_closure),
    reinterpret_cast<const void *>(ffix_a64_go_closure),
};

} // namespace ffix
