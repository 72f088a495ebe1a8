/* ffibench: micro-benchmark of ffi_call, ffi_prep_cif and closures (calls
 * through a closure; the alloc/prep/free cycle) against a direct C call.
 *
 * This one source is compiled twice: once against the library under test
 * (ffix) and once against the system libffi.  A process only ever loads one of
 * the two libraries.  The callees live in callees.c (a separate translation
 * unit compiled with -O2) so nothing gets inlined; the direct-call loops call
 * them through volatile function pointers.
 *
 * Usage:
 *   ffibench list                      cases: name kind has-direct flags
 *                                      description (flags: "regs" = every
 *                                      argument travels in a register, or "-")
 *   ffibench info                      path of the loaded libffi (via dladdr),
 *                                      and whether the call-plan API is built in
 *   ffibench check [case...]           check each case's result once
 *   ffibench run <case> <n> [lib|plan|direct]
 *                                      run one loop n times (for perf/callgrind
 *                                      --toggle-collect=bench_loop_*)
 *   ffibench instr <n> [case...]       under callgrind: for each case, zero the
 *                                      counters, run the lib loop n times, dump
 *                                      ("lib:<case>:<n>"); same for the plan loop
 *                                      ("plan:...") and the direct loop
 *                                      ("direct:...")
 *   ffibench trace <n> [case...]       under qemu -singlestep -d exec: for each
 *                                      case and loop (lib, plan, direct), run it
 *                                      n and 2n times, each run between calls
 *                                      of bench_mark_begin and bench_mark_end,
 *                                      and print "loop <mode> <case> <n>" per
 *                                      run, in the same order (the log's Trace
 *                                      lines between the marks are the count)
 *   ffibench time <ms> <batches> [case...]
 *                                      CPU-time: for each case, calibrate n so a
 *                                      batch takes about <ms> ms, then alternate
 *                                      lib / plan / direct batches; prints one
 *                                      line per batch:
 *                                      "time <case> lib|plan|direct <ns/call>"
 *
 * Every mode that measures checks the selected cases first and exits with
 * status 1 (and a message on stderr) if the library's result differs from the
 * direct call's.
 *
 * Call plans: when ffi.h declares the call-plan API (libffi 3.7+:
 * ffi_call_plan_alloc / ffi_call_plan_invoke / ffi_call_plan_free; detected
 * by FFI_VERSION_NUMBER >= 30700, which libffi 3.4.4's ffi.h lacks), every
 * case of kind "call" also gets a "plan" loop that calls
 * ffi_call_plan_invoke through a plan allocated once after the case's setup,
 * and its result is checked like ffi_call's.  -DFFIBENCH_NO_PLAN leaves the
 * plan loops out.
 *
 * Adding a case: write a setup function (return NULL on success or an error
 * message), a check function (same convention), a "lib" loop and, if there
 * is a C equivalent, a "direct" loop, and add a row to `cases[]`.  The
 * closure cases (cl_*) show the pattern for closures: setup allocates the
 * closure with ffi_closure_alloc + ffi_prep_closure_loc; one loop function
 * calls through a volatile typed function pointer, given the closure's code
 * address (lib) or the equivalent C function (direct); the check compares
 * both.  The kind ("call", "prep", "closure", "closure-alloc") selects the
 * geometric mean a case counts in and, for "closure*", the table section.
 * All loop functions must be NOINLINE and named bench_loop_* (see `run`).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ffi.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND_H 1
#endif
#endif
#ifndef HAVE_CALLGRIND_H
/* A cross build (aarch64 under qemu) finds no valgrind header; its counts
 * come from `trace` instead, and `instr` refuses to run. */
#define RUNNING_ON_VALGRIND 0
#define CALLGRIND_ZERO_STATS ((void)0)
#define CALLGRIND_DUMP_STATS_AT(name) ((void)(name))
#endif

#include "callees.h"

#if defined(FFI_VERSION_NUMBER) && FFI_VERSION_NUMBER >= 30700 && \
    !defined(FFIBENCH_NO_PLAN)
#define HAVE_CALL_PLAN 1
#else
#define HAVE_CALL_PLAN 0
#endif

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noinline, noclone))
#endif

/* ------------------------------------------------------------------------ */
/* Shared state of an ffi_call case.                                        */

#define MAXARGS 16

union retbuf {
    ffi_arg a;
    int64_t i64;
    double d;
    float f;
    long double ld;
    struct bench_dd dd;
    long l;
    unsigned char bytes[64];
} __attribute__((aligned(16)));

struct call_state {
    ffi_cif cif;
    ffi_type *atypes[MAXARGS];
    void *avalue[MAXARGS];
    void (*fn)(void);
    union retbuf rv;
#if HAVE_CALL_PLAN
    ffi_call_plan *plan;     /* allocated after setup (setup_and_check) */
#endif
};

/* The generic ffi_call loop, used by every ffi_call case. */
NOINLINE static void bench_loop_ffi_call(ffi_cif *cif, void (*fn)(void),
                                         void *rv, void **av, long n)
{
    for (long i = 0; i < n; i++)
        ffi_call(cif, fn, rv, av);
}

static void lib_call(void *p, long n)
{
    struct call_state *s = p;
    bench_loop_ffi_call(&s->cif, s->fn, &s->rv, s->avalue, n);
}

#if HAVE_CALL_PLAN
/* The same loop through a call plan built once. */
NOINLINE static void bench_loop_plan_invoke(ffi_call_plan *plan,
                                            void (*fn)(void), void *rv,
                                            void **av, long n)
{
    for (long i = 0; i < n; i++)
        ffi_call_plan_invoke(plan, fn, rv, av);
}

static void lib_plan(void *p, long n)
{
    struct call_state *s = p;
    bench_loop_plan_invoke(s->plan, s->fn, &s->rv, s->avalue, n);
}
#endif

static const char *prep(struct call_state *s, void *fn, unsigned nargs,
                        ffi_type *rtype)
{
    s->fn = (void (*)(void))fn;
    if (ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, nargs, rtype, s->atypes) != FFI_OK)
        return "ffi_prep_cif failed";
    return NULL;
}

static char msgbuf[256];
#define FAILF(...) (snprintf(msgbuf, sizeof msgbuf, __VA_ARGS__), msgbuf)

/* Call the library once; the check functions then compare s->rv with the
 * direct call.  The return buffer is filled with junk first.  With
 * check_with_plan set, the call goes through the case's call plan instead
 * of ffi_call (setup_and_check runs every "call" check both ways). */
static int check_with_plan __attribute__((unused));

static void call_once(struct call_state *s)
{
    memset(&s->rv, 0xa5, sizeof s->rv);
#if HAVE_CALL_PLAN
    if (check_with_plan) {
        lib_plan(s, 1);
        return;
    }
#endif
    lib_call(s, 1);
}

/* ------------------------------------------------------------------------ */
/* void f(void)                                                             */

static struct call_state st_void;
static void (*volatile dp_void)(void) = callee_void;

static const char *setup_void(void *p)
{
    (void)p;
    return prep(&st_void, callee_void, 0, &ffi_type_void);
}

