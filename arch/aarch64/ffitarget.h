/* ffitarget.h -- target definitions for AArch64 (AAPCS64; built for
   Linux).  Included by ffi.h; every value is libffi's for the same
   target, so that programs built against libffi's header run on ffix.  */

#ifndef LIBFFI_TARGET_H
#define LIBFFI_TARGET_H

#ifndef LIBFFI_H
#error "Please do not include ffitarget.h directly into your source.  Use ffi.h instead."
#endif

#ifndef LIBFFI_ASM
#if defined(__ILP32__) || defined(_WIN32)
#define FFI_SIZEOF_ARG 8
typedef unsigned long long ffi_arg;
typedef signed long long ffi_sarg;
#else
typedef unsigned long ffi_arg;
typedef signed long ffi_sarg;
#endif

/* libffi numbers the Windows convention on every AArch64 target; ffix
   builds only FFI_SYSV (configure refuses Windows and Apple hosts).  */
typedef enum ffi_abi {
  FFI_FIRST_ABI = 0,
  FFI_SYSV,
  FFI_WIN64,
  FFI_LAST_ABI,
#if defined(_WIN32)
  FFI_DEFAULT_ABI = FFI_WIN64
#else
  FFI_DEFAULT_ABI = FFI_SYSV
#endif
} ffi_abi;
#endif /* LIBFFI_ASM */

#define FFI_CLOSURES 1
#define FFI_NATIVE_RAW_API 0
/* A legacy trampoline: four instructions and the entry's address.  */
#define FFI_TRAMPOLINE_SIZE 24
#define FFI_TRAMPOLINE_CLOSURE_OFFSET FFI_TRAMPOLINE_SIZE
#define FFI_TARGET_SPECIFIC_VARIADIC

/* Go closures pass the closure in x18, the static chain register.  */
#define FFI_GO_CLOSURES 1
#define FFI_TARGET_HAS_COMPLEX_TYPE
#define FFI_TARGET_HAS_INT128

#endif /* LIBFFI_TARGET_H */
