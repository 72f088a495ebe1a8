// win64_backend.cc -- the Microsoft x64 backend as the core sees it: FFI_WIN64
// and FFI_GNUW64 on x86-64 Linux (for ms_abi functions) and the only
// backend of a Windows build.
#include "plan.h"

extern "C" {
FFIX_HIDDEN void ffix_win64_closure_slot(void);
FFIX_HIDDEN void ffix_win64_closure(void);
FFIX_HIDDEN void ffix_win64_go_closure(void);
}

namespace ffix {

FFIX_HIDDEN extern const Backend win64_backend = {
    win64::build_plan,
    ffix_win64_invoke,
    reinterpret_cast<const void *>(ffix_win64_closure_slot),
    reinterpret_cast<const void *>(ffix_win64_closure),
    reinterpret_cast<const void *>(ffix_win64_go_closure),
};

} // namespace ffix
