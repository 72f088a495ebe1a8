/* The fixed part of every generated caller.c (testsuite/diff/gen.py): output
   buffers and lines, the layout checks, ffi_call with all its checks (do_ffi) and
   the closure driver (do_closure).  Included once, first, by caller.c, which is
   built twice: against ffix's ffi.h and against the oracle's; caller.c then
   includes batch.h and defines SEED and the signatures' run functions. */
#ifndef DIFF_CALLER_H
#define DIFF_CALLER_H
#define _GNU_SOURCE
#include <ffi.h>
#ifdef _WIN32
#include <windows.h>
#include <psapi.h>
#include <fcntl.h>
#include <io.h>
#else
#include <link.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime.h"

#ifndef FFIX_EXT_INT128
#define FFIX_EXT_INT128 0
#endif
#ifndef FFIX_EXT_VECTOR
#define FFIX_EXT_VECTOR 0
#endif
#ifndef FFIX_EXT_PLAN
#define FFIX_EXT_PLAN 0
#endif
#if FFIX_EXT_INT128 && defined(FFIX_DECLARE_INT128)
extern ffi_type ffi_type_sint128;
extern ffi_type ffi_type_uint128;
#endif
#if FFIX_EXT_VECTOR && !defined(FFI_TYPE_VECTOR)
#define FFI_TYPE_VECTOR 18
#endif

/* Complex numbers of integer parts (gen.py's ci8 ... cu128): libffi predefines no ffi_type
   for them.  Size and alignment are given, as libffi's own complex types have them (libffi
   would lay out a complex of size 0 as a struct of one part).  */
#define CT_COMPLEX(name, ctype, part)                                                     \
  static ffi_type *ct_##name##_el[] = {part, NULL};                                       \
  static ffi_type ct_##name __attribute__((unused)) = {sizeof(_Complex ctype), _Alignof(_Complex ctype), \
                                                       FFI_TYPE_COMPLEX, ct_##name##_el};
CT_COMPLEX(ci8, signed char, &ffi_type_sint8)
CT_COMPLEX(cu8, unsigned char, &ffi_type_uint8)
CT_COMPLEX(ci16, short, &ffi_type_sint16)
CT_COMPLEX(cu16, unsigned short, &ffi_type_uint16)
CT_COMPLEX(ci32, int, &ffi_type_sint32)
CT_COMPLEX(cu32, unsigned int, &ffi_type_uint32)
CT_COMPLEX(ci64, long long, &ffi_type_sint64)
CT_COMPLEX(cu64, unsigned long long, &ffi_type_uint64)
#if FFIX_EXT_INT128
CT_COMPLEX(ci128, __int128, &ffi_type_sint128)
CT_COMPLEX(cu128, unsigned __int128, &ffi_type_uint128)
#endif

static char fbuf[1u << 20], dbuf[1u << 20], flags[1u << 16];
static _Alignas(16) unsigned char rb[8192];
static void flagf(const char *fmt, ...)
{
  size_t n = strlen(flags);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(flags + n, sizeof flags - n, fmt, ap);
  va_end(ap);
}

/* Which libffi this process loaded (LIB lines, checked by the runner). */
#ifdef _WIN32
/* A crash ends the process at once with its exception code (and no debugger under wine). */
static LONG WINAPI on_crash(EXCEPTION_POINTERS *e)
{
  fprintf(stderr, "exception 0x%08lx at %p\n", (unsigned long)e->ExceptionRecord->ExceptionCode,
          e->ExceptionRecord->ExceptionAddress);
  fflush(stderr);
  TerminateProcess(GetCurrentProcess(), 5);
  return EXCEPTION_EXECUTE_HANDLER;
}

