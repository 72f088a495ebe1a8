/* variadic.c -- ffi_prep_cif_var and ffi_call with FFI_DEFAULT_ABI,
   against the same variadic callees called directly: a printf-like
   callee that reads its arguments with va_arg as its format says
   (integers, doubles, pointers and long doubles, more of them than there
   are argument registers), a callee summing doubles, and the C library's
   snprintf.  On Win64 a variadic double travels in the integer register
   of its slot as well, which is where va_arg finds it; on System V %al
   must count the vector registers used.  */
#include "tap.h"

/* The ffi_type of size_t (64-bit on every target ffix has today).  */
#define SIZE_T_FFI_TYPE (sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32)

/* The format: i int, l long long, d double, p pointer, L long double. */
static NOINLINE int vformat(char *out, size_t size, const char *fmt, ...)
{
  va_list ap;
  size_t used = 0;
  scramble();
  va_start(ap, fmt);
  for (const char *f = fmt; *f && used < size; f++) {
    int n = 0;
    switch (*f) {
    case 'i': n = snprintf(out + used, size - used, "i%d,", va_arg(ap, int)); break;
    case 'l': n = snprintf(out + used, size - used, "l%lld,", va_arg(ap, long long)); break;
    case 'd': n = snprintf(out + used, size - used, "d%.17g,", va_arg(ap, double)); break;
    case 'p': n = snprintf(out + used, size - used, "p%p,", va_arg(ap, void *)); break;
    case 'L': {
      long double x = va_arg(ap, long double);
      /* msvcrt's printf knows no long double: print it as two doubles. */
      double hi = (double)x, lo = (double)(x - hi);
      n = snprintf(out + used, size - used, "L%.17g%+.17g,", hi, lo);
      break;
    }
    }
    if (n < 0) break;
    used += (size_t)n;
  }
  va_end(ap);
  return (int)used;
}

static NOINLINE double vsum(int n, ...)
{
  va_list ap;
  double s = 0;
  scramble();
  va_start(ap, n);
  for (int i = 0; i < n; i++) s = s * 3 + va_arg(ap, double);
  va_end(ap);
  return s;
}

/* One variadic call of vformat through libffi: the format picks the
   types, values come from a small table.  */
static void check_format(const char *fmt)
{
  int ints[16];
  long long longs[16];
  double doubles[16];
  void *ptrs[16];
  long double ldoubles[16];
  ffi_type *types[3 + 16];
  void *values[3 + 16];
  char out_ffi[512], out_direct[512];
  char *out = out_ffi;
  size_t size = sizeof out_ffi;
  unsigned n = 0;

  types[0] = &ffi_type_pointer;
  types[1] = SIZE_T_FFI_TYPE;
  types[2] = &ffi_type_pointer;
  values[0] = &out;
  values[1] = &size;
  values[2] = &fmt;
  for (const char *f = fmt; *f; f++, n++) {
    switch (*f) {
    case 'i': ints[n] = -1000 * (int)n - 7; types[3 + n] = &ffi_type_sint; values[3 + n] = &ints[n]; break;
    case 'l': longs[n] = -(1ll << 40) * (long long)n - 3; types[3 + n] = &ffi_type_sint64; values[3 + n] = &longs[n]; break;
    case 'd': doubles[n] = n + 0.1 * n - 1e10; types[3 + n] = &ffi_type_double; values[3 + n] = &doubles[n]; break;
    case 'p': ptrs[n] = (char *)&ints[0] + n; types[3 + n] = &ffi_type_pointer; values[3 + n] = &ptrs[n]; break;
    case 'L': ldoubles[n] = (long double)n / 3 + 1e15L; types[3 + n] = &ffi_type_longdouble; values[3 + n] = &ldoubles[n]; break;
    }
  }
  ffi_cif cif;
  ffi_status st = ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 3 + n, &ffi_type_sint, types);
  if (st != FFI_OK) {
    ok(0, "vformat \"%s\": ffi_prep_cif_var returned %d", fmt, (int)st);
    return;
  }
  memset(out_ffi, 0, sizeof out_ffi);
  ffi_arg r = 0;
  ffi_call(&cif, FFI_FN(vformat), &r, values);

  /* The same call written out: the format decides the C types.  */
  int direct = -1;
  memset(out_direct, 0, sizeof out_direct);
  if (!strcmp(fmt, "idid"))
    direct = vformat(out_direct, sizeof out_direct, fmt, ints[0], doubles[1], ints[2], doubles[3]);
  else if (!strcmp(fmt, "dddddddddd"))
    direct = vformat(out_direct, sizeof out_direct, fmt, doubles[0], doubles[1], doubles[2], doubles[3],
                     doubles[4], doubles[5], doubles[6], doubles[7], doubles[8], doubles[9]);
  else if (!strcmp(fmt, "dlpdildpi"))
    direct = vformat(out_direct, sizeof out_direct, fmt, doubles[0], longs[1], ptrs[2], doubles[3], ints[4],
                     longs[5], doubles[6], ptrs[7], ints[8]);
  else if (!strcmp(fmt, "LdLi"))
    direct = vformat(out_direct, sizeof out_direct, fmt, ldoubles[0], doubles[1], ldoubles[2], ints[3]);
  else if (!strcmp(fmt, "d"))
    direct = vformat(out_direct, sizeof out_direct, fmt, doubles[0]);
  else if (!strcmp(fmt, ""))
    direct = vformat(out_direct, sizeof out_direct, fmt);
  else
    bail("no direct call written for \"%s\"", fmt);
  if (!ok((int)r == direct && strcmp(out_ffi, out_direct) == 0, "vformat(out, size, \"%s\", ...)", fmt)) {
    diag("ffi:    %d %s", (int)r, out_ffi);
    diag("direct: %d %s", direct, out_direct);
  }
}

