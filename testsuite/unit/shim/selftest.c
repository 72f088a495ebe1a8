/* selftest.c -- tests of the Criterion stand-in itself, run by
   check-shim.sh: those named fails_* must be reported "not ok" (a failed
   assertion of each kind, with and without a message; a wrong or missing
   signal; death by a signal; an exit; a timeout), those named passes_* "ok".  A
   stand-in that passed everything would pass every unit test too.  */
#include <criterion/criterion.h>
#include <signal.h>
#include <unistd.h>

Test(shim, fails_eq)
{
  int x = 3;
  cr_assert_eq(x + 1, 5);
}
Test(shim, fails_eq_with_message)
{
  unsigned n = 2;
  cr_assert_eq(n, 1, "n is %u", n);
}
Test(shim, fails_assert) { cr_assert(getpid() == 0); }
Test(shim, fails_assert_with_message) { cr_assert(getpid() == 0, "a message of %d words", 4); }
Test(shim, fails_neq)
{
  long v = 7;
  cr_assert_neq(v, 7L);
}
Test(shim, fails_geq)
{
  long d = -1;
  cr_assert_geq(d, 0L, "d = %ld", d);
}
Test(shim, fails_null)
{
  static int x;
  cr_assert_null(&x);
}
Test(shim, fails_not_null) { cr_assert_not_null(NULL, "a NULL"); }
Test(shim, fails_str_eq) { cr_assert_str_eq("3.8.0", "3.7.1"); }
Test(shim, fails_double) { cr_assert_eq(1.0 / 3, 0.3333); }
Test(shim, fails_on_another_signal, .signal = SIGABRT) { raise(SIGTERM); }
Test(shim, fails_without_its_signal, .signal = SIGABRT) {}
Test(shim, fails_assertion_before_its_signal, .signal = SIGABRT)
{
  cr_assert_eq(getpid(), 0);
  abort();
}
Test(shim, fails_by_crashing) { raise(SIGUSR1); }
Test(shim, fails_by_exiting) { _exit(3); }
Test(shim, fails_by_running_too_long, .timeout = 0.5)
{
  for (;;) pause();
}
Test(shim, passes_by_its_signal, .signal = SIGABRT) { abort(); }
Test(shim, passes_within_its_timeout, .timeout = 30) { usleep(1000); }
Test(shim, passes_every_assertion)
{
  int a[2] = {1, 2};
  int *p = a;
  unsigned u = 1;
  cr_assert_eq(p, a);
  cr_assert_eq(u, 1);
  cr_assert_neq(a[0], a[1], "with a message %d", 1);
  cr_assert_geq(u, 0);
  cr_assert(u);
  for (int i = 0; i < 2; i++) cr_assert_not_null(p, "p %d", i);
  if (u) cr_assert_null(NULL); else cr_assert(0);
  cr_assert_str_eq("a", "a", "msg");
  cr_assert_eq(1.0 / 4, 0.25);
}
