// version.cc -- the libffi API level ffix implements (LIBFFI_BASE_8.1).
#include "core.h"

extern "C" FFIX_EXPORT const char *ffi_get_version(void) { return FFI_VERSION_STRING; }

extern "C" FFIX_EXPORT unsigned long ffi_get_version_number(void) { return FFI_VERSION_NUMBER; }

extern "C" FFIX_EXPORT unsigned int ffi_get_default_abi(void) { return FFI_DEFAULT_ABI; }

extern "C" FFIX_EXPORT size_t ffi_get_closure_size(void) { return sizeof(ffi_closure); }