static void print_libs(void)
{
  static HMODULE mods[1024];
  DWORD need = 0;
  SetUnhandledExceptionFilter(on_crash);
  SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
  _setmode(_fileno(stdout), _O_BINARY);   /* msvcrt would write CRLF */
  if (!EnumProcessModules(GetCurrentProcess(), mods, sizeof mods, &need))
    return;
  for (DWORD i = 0; i < need / sizeof(HMODULE) && i < 1024; i++) {
    char name[4 * MAX_PATH];
    if (GetModuleFileNameA(mods[i], name, sizeof name) && strstr(name, "libffi"))
      printf("LIB %s\n", name);
  }
}
#else
static int print_lib(struct dl_phdr_info *info, size_t size, void *data)
{
  (void)size; (void)data;
  if (info->dlpi_name && strstr(info->dlpi_name, "libffi"))
    printf("LIB %s\n", info->dlpi_name);
  return 0;
}

static void print_libs(void)
{
  dl_iterate_phdr(print_lib, NULL);
}
#endif

static const char *cur_id = "";

static void begin(const char *id)
{
  printf("B %s\n", id);
  fflush(stdout);
  flags[0] = 0;
  cur_id = id;
}

/* Which call of the signature runs now: a crash is reported with the last stage. */
static void stage(const char *what)
{
  printf("P %s %s\n", cur_id, what);
  fflush(stdout);
}

static void emit(const char *id)
{
  printf("F %s %s%s\nD %s %s\n", id, fbuf, flags, id, dbuf);
  if (flags[0] || strcmp(fbuf, dbuf) != 0)
    printf("X %s\n", id);
  fflush(stdout);
}

/* Size, alignment and (for structs) ffi_get_struct_offsets against the compiler's layout. */
static void chk_layout(const char *name, ffi_type *t, size_t size, size_t align,
                       const size_t *offs, unsigned nel, ffi_abi abi)
{
  if (t->size != size || t->alignment != align)
    flagf(" !LAYOUT(%s:size=%zu,align=%u;want=%zu,%zu)", name, (size_t)t->size,
          (unsigned)t->alignment, size, align);
  if (offs) {
    size_t got[512];
    int st;
    if (nel > 512)
      return;
    st = ffi_get_struct_offsets(abi, t, got);
    if (st != FFI_OK) {
      flagf(" !OFFSETS(%s:status=%d)", name, st);
      return;
    }
    for (unsigned i = 0; i < nel; i++)
      if (got[i] != offs[i]) {
        flagf(" !OFFSETS(%s:el%u=%zu;want=%zu)", name, i, got[i], offs[i]);
        return;
      }
  }
}

enum { RK_VOID, RK_NARROW, RK_OTHER };

/* A floating-point register stack (x87: arch.h) must be empty at every call and return
   except for a result returned in it, which its receiver pops.  A leaked register turns later
   loads into NaNs, so check after every call (what: the call, NULL for the direct one) and
   reset the stack if needed. */
static void fp_stack_check(const char *what)
{
  int n = arch_fp_stack_depth();
  if (n) {
    if (what)
      flagf(" !" ARCH_FP_STACK_NAME "-STACK-NOT-EMPTY(%s:%d)", what, n);
    arch_fp_stack_reset();
  }
}

/* The callee-saved registers across ffi_call, a plan's invoke and a closure's call site (where
   arch.h offers the check): CHECKED_CALL2/4(what, f, ...) is f(...) otherwise. */
#ifdef ARCH_SAVED_REGS
static void saved_check(const char *what)
{
  static const char *const names[] = ARCH_SAVED_NAMES;
  char bad[256] = "";
  for (unsigned i = 0; i < ARCH_SAVED_REGS; i++)
    if (arch_saved_seen[i] != arch_saved_pattern[i] && strlen(bad) + 8 < sizeof bad) {
      strcat(bad, bad[0] ? "," : "");
      strcat(bad, names[i]);
    }
  if (bad[0])
    flagf(" !CALLEE-SAVED-CLOBBERED(%s:%s)", what, bad);
}
#define CHECKED_CALL4(what, f, a, b, c, d)                                         \
  (arch_checked_call4((void *)(f), (void *)(a), (void *)(b), (void *)(c), (void *)(d)), \
   saved_check(what))