NOINLINE static void bench_loop_direct_void(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        dp_void();
}

static const char *check_void(void *p)
{
    (void)p;
    long before = callee_void_count;
    call_once(&st_void);
    if (callee_void_count != before + 1)
        return "callee_void was not called exactly once";
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* int f(int)                                                               */

static struct call_state st_int;
static int (*volatile dp_int)(int) = callee_int;
static int arg_int = 12345;
static volatile int sink_int;

static const char *setup_int(void *p)
{
    (void)p;
    st_int.atypes[0] = &ffi_type_sint;
    st_int.avalue[0] = &arg_int;
    return prep(&st_int, callee_int, 1, &ffi_type_sint);
}

NOINLINE static void bench_loop_direct_int(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_int = dp_int(arg_int);
}

static const char *check_int(void *p)
{
    (void)p;
    int want = dp_int(arg_int);
    call_once(&st_int);
    int got = (int)st_int.rv.a;
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* int64_t f(int64_t x 6)                                                   */

static struct call_state st_i64x6;
static int64_t (*volatile dp_i64x6)(int64_t, int64_t, int64_t, int64_t,
                                    int64_t, int64_t) = callee_i64x6;
static int64_t args_i64x6[6] = {
    1, -2000000000000LL, 3, 4000000000LL, -5, 0x123456789LL
};
static volatile int64_t sink_i64;

static const char *setup_i64x6(void *p)
{
    (void)p;
    for (int i = 0; i < 6; i++) {
        st_i64x6.atypes[i] = &ffi_type_sint64;
        st_i64x6.avalue[i] = &args_i64x6[i];
    }
    return prep(&st_i64x6, callee_i64x6, 6, &ffi_type_sint64);
}

NOINLINE static void bench_loop_direct_i64x6(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_i64 = dp_i64x6(args_i64x6[0], args_i64x6[1], args_i64x6[2],
                            args_i64x6[3], args_i64x6[4], args_i64x6[5]);
}

static const char *check_i64x6(void *p)
{
    (void)p;
    int64_t want = dp_i64x6(args_i64x6[0], args_i64x6[1], args_i64x6[2],
                            args_i64x6[3], args_i64x6[4], args_i64x6[5]);
    call_once(&st_i64x6);
    if (st_i64x6.rv.i64 != want)
        return FAILF("got %lld, direct call gives %lld",
                     (long long)st_i64x6.rv.i64, (long long)want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* double f(double, double)                                                 */

static struct call_state st_dd;
static double (*volatile dp_dd)(double, double) = callee_dd;
static double args_dd[2] = { 1.25, -3.5 };
static volatile double sink_d;

static const char *setup_dd(void *p)
{
    (void)p;
    for (int i = 0; i < 2; i++) {
        st_dd.atypes[i] = &ffi_type_double;
        st_dd.avalue[i] = &args_dd[i];
    }
    return prep(&st_dd, callee_dd, 2, &ffi_type_double);
}

NOINLINE static void bench_loop_direct_dd(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_d = dp_dd(args_dd[0], args_dd[1]);
}

static const char *check_dd(void *p)
{
    (void)p;
    double want = dp_dd(args_dd[0], args_dd[1]);
    call_once(&st_dd);
    if (memcmp(&st_dd.rv.d, &want, sizeof want) != 0)
        return FAILF("got %.17g, direct call gives %.17g", st_dd.rv.d, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* struct {double,double} f(12 mixed args, two of them on the stack)        */

static struct call_state st_mixed12;
static ffi_type *dd_elems[] = { &ffi_type_double, &ffi_type_double, NULL };
static ffi_type dd_type = {
    .size = 0, .alignment = 0, .type = FFI_TYPE_STRUCT, .elements = dd_elems
};
static struct bench_dd (*volatile dp_mixed12)(int, double, float, const long *,
                                              long, double, int, float,
                                              const double *, long, int,
                                              long) = callee_mixed12;
static long m12_pointee_l = 1000;
static double m12_pointee_d = 0.125;
static struct {
    int a; double b; float c; const long *p; long d; double e;
    int f; float g; const double *q; long h; int i; long j;
} m12 = {
    7, 1.5, 2.25f, &m12_pointee_l, -40000000000L, 3.75,
    -9, 0.5f, &m12_pointee_d, 123456789L, 11, -13
};
static volatile struct bench_dd sink_dd;

static const char *setup_mixed12(void *p)
{
    (void)p;
    ffi_type **t = st_mixed12.atypes;
    void **v = st_mixed12.avalue;
    t[0] = &ffi_type_sint;    v[0] = &m12.a;
    t[1] = &ffi_type_double;  v[1] = &m12.b;
    t[2] = &ffi_type_float;   v[2] = &m12.c;
    t[3] = &ffi_type_pointer; v[3] = &m12.p;
    t[4] = &ffi_type_slong;   v[4] = &m12.d;
    t[5] = &ffi_type_double;  v[5] = &m12.e;
    t[6] = &ffi_type_sint;    v[6] = &m12.f;
    t[7] = &ffi_type_float;   v[7] = &m12.g;
    t[8] = &ffi_type_pointer; v[8] = &m12.q;
    t[9] = &ffi_type_slong;   v[9] = &m12.h;
    t[10] = &ffi_type_sint;   v[10] = &m12.i;
    t[11] = &ffi_type_slong;  v[11] = &m12.j;
    return prep(&st_mixed12, callee_mixed12, 12, &dd_type);
}

#define M12_ARGS m12.a, m12.b, m12.c, m12.p, m12.d, m12.e, m12.f, m12.g, \
                 m12.q, m12.h, m12.i, m12.j

NOINLINE static void bench_loop_direct_mixed12(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++) {
        struct bench_dd r = dp_mixed12(M12_ARGS);
        sink_dd.x = r.x;
        sink_dd.y = r.y;
    }
}

static const char *check_mixed12(void *p)
{
    (void)p;
    struct bench_dd want = dp_mixed12(M12_ARGS);
    call_once(&st_mixed12);
    if (memcmp(&st_mixed12.rv.dd, &want, sizeof want) != 0)
        return FAILF("got {%.17g, %.17g}, direct call gives {%.17g, %.17g}",
                     st_mixed12.rv.dd.x, st_mixed12.rv.dd.y, want.x, want.y);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* long f(struct {long a, b, c})  -- 24 bytes, passed in memory             */

static struct call_state st_struct24;
static ffi_type *l3_elems[] = {
    &ffi_type_slong, &ffi_type_slong, &ffi_type_slong, NULL
};
static ffi_type l3_type = {
    .size = 0, .alignment = 0, .type = FFI_TYPE_STRUCT, .elements = l3_elems
};
static long (*volatile dp_struct24)(struct bench_l3) = callee_struct24;
static struct bench_l3 arg_l3 = { 100000000000L, -7, 31 };
static volatile long sink_l;

static const char *setup_struct24(void *p)
{
    (void)p;
    st_struct24.atypes[0] = &l3_type;
    st_struct24.avalue[0] = &arg_l3;
    return prep(&st_struct24, callee_struct24, 1, &ffi_type_slong);
}

NOINLINE static void bench_loop_direct_struct24(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_l = dp_struct24(arg_l3);
}

static const char *check_struct24(void *p)
{
    (void)p;
    long want = dp_struct24(arg_l3);
    call_once(&st_struct24);
    if (st_struct24.rv.l != want)
        return FAILF("got %ld, direct call gives %ld", st_struct24.rv.l, want);
    if (l3_type.size != 24)
        return FAILF("struct size computed as %zu, want 24", l3_type.size);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* int f(const char *, ...) called with (fmt, int, double, long)            */

static struct call_state st_varargs;
static int (*volatile dp_varargs)(const char *, ...) = callee_varargs;
static const char *va_fmt = "idl";
static int va_i = -17;
static double va_d = 2.5;
static long va_l = 1000000L;

static const char *setup_varargs(void *p)
{
    (void)p;
    ffi_type **t = st_varargs.atypes;
    void **v = st_varargs.avalue;
    t[0] = &ffi_type_pointer; v[0] = &va_fmt;
    t[1] = &ffi_type_sint;    v[1] = &va_i;
    t[2] = &ffi_type_double;  v[2] = &va_d;
    t[3] = &ffi_type_slong;   v[3] = &va_l;
    st_varargs.fn = (void (*)(void))callee_varargs;
    if (ffi_prep_cif_var(&st_varargs.cif, FFI_DEFAULT_ABI, 1, 4,
                         &ffi_type_sint, t) != FFI_OK)
        return "ffi_prep_cif_var failed";
    return NULL;
}

NOINLINE static void bench_loop_direct_varargs(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_int = dp_varargs(va_fmt, va_i, va_d, va_l);
}

static const char *check_varargs(void *p)
{
    (void)p;
    int want = dp_varargs(va_fmt, va_i, va_d, va_l);
    call_once(&st_varargs);
    int got = (int)st_varargs.rv.a;
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* float f(float, float)                                                    */

static struct call_state st_ff;
static float (*volatile dp_ff)(float, float) = callee_ff;
static float args_ff[2] = { 1.375f, -2.75f };
static volatile float sink_f;

static const char *setup_ff(void *p)
{
    (void)p;
    for (int i = 0; i < 2; i++) {
        st_ff.atypes[i] = &ffi_type_float;
        st_ff.avalue[i] = &args_ff[i];
    }
    return prep(&st_ff, callee_ff, 2, &ffi_type_float);
}

NOINLINE static void bench_loop_direct_ff(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_f = dp_ff(args_ff[0], args_ff[1]);
}

static const char *check_ff(void *p)
{
    (void)p;
    float want = dp_ff(args_ff[0], args_ff[1]);
    call_once(&st_ff);
    if (memcmp(&st_ff.rv.f, &want, sizeof want) != 0)
        return FAILF("got %.9g, direct call gives %.9g", st_ff.rv.f, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* int f(signed char, unsigned short, short, unsigned char)                 */

static struct call_state st_small;
static int (*volatile dp_small)(signed char, unsigned short, short,
                                unsigned char) = callee_small;
/* Values whose top bits are set, so a wrong extension changes the result. */
static signed char sm_a = -100;
static unsigned short sm_b = 60000;
static short sm_c = -30000;
static unsigned char sm_d = 200;

static const char *setup_small(void *p)
{
    (void)p;
    ffi_type **t = st_small.atypes;
    void **v = st_small.avalue;
    t[0] = &ffi_type_schar;  v[0] = &sm_a;
    t[1] = &ffi_type_ushort; v[1] = &sm_b;
    t[2] = &ffi_type_sshort; v[2] = &sm_c;
    t[3] = &ffi_type_uchar;  v[3] = &sm_d;
    return prep(&st_small, callee_small, 4, &ffi_type_sint);
}

NOINLINE static void bench_loop_direct_small(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_int = dp_small(sm_a, sm_b, sm_c, sm_d);
}

static const char *check_small(void *p)
{
    (void)p;
    int want = dp_small(sm_a, sm_b, sm_c, sm_d);
    call_once(&st_small);
    int got = (int)st_small.rv.a;
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* long double f(long double, long double)  -- x87, passed in memory        */
/* (AArch64: IEEE binary128 in q0, q1; the result in q0)                    */

#if defined(__aarch64__)
#define LD_BYTES 16     /* binary128: all 16 bytes are significant */
#else
#define LD_BYTES 10     /* the 10 bytes of the x87 format; 6 of padding */
#endif

static struct call_state st_ld;
static long double (*volatile dp_ld)(long double, long double) = callee_ld;
static long double args_ld[2] = { 1.0L / 3, -2.0L / 7 };
static volatile long double sink_ld;

static const char *setup_ld(void *p)
{
    (void)p;
    for (int i = 0; i < 2; i++) {
        st_ld.atypes[i] = &ffi_type_longdouble;
        st_ld.avalue[i] = &args_ld[i];
    }
    return prep(&st_ld, callee_ld, 2, &ffi_type_longdouble);
}

NOINLINE static void bench_loop_direct_ld(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_ld = dp_ld(args_ld[0], args_ld[1]);
}

static const char *check_ld(void *p)
{
    (void)p;
    long double want = dp_ld(args_ld[0], args_ld[1]);
    call_once(&st_ld);
    if (memcmp(&st_ld.rv.ld, &want, LD_BYTES) != 0)
        return FAILF("got %.21Lg, direct call gives %.21Lg", st_ld.rv.ld, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* double f(int n, ...) called with (4, double x 4)                         */

static struct call_state st_vad;
static double (*volatile dp_vad)(int, ...) = callee_vad;
static int vad_n = 4;
static double vad_d[4] = { 0.5, -1.25, 3.0, 1e10 };

static const char *setup_vad(void *p)
{
    (void)p;
    ffi_type **t = st_vad.atypes;
    void **v = st_vad.avalue;
    t[0] = &ffi_type_sint; v[0] = &vad_n;
    for (int i = 0; i < 4; i++) {
        t[1 + i] = &ffi_type_double;
        v[1 + i] = &vad_d[i];
    }
    st_vad.fn = (void (*)(void))callee_vad;
    if (ffi_prep_cif_var(&st_vad.cif, FFI_DEFAULT_ABI, 1, 5,
                         &ffi_type_double, t) != FFI_OK)
        return "ffi_prep_cif_var failed";
    return NULL;
}

NOINLINE static void bench_loop_direct_vad(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_d = dp_vad(vad_n, vad_d[0], vad_d[1], vad_d[2], vad_d[3]);
}

static const char *check_vad(void *p)
{
    (void)p;
    double want = dp_vad(vad_n, vad_d[0], vad_d[1], vad_d[2], vad_d[3]);
    call_once(&st_vad);
    if (memcmp(&st_vad.rv.d, &want, sizeof want) != 0)
        return FAILF("got %.17g, direct call gives %.17g", st_vad.rv.d, want);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* ffi_prep_cif with six int64 arguments (no direct equivalent)             */

static ffi_cif prep6_cif;
static ffi_type *prep6_types[6] = {
    &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64,
    &ffi_type_sint64, &ffi_type_sint64, &ffi_type_sint64
};

static const char *setup_prep6(void *p)
{
    (void)p;
    return NULL;
}

NOINLINE static void bench_loop_prep_cif(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        if (ffi_prep_cif(&prep6_cif, FFI_DEFAULT_ABI, 6, &ffi_type_sint64,
                         prep6_types) != FFI_OK)
            abort();
}

static const char *check_prep6(void *p)
{
    (void)p;
    memset(&prep6_cif, 0x5a, sizeof prep6_cif);
    if (ffi_prep_cif(&prep6_cif, FFI_DEFAULT_ABI, 6, &ffi_type_sint64,
                     prep6_types) != FFI_OK)
        return "ffi_prep_cif failed";
    if (prep6_cif.nargs != 6 || prep6_cif.rtype != &ffi_type_sint64 ||
        prep6_cif.arg_types != prep6_types || prep6_cif.abi != FFI_DEFAULT_ABI)
        return "ffi_prep_cif filled the cif wrongly";
    /* Use the cif once, to be sure it is usable. */
    int64_t r;
    union retbuf rv;
    void *av[6];
    for (int i = 0; i < 6; i++)
        av[i] = &args_i64x6[i];
    r = dp_i64x6(args_i64x6[0], args_i64x6[1], args_i64x6[2],
                 args_i64x6[3], args_i64x6[4], args_i64x6[5]);
    ffi_call(&prep6_cif, (void (*)(void))callee_i64x6, &rv, av);
    if (rv.i64 != r)
        return "a call through the prepared cif gives a wrong result";
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Closures.                                                               */
/*                                                                          */
/* Setup prepares a cif, allocates a closure (ffi_closure_alloc) and        */
/* prepares it (ffi_prep_closure_loc) with a handler that computes what the */
/* C callee computes.  Both loops of a case are the *same* function: it     */
/* calls through a volatile typed function pointer that holds the closure's */
/* code address (lib) or the C callee (direct), so the two columns differ   */
/* only in what is called.                                                  */

struct closure_state {
    ffi_cif cif;
    ffi_type *atypes[MAXARGS];
    ffi_closure *cl;
    void *code;
    void (*fun)(ffi_cif *, void *, void **, void *);   /* the handler */
};

static const char *prep_closure(struct closure_state *s,
                                void (*fun)(ffi_cif *, void *, void **, void *))
{
    if (ffi_prep_closure_loc(s->cl, &s->cif, fun, s, s->code) != FFI_OK)
        return "ffi_prep_closure_loc failed";
    return NULL;
}

static const char *make_closure(struct closure_state *s, unsigned nargs,
                                ffi_type *rtype,
                                void (*fun)(ffi_cif *, void *, void **, void *))
{
    s->fun = fun;
    if (ffi_prep_cif(&s->cif, FFI_DEFAULT_ABI, nargs, rtype, s->atypes) != FFI_OK)
        return "ffi_prep_cif failed";
    if (!s->cl) {
        s->cl = ffi_closure_alloc(sizeof(ffi_closure), &s->code);
        if (!s->cl)
            return "ffi_closure_alloc failed";
    }
    return prep_closure(s, fun);
}

/* The measured handlers do nothing but their computation.  To see that the
 * library passes the right cif and user_data, the checks first prepare the
 * same closure with handler_trace (which records both, then calls the real
 * handler), call it, and then prepare it again with the real handler. */
static ffi_cif *seen_cif;
static void *seen_ud;

static void handler_trace(ffi_cif *cif, void *ret, void **args, void *ud)
{
    seen_cif = cif;
    seen_ud = ud;
    ((struct closure_state *)ud)->fun(cif, ret, args, ud);
}

static const char *trace_begin(struct closure_state *s)
{
    seen_cif = NULL;
    seen_ud = NULL;
    return prep_closure(s, handler_trace);
}

static const char *trace_end(struct closure_state *s)
{
    const char *err = prep_closure(s, s->fun);
    if (err)
        return err;
    if (seen_cif != &s->cif || seen_ud != s)
        return "the handler did not get the closure's cif and user_data";
    return NULL;
}

/* --- int f(int) ---------------------------------------------------------- */

static struct closure_state cs_int;
static int (*volatile clp_int)(int);        /* the closure */
static int (*volatile cdp_int)(int) = callee_int;

static void handler_int(ffi_cif *cif, void *ret, void **args, void *ud)
{
    (void)cif;
    (void)ud;
    int x = *(int *)args[0];
    *(ffi_arg *)ret = (ffi_arg)(x * 3 + 1);          /* = callee_int */
}

NOINLINE static void bench_loop_closure_int(int (*volatile *fp)(int), long n)
{
    for (long i = 0; i < n; i++)
        sink_int = (*fp)(arg_int);
}

static const char *setup_cl_int(void *p)
{
    (void)p;
    cs_int.atypes[0] = &ffi_type_sint;
    const char *err = make_closure(&cs_int, 1, &ffi_type_sint, handler_int);
    clp_int = (int (*)(int))cs_int.code;
    return err;
}

static void lib_cl_int(void *p, long n) { (void)p; bench_loop_closure_int(&clp_int, n); }
static void direct_cl_int(void *p, long n) { (void)p; bench_loop_closure_int(&cdp_int, n); }

static const char *check_cl_int(void *p)
{
    struct closure_state *s = p;
    int want = cdp_int(arg_int), got;
    const char *err = trace_begin(s);
    if (err)
        return err;
    got = clp_int(arg_int);
    if ((err = trace_end(s)))
        return err;
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    got = clp_int(arg_int);  /* as measured */
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    return NULL;
}

/* --- double f(double x 8) ------------------------------------------------ */

typedef double (*d8_fn)(double, double, double, double,
                        double, double, double, double);
static struct closure_state cs_d8;
static volatile d8_fn clp_d8;
static volatile d8_fn cdp_d8 = callee_d8;
static double args_d8[8] = {
    1.5, -2.25, 3.125, 0.0625, -5.5, 6.75, 1e10, -0.001
};

static void handler_d8(ffi_cif *cif, void *ret, void **args, void *ud)
{
    (void)cif;
    (void)ud;
    double a = *(double *)args[0], b = *(double *)args[1];
    double c = *(double *)args[2], d = *(double *)args[3];
    double e = *(double *)args[4], f = *(double *)args[5];
    double g = *(double *)args[6], h = *(double *)args[7];
    /* = callee_d8, same expression and order */
    *(double *)ret = a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

#define D8_ARGS args_d8[0], args_d8[1], args_d8[2], args_d8[3], \
                args_d8[4], args_d8[5], args_d8[6], args_d8[7]

NOINLINE static void bench_loop_closure_d8(volatile d8_fn *fp, long n)
{
    for (long i = 0; i < n; i++)
        sink_d = (*fp)(D8_ARGS);
}

static const char *setup_cl_d8(void *p)
{
    (void)p;
    for (int i = 0; i < 8; i++)
        cs_d8.atypes[i] = &ffi_type_double;
    const char *err = make_closure(&cs_d8, 8, &ffi_type_double, handler_d8);
    clp_d8 = (d8_fn)cs_d8.code;
    return err;
}

static void lib_cl_d8(void *p, long n) { (void)p; bench_loop_closure_d8(&clp_d8, n); }
static void direct_cl_d8(void *p, long n) { (void)p; bench_loop_closure_d8(&cdp_d8, n); }

static const char *check_cl_d8(void *p)
{
    struct closure_state *s = p;
    double want = cdp_d8(D8_ARGS), got;
    const char *err = trace_begin(s);
    if (err)
        return err;
    got = clp_d8(D8_ARGS);
    if ((err = trace_end(s)))
        return err;
    if (memcmp(&got, &want, sizeof want) != 0)
        return FAILF("got %.17g, direct call gives %.17g", got, want);
    got = clp_d8(D8_ARGS);  /* as measured */
    if (memcmp(&got, &want, sizeof want) != 0)
        return FAILF("got %.17g, direct call gives %.17g", got, want);
    return NULL;
}

/* --- long f(struct {long a, b, c}) --------------------------------------- */

typedef long (*s24_fn)(struct bench_l3);
static struct closure_state cs_s24;
static volatile s24_fn clp_s24;
static volatile s24_fn cdp_s24 = callee_struct24;

static void handler_s24(ffi_cif *cif, void *ret, void **args, void *ud)
{
    (void)cif;
    (void)ud;
    const struct bench_l3 *s = args[0];
    *(ffi_arg *)ret = (ffi_arg)(s->a + 2 * s->b + 3 * s->c); /* = callee_struct24 */
}

NOINLINE static void bench_loop_closure_s24(volatile s24_fn *fp, long n)
{
    for (long i = 0; i < n; i++)
        sink_l = (*fp)(arg_l3);
}

static const char *setup_cl_s24(void *p)
{
    (void)p;
    cs_s24.atypes[0] = &l3_type;
    const char *err = make_closure(&cs_s24, 1, &ffi_type_slong, handler_s24);
    clp_s24 = (s24_fn)cs_s24.code;
    return err;
}

static void lib_cl_s24(void *p, long n) { (void)p; bench_loop_closure_s24(&clp_s24, n); }
static void direct_cl_s24(void *p, long n) { (void)p; bench_loop_closure_s24(&cdp_s24, n); }

static const char *check_cl_s24(void *p)
{
    struct closure_state *s = p;
    long want = cdp_s24(arg_l3), got;
    const char *err = trace_begin(s);
    if (err)
        return err;
    got = clp_s24(arg_l3);
    if ((err = trace_end(s)))
        return err;
    if (got != want)
        return FAILF("got %ld, direct call gives %ld", got, want);
    got = clp_s24(arg_l3);  /* as measured */
    if (got != want)
        return FAILF("got %ld, direct call gives %ld", got, want);
    if (l3_type.size != 24)
        return FAILF("struct size computed as %zu, want 24", l3_type.size);
    return NULL;
}

/* --- struct {long a, b, c} f(long, long): returned via hidden pointer ----- */

typedef struct bench_l3 (*ret24_fn)(long, long);
static struct closure_state cs_ret24;
static volatile ret24_fn clp_ret24;
static volatile ret24_fn cdp_ret24 = callee_ret24;
static long ret24_x = 3000000000L, ret24_y = -77;
static volatile struct bench_l3 sink_l3;

static void handler_ret24(ffi_cif *cif, void *ret, void **args, void *ud)
{
    (void)cif;
    (void)ud;
    long x = *(long *)args[0], y = *(long *)args[1];
    struct bench_l3 *r = ret;                        /* = callee_ret24 */
    r->a = x + y;
    r->b = x - 2 * y;
    r->c = x * y;
}

NOINLINE static void bench_loop_closure_ret24(volatile ret24_fn *fp, long n)
{
    for (long i = 0; i < n; i++) {
        struct bench_l3 r = (*fp)(ret24_x, ret24_y);
        sink_l3.a = r.a;
        sink_l3.b = r.b;
        sink_l3.c = r.c;
    }
}

static const char *setup_cl_ret24(void *p)
{
    (void)p;
    cs_ret24.atypes[0] = &ffi_type_slong;
    cs_ret24.atypes[1] = &ffi_type_slong;
    const char *err = make_closure(&cs_ret24, 2, &l3_type, handler_ret24);
    clp_ret24 = (ret24_fn)cs_ret24.code;
    return err;
}

static void lib_cl_ret24(void *p, long n) { (void)p; bench_loop_closure_ret24(&clp_ret24, n); }
static void direct_cl_ret24(void *p, long n) { (void)p; bench_loop_closure_ret24(&cdp_ret24, n); }

static const char *check_cl_ret24(void *p)
{
    struct closure_state *s = p;
    struct bench_l3 want = cdp_ret24(ret24_x, ret24_y), got;
    const char *err = trace_begin(s);
    if (err)
        return err;
    got = clp_ret24(ret24_x, ret24_y);
    if ((err = trace_end(s)))
        return err;
    if (got.a != want.a || got.b != want.b || got.c != want.c)
        return FAILF("got {%ld, %ld, %ld}, direct call gives {%ld, %ld, %ld}",
                     got.a, got.b, got.c, want.a, want.b, want.c);
    got = clp_ret24(ret24_x, ret24_y);  /* as measured */
    if (got.a != want.a || got.b != want.b || got.c != want.c)
        return FAILF("got {%ld, %ld, %ld}, direct call gives {%ld, %ld, %ld}",
                     got.a, got.b, got.c, want.a, want.b, want.c);
    if (l3_type.size != 24)
        return FAILF("struct size computed as %zu, want 24", l3_type.size);
    return NULL;
}

/* --- ffi_closure_alloc + ffi_prep_closure_loc + ffi_closure_free ---------- */
/* (no direct equivalent; uses the int f(int) cif and handler)              */

static struct closure_state cs_cycle;

static const char *setup_cl_cycle(void *p)
{
    (void)p;
    cs_cycle.atypes[0] = &ffi_type_sint;
    if (ffi_prep_cif(&cs_cycle.cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint,
                     cs_cycle.atypes) != FFI_OK)
        return "ffi_prep_cif failed";
    return NULL;
}

NOINLINE static void bench_loop_closure_cycle(void *p, long n)
{
    struct closure_state *s = p;
    for (long i = 0; i < n; i++) {
        void *code;
        ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &code);
        if (!cl || ffi_prep_closure_loc(cl, &s->cif, handler_int, s, code) != FFI_OK)
            abort();
        ffi_closure_free(cl);
    }
}

static const char *check_cl_cycle(void *p)
{
    struct closure_state *s = p;
    int want = cdp_int(arg_int);
    /* A few cycles, calling each closure once (the first ones through
     * handler_trace): freed closures get reused. */
    s->fun = handler_int;
    for (int k = 0; k < 4; k++) {
        ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &s->code);
        if (!cl)
            return "ffi_closure_alloc failed";
        s->cl = cl;
        seen_cif = NULL;
        seen_ud = NULL;
        const char *err = prep_closure(s, k < 2 ? handler_trace : handler_int);
        if (err) {
            ffi_closure_free(cl);
            s->cl = NULL;
            return err;
        }
        int got = ((int (*)(int))s->code)(arg_int);
        ffi_closure_free(cl);
        s->cl = NULL;
        if (got != want)
            return FAILF("cycle %d: got %d, direct call gives %d", k, got, want);
        if (k < 2 && (seen_cif != &s->cif || seen_ud != s))
            return "the handler did not get the closure's cif and user_data";
    }
    return NULL;
}

/* Microsoft x64 (FFI_GNUW64 on Linux; libffi supports it there too).     */

#ifdef X86_64  /* FFI_GNUW64 exists on x86-64 Linux */
static struct call_state st_w64_int, st_w64_mixed;
static int (__attribute__((ms_abi)) *volatile dp_w64_int)(int) = callee_w64_int;
static double (__attribute__((ms_abi)) *volatile dp_w64_mixed)(int, double, struct bench_l3, float,
                                                                long, double) = callee_w64_mixed;
static double w64_b = 0.5, w64_e = -1.25;
static float w64_c = 3.5f;
static long w64_d = 77;

static const char *prep_w64(struct call_state *s, void *fn, unsigned nargs, ffi_type *rtype)
{
    s->fn = (void (*)(void))fn;
    if (ffi_prep_cif(&s->cif, FFI_GNUW64, nargs, rtype, s->atypes) != FFI_OK)
        return "ffi_prep_cif(FFI_GNUW64) failed";
    return NULL;
}

static const char *setup_w64_int(void *p)
{
    (void)p;
    st_w64_int.atypes[0] = &ffi_type_sint;
    st_w64_int.avalue[0] = &arg_int;
    return prep_w64(&st_w64_int, callee_w64_int, 1, &ffi_type_sint);
}

NOINLINE static void bench_loop_direct_w64_int(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_int = dp_w64_int(arg_int);
}

static const char *check_w64_int(void *p)
{
    (void)p;
    int want = dp_w64_int(arg_int);
    call_once(&st_w64_int);
    if ((int)st_w64_int.rv.a != want)
        return FAILF("got %d, direct call gives %d", (int)st_w64_int.rv.a, want);
    return NULL;
}

static const char *setup_w64_mixed(void *p)
{
    (void)p;
    ffi_type *t[] = {&ffi_type_sint, &ffi_type_double, &l3_type, &ffi_type_float, &ffi_type_slong,
                     &ffi_type_double};
    void *v[] = {&arg_int, &w64_b, &arg_l3, &w64_c, &w64_d, &w64_e};
    memcpy(st_w64_mixed.atypes, t, sizeof t);
    memcpy(st_w64_mixed.avalue, v, sizeof v);
    return prep_w64(&st_w64_mixed, callee_w64_mixed, 6, &ffi_type_double);
}

NOINLINE static void bench_loop_direct_w64_mixed(void *p, long n)
{
    (void)p;
    for (long i = 0; i < n; i++)
        sink_d = dp_w64_mixed(arg_int, w64_b, arg_l3, w64_c, w64_d, w64_e);
}

static const char *check_w64_mixed(void *p)
{
    (void)p;
    double want = dp_w64_mixed(arg_int, w64_b, arg_l3, w64_c, w64_d, w64_e);
    call_once(&st_w64_mixed);
    if (st_w64_mixed.rv.d != want)
        return FAILF("got %g, direct call gives %g", st_w64_mixed.rv.d, want);
    return NULL;
}

/* closure int f(int), called as an ms_abi function */
static struct closure_state cs_w64_int;
static int (__attribute__((ms_abi)) *volatile clp_w64_int)(int);

NOINLINE static void bench_loop_closure_w64_int(int (__attribute__((ms_abi)) *volatile *fp)(int), long n)
{
    for (long i = 0; i < n; i++)
        sink_int = (*fp)(arg_int);
}

static const char *setup_cl_w64_int(void *p)
{
    (void)p;
    struct closure_state *s = &cs_w64_int;
    s->atypes[0] = &ffi_type_sint;
    s->fun = handler_int;
    if (ffi_prep_cif(&s->cif, FFI_GNUW64, 1, &ffi_type_sint, s->atypes) != FFI_OK)
        return "ffi_prep_cif(FFI_GNUW64) failed";
    if (!s->cl && !(s->cl = ffi_closure_alloc(sizeof(ffi_closure), &s->code)))
        return "ffi_closure_alloc failed";
    const char *err = prep_closure(s, handler_int);
    clp_w64_int = (int (__attribute__((ms_abi)) *)(int))s->code;
    return err;
}

static void lib_cl_w64_int(void *p, long n) { (void)p; bench_loop_closure_w64_int(&clp_w64_int, n); }
static void direct_cl_w64_int(void *p, long n) { (void)p; bench_loop_closure_w64_int(&dp_w64_int, n); }

static const char *check_cl_w64_int(void *p)
{
    struct closure_state *s = p;
    int want = dp_w64_int(arg_int), got;
    const char *err = trace_begin(s);
    if (err)
        return err;
    got = clp_w64_int(arg_int);
    if ((err = trace_end(s)))
        return err;
    if (got != want)
        return FAILF("got %d, direct call gives %d", got, want);
    return NULL;
}
#endif

/* ------------------------------------------------------------------------ */
/* ------------------------------------------------------------------------ */
/* The table of cases.                                                      */

/* Where the convention puts the arguments decides the "regs" flag and the
 * wording: under AAPCS64 (x0-x7, v0-v7) mixed12's eight integer-class
 * arguments all fit in x0-x7, and long double travels in q registers. */
#if defined(__aarch64__)
#define M12_FLAGS "regs"
#define M12_DESC "struct{double,double} f(12 mixed: int/long/ptr/double/float, all in x0-x7/v0-v3)"
#define LD_FLAGS "regs"
#define LD_DESC "long double f(long double, long double) (binary128, in q0/q1)"
#else
#define M12_FLAGS "-"
#define M12_DESC "struct{double,double} f(12 mixed: int/long/ptr/double/float, 2 on stack)"
#define LD_FLAGS "-"
#define LD_DESC "long double f(long double, long double) (in memory)"
#endif

struct bench_case {
    const char *name;
    const char *kind;        /* "call", "prep", "closure", "closure-alloc";
                                a "call" case's state is a struct call_state
                                and it gets a plan loop (HAVE_CALL_PLAN) */
    const char *flags;       /* "regs": every argument travels in a
                                register (System V, or AAPCS64 on
                                aarch64); "ms": the Microsoft
                                x64 convention on Linux (reported apart
                                from the native cases); "-": neither */
    const char *desc;
    void *state;
    const char *(*setup)(void *state);
    const char *(*check)(void *state);
    void (*run_lib)(void *state, long n);
    void (*run_direct)(void *state, long n);   /* NULL: no direct call */
};

static const struct bench_case cases[] = {
    { "void", "call", "regs", "void f(void)", &st_void,
      setup_void, check_void, lib_call, bench_loop_direct_void },
    { "int", "call", "regs", "int f(int)", &st_int,
      setup_int, check_int, lib_call, bench_loop_direct_int },
    { "i64x6", "call", "regs", "int64 f(int64 x6)", &st_i64x6,
      setup_i64x6, check_i64x6, lib_call, bench_loop_direct_i64x6 },
    { "dd", "call", "regs", "double f(double, double)", &st_dd,
      setup_dd, check_dd, lib_call, bench_loop_direct_dd },
    { "ff", "call", "regs", "float f(float, float)", &st_ff,
      setup_ff, check_ff, lib_call, bench_loop_direct_ff },
    { "small", "call", "regs",
      "int f(signed char, unsigned short, short, unsigned char)", &st_small,
      setup_small, check_small, lib_call, bench_loop_direct_small },
    { "mixed12", "call", M12_FLAGS, M12_DESC,
      &st_mixed12, setup_mixed12, check_mixed12, lib_call,
      bench_loop_direct_mixed12 },
    { "struct24", "call", "-",
      "long f(struct{long a,b,c}) (24-byte struct by value)",
      &st_struct24, setup_struct24, check_struct24, lib_call,
      bench_loop_direct_struct24 },
    { "ld", "call", LD_FLAGS, LD_DESC,
      &st_ld, setup_ld, check_ld, lib_call, bench_loop_direct_ld },
    { "varargs", "call", "regs",
      "int f(const char*, ...) with (int, double, long)",
      &st_varargs, setup_varargs, check_varargs, lib_call,
      bench_loop_direct_varargs },
    { "vad", "call", "regs", "double f(int n, ...) with (4, double x4)",
      &st_vad, setup_vad, check_vad, lib_call, bench_loop_direct_vad },
    { "prep_cif6", "prep", "-", "ffi_prep_cif, 6 x int64 -> int64", NULL,
      setup_prep6, check_prep6, bench_loop_prep_cif, NULL },
    { "cl_int", "closure", "-", "closure int f(int)", &cs_int,
      setup_cl_int, check_cl_int, lib_cl_int, direct_cl_int },
    { "cl_d8", "closure", "-", "closure double f(double x8)", &cs_d8,
      setup_cl_d8, check_cl_d8, lib_cl_d8, direct_cl_d8 },
    { "cl_s24", "closure", "-",
      "closure long f(struct{long a,b,c}) (24 bytes by value)",
      &cs_s24, setup_cl_s24, check_cl_s24, lib_cl_s24, direct_cl_s24 },
    { "cl_ret24", "closure", "-",
      "closure struct{long a,b,c} f(long, long) (returned via hidden pointer)",
      &cs_ret24, setup_cl_ret24, check_cl_ret24, lib_cl_ret24, direct_cl_ret24 },
#ifdef X86_64  /* FFI_GNUW64 exists on x86-64 Linux */
    { "w64_int", "call", "ms", "ms_abi int f(int) (FFI_GNUW64)", &st_w64_int,
      setup_w64_int, check_w64_int, lib_call, bench_loop_direct_w64_int },
    { "w64_mixed", "call", "ms",
      "ms_abi double f(int, double, struct{long a,b,c}, float, long, double) (FFI_GNUW64)",
      &st_w64_mixed, setup_w64_mixed, check_w64_mixed, lib_call, bench_loop_direct_w64_mixed },
    { "cl_w64_int", "closure", "ms", "closure ms_abi int f(int) (FFI_GNUW64)", &cs_w64_int,
      setup_cl_w64_int, check_cl_w64_int, lib_cl_w64_int, direct_cl_w64_int },
#endif
    { "cl_cycle", "closure-alloc", "-",
      "ffi_closure_alloc + ffi_prep_closure_loc + ffi_closure_free of int f(int)",
      &cs_cycle, setup_cl_cycle, check_cl_cycle, bench_loop_closure_cycle, NULL },
};

#define NCASES (sizeof cases / sizeof cases[0])

__attribute__((unused)) static int is_call(const struct bench_case *c)
{
    return strcmp(c->kind, "call") == 0;
}

/* The plan loop of a case, or NULL (not a "call" case, or no plan API). */
typedef void (*loop_fn)(void *, long);

static loop_fn plan_loop(const struct bench_case *c)
{
#if HAVE_CALL_PLAN
    if (is_call(c))
        return lib_plan;
#else
    (void)c;
#endif
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Driver.                                                                  */

static const struct bench_case *find_case(const char *name)
{
    for (size_t i = 0; i < NCASES; i++)
        if (strcmp(cases[i].name, name) == 0)
            return &cases[i];
    fprintf(stderr, "ffibench: unknown case '%s' (see 'ffibench list')\n", name);
    exit(2);
}

/* Selected cases: the names given, or all of them. */
static const struct bench_case *sel[64];
static size_t nsel;

static void select_cases(int argc, char **argv)
{
    nsel = 0;
    if (argc == 0) {
        for (size_t i = 0; i < NCASES; i++)
            sel[nsel++] = &cases[i];
        return;
    }
    for (int i = 0; i < argc && nsel < 64; i++)
        sel[nsel++] = find_case(argv[i]);
}

/* Set up and check every selected case; exit 1 on any failure. */
static void setup_and_check(void)
{
    int bad = 0;
    for (size_t i = 0; i < nsel; i++) {
        const struct bench_case *c = sel[i];
        const char *err = c->setup(c->state);
        if (!err)
            err = c->check(c->state);
        if (err) {
            fprintf(stderr, "ffibench: case %s (%s): FAILED: %s\n",
                    c->name, c->desc, err);
            bad = 1;
            continue;
        }
#if HAVE_CALL_PLAN
        if (is_call(c)) {
            struct call_state *s = c->state;
            if (!s->plan)
                s->plan = ffi_call_plan_alloc(&s->cif);
            if (!s->plan) {
                err = "ffi_call_plan_alloc failed";
            } else {
                check_with_plan = 1;
                err = c->check(c->state);
                check_with_plan = 0;
            }
            if (err) {
                fprintf(stderr, "ffibench: case %s (%s), through "
                        "ffi_call_plan_invoke: FAILED: %s\n",
                        c->name, c->desc, err);
                bad = 1;
            }
        }
#endif
    }
    if (bad) {
        fprintf(stderr, "ffibench: refusing to measure a library that gives "
                        "wrong results\n");
        exit(1);
    }
}

static long parse_long(const char *s, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v <= 0) {
        fprintf(stderr, "ffibench: bad %s '%s'\n", what, s);
        exit(2);
    }
    return v;
}

static double cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double time_loop(loop_fn f, void *st, long n)
{
    double t0 = cpu_ns();
    f(st, n);
    return cpu_ns() - t0;
}

/* Find n such that one batch takes about target_ns of CPU time. */
static long calibrate(loop_fn f, void *st, double target_ns)
{
    long n = 64;
    for (;;) {
        double t = time_loop(f, st, n);
        if (t >= target_ns / 4 || n > (1L << 40)) {
            double k = target_ns / (t > 1 ? t : 1);
            long m = (long)(n * k);
            return m > 0 ? m : 1;
        }
        n *= (t < target_ns / 64) ? 16 : 2;
    }
}

static int cmd_time(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ffibench time <ms> <batches> [case...]\n");
        return 2;
    }
    double target_ns = parse_long(argv[0], "ms") * 1e6;
    long batches = parse_long(argv[1], "batches");
    select_cases(argc - 2, argv + 2);
    setup_and_check();
    for (size_t i = 0; i < nsel; i++) {
        const struct bench_case *c = sel[i];
        loop_fn pl = plan_loop(c);
        long nl = calibrate(c->run_lib, c->state, target_ns);
        long np = pl ? calibrate(pl, c->state, target_ns) : 0;
        long nd = c->run_direct ? calibrate(c->run_direct, c->state, target_ns) : 0;
        for (long b = 0; b < batches; b++) {
            double t = time_loop(c->run_lib, c->state, nl);
            printf("time\t%s\tlib\t%.4f\n", c->name, t / nl);
            if (pl) {
                t = time_loop(pl, c->state, np);
                printf("time\t%s\tplan\t%.4f\n", c->name, t / np);
            }
            if (c->run_direct) {
                t = time_loop(c->run_direct, c->state, nd);
                printf("time\t%s\tdirect\t%.4f\n", c->name, t / nd);
            }
        }
        fflush(stdout);
    }
    return 0;
}

static int cmd_instr(int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: ffibench instr <n> [case...]\n");
        return 2;
    }
    if (!RUNNING_ON_VALGRIND) {
        fprintf(stderr, "ffibench instr: run me under "
                        "valgrind --tool=callgrind\n");
        return 2;
    }
    long n = parse_long(argv[0], "iterations");
    select_cases(argc - 1, argv + 1);
    setup_and_check();
    char name[128];
    for (size_t i = 0; i < nsel; i++) {
        const struct bench_case *c = sel[i];
        /* Warm up (lazy binding, first-touch) outside the measured region. */
        c->run_lib(c->state, 2);
        CALLGRIND_ZERO_STATS;
        c->run_lib(c->state, n);
        snprintf(name, sizeof name, "lib:%s:%ld", c->name, n);
        CALLGRIND_DUMP_STATS_AT(name);
        loop_fn pl = plan_loop(c);
        if (pl) {
            pl(c->state, 2);
            CALLGRIND_ZERO_STATS;
            pl(c->state, n);
            snprintf(name, sizeof name, "plan:%s:%ld", c->name, n);
            CALLGRIND_DUMP_STATS_AT(name);
        }
        if (c->run_direct) {
            c->run_direct(c->state, 2);
            CALLGRIND_ZERO_STATS;
            c->run_direct(c->state, n);
            snprintf(name, sizeof name, "direct:%s:%ld", c->name, n);
            CALLGRIND_DUMP_STATS_AT(name);
        }
    }
    return 0;
}

/* The marks that delimit a measured run in qemu's instruction log (`trace`):
 * the counter sees their names (qemu knows the program's symbols) and
 * counts the Trace lines between the two.  Empty and not inlined, so each
 * is one call of the same few instructions, which cancel in the
 * difference of the n and 2n runs. */
NOINLINE void bench_mark_begin(void);
NOINLINE void bench_mark_end(void);
NOINLINE void bench_mark_begin(void) { __asm__ volatile("" ::: "memory"); }
NOINLINE void bench_mark_end(void) { __asm__ volatile("" ::: "memory"); }

/* One measured run; not inlined, so the n and 2n runs execute the very same
 * instructions around the loop and only the iterations differ. */
NOINLINE static void trace_one(loop_fn f, void *state, long n)
{
    bench_mark_begin();
    f(state, n);
    bench_mark_end();
}

static void trace_runs(const char *mode, const struct bench_case *c, loop_fn f,
                       long n)
{
    f(c->state, 2);          /* warm up: lazy binding, first touch */
    for (long k = 1; k <= 2; k++) {
        trace_one(f, c->state, k * n);
        printf("loop\t%s\t%s\t%ld\n", mode, c->name, k * n);
    }
}

static int cmd_trace(int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: ffibench trace <n> [case...]\n");
        return 2;
    }
    long n = parse_long(argv[0], "iterations");
    select_cases(argc - 1, argv + 1);
    setup_and_check();
    for (size_t i = 0; i < nsel; i++) {
        const struct bench_case *c = sel[i];
        trace_runs("lib", c, c->run_lib, n);
        loop_fn pl = plan_loop(c);
        if (pl)
            trace_runs("plan", c, pl, n);
        if (c->run_direct)
            trace_runs("direct", c, c->run_direct, n);
    }
    fflush(stdout);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ffibench run <case> <n> [lib|plan|direct]\n");
        return 2;
    }
    select_cases(1, argv);
    long n = parse_long(argv[1], "iterations");
    const char *mode = argc > 2 ? argv[2] : "lib";
    const struct bench_case *c = sel[0];
    loop_fn f;
    if (strcmp(mode, "lib") == 0)
        f = c->run_lib;
    else if (strcmp(mode, "plan") == 0)
        f = plan_loop(c);
    else if (strcmp(mode, "direct") == 0)
        f = c->run_direct;
    else {
        fprintf(stderr, "ffibench run: want 'lib', 'plan' or 'direct'\n");
        return 2;
    }
    if (!f) {
        fprintf(stderr, "ffibench run: case %s has no %s loop%s\n", c->name,
                mode, HAVE_CALL_PLAN ? "" : " (built without the call-plan API)");
        return 2;
    }
    setup_and_check();
    f(c->state, n);
    return 0;
}

static int cmd_info(void)
{
    Dl_info di;
    void *sym = (void *)ffi_call;
    if (dladdr(sym, &di) && di.dli_fname)
        printf("lib\t%s\n", di.dli_fname);
    else
        printf("lib\t?\n");
    printf("plan\t%d\n", HAVE_CALL_PLAN);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ffibench list|info|check|run|instr|trace|time ...\n"
                        "(see the comment at the top of ffibench.c)\n");
        return 2;
    }
    const char *cmd = argv[1];
    argc -= 2;
    argv += 2;
    if (strcmp(cmd, "list") == 0) {
        for (size_t i = 0; i < NCASES; i++)
            printf("%s\t%s\t%d\t%s\t%s\n", cases[i].name, cases[i].kind,
                   cases[i].run_direct != NULL, cases[i].flags, cases[i].desc);
        return 0;
    }
    if (strcmp(cmd, "info") == 0)
        return cmd_info();
    if (strcmp(cmd, "check") == 0) {
        select_cases(argc, argv);
        setup_and_check();
        printf("ok: %zu cases\n", nsel);
        return 0;
    }
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc, argv);
    if (strcmp(cmd, "instr") == 0)
        return cmd_instr(argc, argv);
    if (strcmp(cmd, "time") == 0)
        return cmd_time(argc, argv);
    if (strcmp(cmd, "trace") == 0)
        return cmd_trace(argc, argv);
    fprintf(stderr, "ffibench: unknown command '%s'\n", cmd);
    return 2;
}
