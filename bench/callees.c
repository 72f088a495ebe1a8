/* Callees for the ffix benchmark; see callees.h.  Compile with -O2. */
#include <stdarg.h>
#include "callees.h"

volatile long callee_void_count;

void callee_void(void)
{
    /* Deliberately (almost) empty: measures pure call overhead.  The counter
     * lets the correctness check see that the call really happened. */
    callee_void_count++;
}

int callee_int(int a)
{
    return a * 3 + 1;
}

int64_t callee_i64x6(int64_t a, int64_t b, int64_t c,
                     int64_t d, int64_t e, int64_t f)
{
    return a + 2 * b + 3 * c + 5 * d + 7 * e + 11 * f;
}

double callee_dd(double a, double b)
{
    return a * b + a;
}

struct bench_dd callee_mixed12(int a, double b, float c, const long *p,
                               long d, double e, int f, float g,
                               const double *q, long h, int i, long j)
{
    struct bench_dd r;
    r.x = a + b * 2 + c * 3 + (double)*p + d;
    r.y = e + f * 2 + g * 3 + *q + h + i * 5 + j * 7;
    return r;
}

long callee_struct24(struct bench_l3 s)
{
    return s.a + 2 * s.b + 3 * s.c;
}

int callee_varargs(const char *fmt, ...)
{
    va_list ap;
    double acc = 0;
    int k = 1;
    va_start(ap, fmt);
    for (; *fmt; fmt++, k++) {
        switch (*fmt) {
        case 'i': acc += k * va_arg(ap, int); break;
        case 'd': acc += k * va_arg(ap, double); break;
        case 'l': acc += k * (double)va_arg(ap, long); break;
        }
    }
    va_end(ap);
    return (int)acc;
}

float callee_ff(float a, float b)
{
    return a * b - a;
}

int callee_small(signed char a, unsigned short b, short c, unsigned char d)
{
    return a + 3 * b + 5 * c + 7 * d;
}

long double callee_ld(long double a, long double b)
{
    return a * b + a;
}

double callee_vad(int n, ...)
{
    va_list ap;
    double acc = n;
    va_start(ap, n);
    for (int k = 1; k <= n; k++)
        acc += k * va_arg(ap, double);
    va_end(ap);
    return acc;
}

double callee_d8(double a, double b, double c, double d,
                 double e, double f, double g, double h)
{
    /* The closure handler in ffibench.c (handler_d8) evaluates the same
     * expression in the same order: the results must agree bit for bit. */
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}

struct bench_l3 callee_ret24(long x, long y)
{
    struct bench_l3 r;
    r.a = x + y;
    r.b = x - 2 * y;
    r.c = x * y;
    return r;
}

#if defined(__x86_64__)
__attribute__((ms_abi)) int callee_w64_int(int a)
{
    return a * 3 + 1;
}

__attribute__((ms_abi)) double callee_w64_mixed(int a, double b, struct bench_l3 s,
                                                float c, long d, double e)
{
    return a + 2 * b + 3 * (double)(s.a - s.b + s.c) + 4 * c + 5 * (double)d + 6 * e;
}
#endif