#define CHECKED_CALL2(what, f, a, b) CHECKED_CALL4(what, f, a, b, NULL, NULL)
#else
#define CHECKED_CALL4(what, f, a, b, c, d) f(a, b, c, d)
#define CHECKED_CALL2(what, f, a, b) f(a, b)
#endif

static unsigned char argsnap[1u << 17];
static int av_flagged, arg_flagged[64];

static void snap_args(void **av, const size_t *asz, unsigned nargs)
{
  size_t off = 0;
  av_flagged = 0;
  memset(arg_flagged, 0, sizeof arg_flagged);
  for (unsigned i = 0; i < nargs; i++) {
    memcpy(argsnap + off, av[i], asz[i]);
    off += asz[i];
  }
}

/* avalue[] and the argument bytes must be unchanged by ffi_call (each flagged once). */
static void chk_args(void **av, void **avsnap, const size_t *asz, unsigned nargs)
{
  size_t off = 0;
  if (!av_flagged && memcmp(avsnap, av, nargs * sizeof(void *)) != 0) {
    flagf(" !AVALUE-MODIFIED");
    av_flagged = 1;
  }
  for (unsigned i = 0; i < nargs; i++) {
    if (!arg_flagged[i] && memcmp(argsnap + off, avsnap[i], asz[i]) != 0) {
      flagf(" !ARG%u-MODIFIED", i);
      arg_flagged[i] = 1;
    }
    off += asz[i];
  }
}

static const char *nospace(char *s)
{
  for (char *p = s; *p; p++)
    if (*p == ' ')
      *p = '_';
  return s;
}

/* " R " and the result in BUF, as a call of kind RKIND logs it.  */
static void log_result(const unsigned char *buf, int rkind, void (*logret)(const void *))
{
  lg_str(" R ");
  if (rkind == RK_VOID)
    lg_str("void");
  else if (rkind == RK_NARROW)
    lg_bytes(buf, 8);
  else
    logret(buf);
}

/* ffi_call with every check: the result and callee log go to fbuf, anomalies to flags.
   rs: how many bytes of rvalue ffi_call may write (System V: at least 8; Microsoft x64: 8
   for an integer, the type's size for anything else). */
static void do_ffi(ffi_cif *cif, void (*fn)(void), void **av, const size_t *asz,
                   unsigned nargs, size_t rsize, size_t rs, int rkind,
                   void (*logret)(const void *))
{
  void *avsnap[64];
  size_t calllen;
  unsigned i;

  memcpy(avsnap, av, nargs * sizeof(void *));
  snap_args(av, asz, nargs);
  memset(rb, 0xee, rs + 64);

  fp_stack_check(NULL);
  lg_reset();
  stage("ffi_call");
  CHECKED_CALL4("ffi_call", ffi_call, cif, fn, rb, av);
  fp_stack_check("ffi_call");
  calllen = lg_len;
  log_result(rb, rkind, logret);
  memcpy(fbuf, lg_buf, lg_len + 1);

  for (i = rs; i < rs + 64; i++)
    if (rb[i] != 0xee) {
      flagf(" !RVALUE-OVERRUN(byte_%u_of_a_%zu-byte_result)", i, rsize);
      break;
    }
  chk_args(av, avsnap, asz, nargs);

  if (rkind != RK_VOID) {
    /* rvalue NULL: the result is discarded, the callee must see the same arguments. */
    memcpy(av, avsnap, nargs * sizeof(void *));
    lg_reset();
    stage("ffi_call-null-rvalue");
    CHECKED_CALL4("ffi_call-null-rvalue", ffi_call, cif, fn, NULL, av);
    fp_stack_check("ffi_call-null-rvalue");
    if (lg_len != calllen || memcmp(lg_buf, fbuf, calllen) != 0)
      flagf(" !NULL-RVALUE{%s}", nospace(lg_buf));
    chk_args(av, avsnap, asz, nargs);
  }

#if FFIX_EXT_PLAN
  {
    ffi_call_plan *plan = ffi_call_plan_alloc(cif);
    if (!plan)
      flagf(" !PLAN-ALLOC-FAILED");
    else {
      memcpy(av, avsnap, nargs * sizeof(void *));
      memset(rb, 0xee, rs + 64);
      lg_reset();
      stage("ffi_call_plan_invoke");
      CHECKED_CALL4("ffi_call_plan_invoke", ffi_call_plan_invoke, plan, fn, rb, av);
      fp_stack_check("ffi_call_plan_invoke");
      log_result(rb, rkind, logret);
      if (strcmp(lg_buf, fbuf) != 0)
        flagf(" !PLAN{%s}", nospace(lg_buf));
      chk_args(av, avsnap, asz, nargs);
      ffi_call_plan_free(plan);
    }
  }
#endif
  memcpy(av, avsnap, nargs * sizeof(void *));
}

