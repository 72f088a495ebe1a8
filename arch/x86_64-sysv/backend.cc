// backend.cc -- the System V backend as the core sees it.
#include "plan.h"

extern "C" {
FFIX_HIDDEN void ffix_sysv_closure_slot(void);
FFIX_HIDDEN void ffix_sysv_closure(void);
FFIX_HIDDEN void ffix_sysv_go_closure(void);
}

namespace ffix {

FFIX_HIDDEN extern const Backend sysv_backend = {
    sysv::build_plan,
    ffix_sysv_invoke,
    reinterpret_cast<const void *>(ffix_sysv_closure_slot),
    reinterpret_cast<const void *>(ffix_sysv_closure),
    reinterpret_cast<const void *>(ffix_sysv_go_closure),
};

} // namespace ffix