static void check_sum(void)
{
  double d[9];
  ffi_type *types[10];
  void *values[10];
  int n = 9;
  types[0] = &ffi_type_sint;
  values[0] = &n;
  for (int i = 0; i < 9; i++) {
    d[i] = (i % 2 ? -1.0 : 1.0) * (i + 0.5) * 1e5;
    types[i + 1] = &ffi_type_double;
    values[i + 1] = &d[i];
  }
  ffi_cif cif;
  if (ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 10, &ffi_type_double, types) != FFI_OK)
    bail("ffi_prep_cif_var for vsum");
  double got = 0;
  ffi_call(&cif, FFI_FN(vsum), &got, values);
  ok(got == vsum(9, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8]), "double vsum(int, double x 9)");
}

/* The C library's own variadic function.  */
static void check_snprintf(void)
{
  int (*fn)(char *, size_t, const char *, ...) = snprintf;
  char a[128], b[128];
  char *buf = a;
  size_t size = sizeof a;
  const char *fmt = "%d|%.3f|%s|%x|%.2f|%c|%.1f";
  int i = -42, x = 0xbeef, c = 'Q';
  double d1 = 3.25, d2 = -1.5, d3 = 1e6;
  const char *s = "text";
  ffi_type *types[] = {&ffi_type_pointer, SIZE_T_FFI_TYPE, &ffi_type_pointer, &ffi_type_sint, &ffi_type_double,
                       &ffi_type_pointer, &ffi_type_sint, &ffi_type_double, &ffi_type_sint, &ffi_type_double};
  void *values[] = {&buf, &size, &fmt, &i, &d1, &s, &x, &d2, &c, &d3};
  ffi_cif cif;
  if (ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 10, &ffi_type_sint, types) != FFI_OK) bail("ffi_prep_cif_var for snprintf");
  ffi_arg r = 0;
  ffi_call(&cif, FFI_FN(fn), &r, values);
  int direct = fn(b, sizeof b, fmt, i, d1, s, x, d2, c, d3);
  if (!ok((int)r == direct && strcmp(a, b) == 0, "snprintf(buf, size, \"%s\", ...)", fmt)) diag("ffi: %s; direct: %s", a, b);
}

int main(void)
{
  tap_start();
  check_format("");
  check_format("d");
  check_format("idid");
  check_format("dddddddddd");
  check_format("dlpdildpi");
  check_format("LdLi");
  check_sum();
  check_snprintf();
  return tap_finish();
}
