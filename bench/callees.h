/* Callees for the ffix benchmark.
 *
 * They live in callees.c, a separate translation unit compiled with -O2, so
 * that neither the direct-call loops nor the ffi_call loops in ffibench.c can
 * inline them.  Every callee uses all of its arguments, so an argument passed
 * wrongly changes the result (ffibench checks each case once before timing).
 */
#ifndef FFIX_BENCH_CALLEES_H
#define FFIX_BENCH_CALLEES_H

#include <stdint.h>

struct bench_dd { double x, y; };        /* returned in xmm0:xmm1 */
struct bench_l3 { long a, b, c; };       /* 24 bytes: passed in memory */

void callee_void(void);
extern volatile long callee_void_count;  /* bumped by callee_void */

int callee_int(int a);

int64_t callee_i64x6(int64_t a, int64_t b, int64_t c,
                     int64_t d, int64_t e, int64_t f);

double callee_dd(double a, double b);

/* 12 arguments: 8 of INTEGER class (a, p, d, f, q, h, i, j -> i and j go on
 * the stack), 4 of SSE class (b, c, e, g). */
struct bench_dd callee_mixed12(int a, double b, float c, const long *p,
                               long d, double e, int f, float g,
                               const double *q, long h, int i, long j);

long callee_struct24(struct bench_l3 s);

/* fmt lists the variadic arguments: 'i' int, 'd' double, 'l' long. */
int callee_varargs(const char *fmt, ...);

float callee_ff(float a, float b);

/* Small integer types: the caller widens them (sign / zero extension). */
int callee_small(signed char a, unsigned short b, short c, unsigned char d);

long double callee_ld(long double a, long double b);   /* x87, in memory */

/* n, then n doubles (all in xmm registers for n <= 8; %al = n). */
double callee_vad(int n, ...);

/* The C equivalents of the closure cases' handlers (callee_int and
 * callee_struct24 serve too). */
double callee_d8(double a, double b, double c, double d,
                 double e, double f, double g, double h);

/* 24-byte struct returned through the hidden pointer (rdi). */
struct bench_l3 callee_ret24(long x, long y);

/* Microsoft x64 callees (FFI_GNUW64 on Linux): int f(int), and six mixed
 * arguments, two of them on the stack and the struct by reference.  Only
 * x86-64 has ms_abi. */
#if defined(__x86_64__)
__attribute__((ms_abi)) int callee_w64_int(int a);
__attribute__((ms_abi)) double callee_w64_mixed(int a, double b, struct bench_l3 s,
                                                float c, long d, double e);
#endif

#endif
