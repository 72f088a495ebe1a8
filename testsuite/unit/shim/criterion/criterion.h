/* criterion/criterion.h -- a stand-in for Criterion where it does not
   exist (Debian has no libcriterion for arm64), enough for the unit tests
   of testsuite/unit to build and run under qemu.  It offers exactly what
   those tests use: Test(suite, name, .signal = N, .timeout = SECONDS) and
   the fatal assertions cr_assert, cr_assert_eq, cr_assert_neq,
   cr_assert_geq, cr_assert_null, cr_assert_not_null and cr_assert_str_eq,
   each with an optional printf-style message.  A test that needs more
   fails to compile here rather than meaning something else.

   It behaves as Criterion documents: every test runs in a child process
   of its own, so a crash, or the signal a test is meant to die of, ends
   that test only; a failed assertion reports where, what and why, and
   ends its test as failed; a test that outlives its .timeout is killed.
   The runner (criterion.c, which has main) prints TAP.  Unlike
   Criterion's cr_assert_eq, the comparisons also print both values.  */
#ifndef CR_SHIM_CRITERION_H
#define CR_SHIM_CRITERION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* What may follow the name in Test(suite, name, ...).  The first member
   takes the leading 0 of the initializer, so that Test(suite, name) with
   no parameters expands to a valid one.  */
struct cr_shim_params {
  int unused;
  int signal;     /* the test passes only if it dies of this signal */
  double timeout; /* seconds; 0: no limit */
};

struct cr_shim_test {
  const char *suite, *name, *file;
  int line;
  void (*body)(void);
  struct cr_shim_params params;
  struct cr_shim_test *next;
};

void cr_shim_register(struct cr_shim_test *test);

/* Criterion registers tests by itself; here a constructor does, and the
   runner orders them by their place in the file.  */
#define Test(suite, name, ...)                                                                     \
  static void cr_shim_body_##suite##_##name(void);                                                 \
  static struct cr_shim_test cr_shim_test_##suite##_##name = {                                     \
      #suite, #name, __FILE__, __LINE__, cr_shim_body_##suite##_##name, {0, __VA_ARGS__}, NULL};   \
  __attribute__((constructor)) static void cr_shim_register_##suite##_##name(void)                 \
  {                                                                                                \
    cr_shim_register(&cr_shim_test_##suite##_##name);                                              \
  }                                                                                                \
  static void cr_shim_body_##suite##_##name(void)

/* ---- failing a test.  The message's format is glued to a leading "-"
   ("-" "fmt" is one literal, "-" alone is no message), so an assertion
   without one still passes a format to check and no empty format.  */
__attribute__((noreturn, format(printf, 5, 6))) void cr_shim_fail(const char *file, int line, const char *expr,
                                                                  const char *values, const char *fmt, ...);

#define cr_assert(cond, ...)                                                                       \
  do {                                                                                             \
    if (!(cond)) cr_shim_fail(__FILE__, __LINE__, #cond, NULL, "-" __VA_ARGS__);                   \
  } while (0)

/* ---- the values of a failed comparison, for the report.  Each operand
   is evaluated once, into a variable of the type it has in the
   comparison (arrays decay, small integers promote); the comparison is
   then the one the test wrote.  */
void cr_shim_put_signed(char *out, size_t size, long long v);
void cr_shim_put_unsigned(char *out, size_t size, unsigned long long v);
void cr_shim_put_floating(char *out, size_t size, long double v);
void cr_shim_put_pointer(char *out, size_t size, const volatile void *v);
#ifdef __SIZEOF_INT128__
void cr_shim_put_int128(char *out, size_t size, __int128 v);
void cr_shim_put_uint128(char *out, size_t size, unsigned __int128 v);
#define CR_SHIM_PUT_INT128 __int128 : cr_shim_put_int128, unsigned __int128 : cr_shim_put_uint128,
#else
#define CR_SHIM_PUT_INT128
#endif
#define CR_SHIM_PUT(out, size, v)                                                                  \
  _Generic((v),                                                                                    \
      _Bool: cr_shim_put_signed, char: cr_shim_put_signed, signed char: cr_shim_put_signed,        \
      short: cr_shim_put_signed, int: cr_shim_put_signed, long: cr_shim_put_signed,                \
      long long: cr_shim_put_signed, unsigned char: cr_shim_put_unsigned,                          \
      unsigned short: cr_shim_put_unsigned, unsigned: cr_shim_put_unsigned,                        \
      unsigned long: cr_shim_put_unsigned, unsigned long long: cr_shim_put_unsigned,               \
      CR_SHIM_PUT_INT128 float: cr_shim_put_floating, double: cr_shim_put_floating,                \
      long double: cr_shim_put_floating, default: cr_shim_put_pointer)(out, size, v)

void cr_shim_fail_compare(const char *file, int line, const char *expr, const char *actual, const char *expected,
                          const char *fmt, ...) __attribute__((noreturn, format(printf, 6, 7)));

/* The comparison is the test's own; -Wsign-compare is quiet for it as it
   is when Criterion writes (a) == (b) with a constant operand.  */
#define CR_SHIM_COMPARE(a, op, b, ...)                                                             \
  do {                                                                                             \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wsign-compare\"")            \
    __typeof__(1 ? (a) : (a)) cr_shim_a_ = (a);                                                    \
    __typeof__(1 ? (b) : (b)) cr_shim_b_ = (b);                                                    \
    if (!(cr_shim_a_ op cr_shim_b_)) {                                                             \
      char cr_shim_sa_[96], cr_shim_sb_[96];                                                       \
      CR_SHIM_PUT(cr_shim_sa_, sizeof cr_shim_sa_, cr_shim_a_);                                    \
      CR_SHIM_PUT(cr_shim_sb_, sizeof cr_shim_sb_, cr_shim_b_);                                    \
      cr_shim_fail_compare(__FILE__, __LINE__, "(" #a ") " #op " (" #b ")", cr_shim_sa_, cr_shim_sb_, \
                           "-" __VA_ARGS__);                                                       \
    }                                                                                              \
    _Pragma("GCC diagnostic pop")                                                                  \
  } while (0)

#define cr_assert_eq(a, b, ...) CR_SHIM_COMPARE(a, ==, b, __VA_ARGS__)
#define cr_assert_neq(a, b, ...) CR_SHIM_COMPARE(a, !=, b, __VA_ARGS__)
#define cr_assert_geq(a, b, ...) CR_SHIM_COMPARE(a, >=, b, __VA_ARGS__)
#define cr_assert_null(p, ...) CR_SHIM_COMPARE(p, ==, NULL, __VA_ARGS__)
#define cr_assert_not_null(p, ...) CR_SHIM_COMPARE(p, !=, NULL, __VA_ARGS__)

void cr_shim_str_eq(const char *file, int line, const char *expr, const char *a, const char *b, const char *fmt,
                    ...) __attribute__((format(printf, 6, 7)));
#define cr_assert_str_eq(a, b, ...)                                                                \
  cr_shim_str_eq(__FILE__, __LINE__, "(" #a ") == (" #b ")", (a), (b), "-" __VA_ARGS__)

#endif
