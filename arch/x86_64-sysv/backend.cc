// backend.cc -- the System V backend as the core sees it.
#include "plan.h"

namespace ffix {

FFIX_HIDDEN extern const Backend sysv_backend = {sysv::build_plan, ffix_sysv_invoke};

} // namespace ffix