/* A closure returning an 8- or 16-bit integer, called as returning uint64_t: the handler
   wrote a whole ffi_arg, and clang-compiled callers rely on the low 32 bits of the result
   register (x86-64: %eax) being sign- or zero-extended (GCC does not, and the x86-64 psABI
   leaves the upper bits undefined).  The generator decides where this applies. */
static void chk_narrow(uint64_t rax, unsigned size, int is_signed)
{
  uint32_t lo = (uint32_t)rax, want;
  if (size == 1)
    want = is_signed ? (uint32_t)(int32_t)(int8_t)lo : (uint8_t)lo;
  else
    want = is_signed ? (uint32_t)(int32_t)(int16_t)lo : (uint16_t)lo;
  if (lo != want)
    flagf(" !NARROW-RESULT-NOT-EXTENDED(" ARCH_RESULT_REG32 "=%08x)", lo);
}

#ifndef DIFF_DIRECT_ONLY
/* A closure of type cif whose handler is `handler`, called twice by `callsite` (the generated
   call site that also makes the direct call): the first call's handler log and result go to
   fbuf, anomalies to flags.  cl_ud_t user data lets the handler check cif and user_data. */
static void do_closure(ffi_cif *cif, void (*handler)(ffi_cif *, void *, void **, void *),
                       void (*callsite)(void *fp, const char *what), void (*rawcheck)(void *fp))
{
  static cl_ud_t ud;
  void *code = NULL;
  ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
  ffi_status st;

  if (!cl || !code) {
    strcpy(fbuf, "CLOSURE-ALLOC-FAILED");
    if (cl)
      ffi_closure_free(cl);
    return;
  }
  ud.cif = cif;
  ud.magic = CL_UD_MAGIC;
  st = ffi_prep_closure_loc(cl, cif, handler, &ud, code);
  if (st != FFI_OK) {
    sprintf(fbuf, "PREP-CLOSURE-FAILED(status=%d)", (int)st);
    ffi_closure_free(cl);
    return;
  }
  hflags[0] = 0;
  hcalls = 0;
  stage("closure");
  CHECKED_CALL2("closure", callsite, code, "closure");
  memcpy(fbuf, lg_buf, lg_len + 1);
  if (hcalls != 1)
    flagf(" !HANDLER-CALLS(%u)", hcalls);
  flagf("%s", hflags);
  /* the same closure again: same handler log and result */
  hcalls = 0;
  stage("closure-second-call");
  CHECKED_CALL2("closure-second-call", callsite, code, "closure-second-call");
  if (hcalls != 1 || strcmp(lg_buf, fbuf) != 0)
    flagf(" !SECOND-CALL(calls=%u){%s}", hcalls, nospace(lg_buf));
  if (rawcheck)
  {
    stage("closure-narrow-result");
    rawcheck(code);
  }
  ffi_closure_free(cl);
}
#endif

#endif
