/* criterion.c -- the runner of the Criterion stand-in (criterion/criterion.h):
   runs each registered test in a forked child and prints TAP, one line a
   test, then a summary.  Exit status 0 when every test passed, 1 when one
   failed, 99 when the runner itself could not work (automake's hard
   error).

   A child reports a failed assertion through a pipe (the text the parent
   prints as TAP diagnostics) and exits with FAILED_ASSERTION; the parent
   judges the child's end against the test's parameters: a normal exit 0
   passes unless a signal was expected, death by the expected signal
   passes, anything else fails.  A test with a .timeout is killed with
   SIGKILL when it runs longer.

   Options, as Criterion's: --list prints the tests; --filter=PATTERN
   runs those whose "suite/name" matches the shell pattern.  */
#define _GNU_SOURCE
#include "criterion/criterion.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { FAILED_ASSERTION = 86, HARD_ERROR = 99, REPORT_MAX = 4096 };

static struct cr_shim_test *tests;
/* In a child: where a failed assertion writes its report.  */
static int report_fd = -1;

void cr_shim_register(struct cr_shim_test *test)
{
  /* Sorted by file, then line: the order the tests are written in,
     whatever order the constructors run in.  */
  struct cr_shim_test **at = &tests;
  while (*at && (strcmp((*at)->file, test->file) < 0 ||
                 (strcmp((*at)->file, test->file) == 0 && (*at)->line < test->line)))
    at = &(*at)->next;
  test->next = *at;
  *at = test;
}

/* ---- the child's side: a failed assertion */
static size_t append(char *out, size_t used, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t append(char *out, size_t used, const char *fmt, ...)
{
  if (used >= REPORT_MAX) return used;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + used, REPORT_MAX - used, fmt, ap);
  va_end(ap);
  return n < 0 ? used : used + (size_t)n < REPORT_MAX ? used + (size_t)n : REPORT_MAX - 1;
}

/* FMT is the caller's format behind a leading "-" (see criterion.h). */
static size_t append_message(char *out, size_t used, const char *fmt, va_list ap)
{
  if (fmt[1] == '\0' || used >= REPORT_MAX - 1) return used;
  used = append(out, used, "\n  ");
  int n = vsnprintf(out + used, REPORT_MAX - used, fmt + 1, ap);
  return n < 0 ? used : used + (size_t)n < REPORT_MAX ? used + (size_t)n : REPORT_MAX - 1;
}

static __attribute__((noreturn)) void fail(const char *report, size_t len)
{
  if (report_fd >= 0) {
    /* Under PIPE_BUF (REPORT_MAX): one write, whole. */
    ssize_t r = write(report_fd, report, len);
    (void)r;
  } else {
    fprintf(stderr, "%.*s\n", (int)len, report);
  }
  fflush(NULL);
  _exit(FAILED_ASSERTION);
}

void cr_shim_fail(const char *file, int line, const char *expr, const char *values, const char *fmt, ...)
{
  char report[REPORT_MAX];
  size_t used = append(report, 0, "%s:%d: assertion failed: %s", file, line, expr);
  if (values) used = append(report, used, "\n  %s", values);
  va_list ap;
  va_start(ap, fmt);
  used = append_message(report, used, fmt, ap);
  va_end(ap);
  fail(report, used);
}

void cr_shim_fail_compare(const char *file, int line, const char *expr, const char *actual, const char *expected,
                          const char *fmt, ...)
{
  char report[REPORT_MAX];
  size_t used = append(report, 0, "%s:%d: assertion failed: %s\n  left:  %s\n  right: %s", file, line, expr, actual,
                       expected);
  va_list ap;
  va_start(ap, fmt);
  used = append_message(report, used, fmt, ap);
  va_end(ap);
  fail(report, used);
}

void cr_shim_str_eq(const char *file, int line, const char *expr, const char *a, const char *b, const char *fmt, ...)
{
  if (a && b && strcmp(a, b) == 0) return;
  char report[REPORT_MAX];
  size_t used = append(report, 0, "%s:%d: assertion failed: %s", file, line, expr);
  used = append(report, used, a ? "\n  left:  \"%s\"" : "\n  left:  %s", a ? a : "NULL");
  used = append(report, used, b ? "\n  right: \"%s\"" : "\n  right: %s", b ? b : "NULL");
  va_list ap;
  va_start(ap, fmt);
  used = append_message(report, used, fmt, ap);
  va_end(ap);
  fail(report, used);
}

void cr_shim_put_signed(char *out, size_t size, long long v)
{
  snprintf(out, size, "%lld (%#llx)", v, (unsigned long long)v);
}

void cr_shim_put_unsigned(char *out, size_t size, unsigned long long v) { snprintf(out, size, "%llu (%#llx)", v, v); }

void cr_shim_put_floating(char *out, size_t size, long double v) { snprintf(out, size, "%.21Lg (%La)", v, v); }

void cr_shim_put_pointer(char *out, size_t size, const volatile void *v)
{
  snprintf(out, size, "%p", (const void *)v);
}

#ifdef __SIZEOF_INT128__
void cr_shim_put_uint128(char *out, size_t size, unsigned __int128 v)
{
  snprintf(out, size, "%#" PRIx64 "%016" PRIx64, (uint64_t)(v >> 64), (uint64_t)v);
}

void cr_shim_put_int128(char *out, size_t size, __int128 v)
{
  cr_shim_put_uint128(out, size, (unsigned __int128)v);
}
#endif

/* ---- the parent's side */
static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Prints TEXT as TAP diagnostics: "# " before each line. */
static void diagnose(const char *text)
{
  while (*text) {
    const char *end = strchr(text, '\n');
    int len = end ? (int)(end - text) : (int)strlen(text);
    printf("# %.*s\n", len, text);
    text += len + (end != NULL);
  }
}

/* Waits for PID; with a TIMEOUT (seconds, > 0) kills it when that has
   passed.  SIGCHLD is blocked (in main), so sigtimedwait wakes when a
   child ends.  Returns the wait status; *TIMED_OUT tells a kill.  */
static int wait_for(pid_t pid, double timeout, int *timed_out)
{
  int status;
  *timed_out = 0;
  if (timeout <= 0) {
    while (waitpid(pid, &status, 0) < 0)
      if (errno != EINTR) return -1;
    return status;
  }
  double deadline = now() + timeout;
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno != EINTR) return -1;
    double left = deadline - now();
    if (left <= 0) {
      kill(pid, SIGKILL);
      *timed_out = 1;
      while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
      return status;
    }
    struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
    sigtimedwait(&chld, NULL, &ts);
  }
}

/* Runs TEST in a child; returns 1 if it passed, prints its TAP line. */
static int run(struct cr_shim_test *test, int number, const sigset_t *child_mask)
{
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    printf("Bail out! pipe: %s\n", strerror(errno));
    exit(HARD_ERROR);
  }
  fflush(NULL);
  double start = now();
  pid_t pid = fork();
  if (pid < 0) {
    printf("Bail out! fork: %s\n", strerror(errno));
    exit(HARD_ERROR);
  }
  if (pid == 0) {
    close(fds[0]);
    report_fd = fds[1];
    sigprocmask(SIG_SETMASK, child_mask, NULL);
    if (test->params.signal) {
      /* Dying is the point: no core file (qemu-user writes one too). */
      struct rlimit none = {0, 0};
      setrlimit(RLIMIT_CORE, &none);
    }
    test->body();
    fflush(NULL);
    _exit(0);
  }
  close(fds[1]);
  int timed_out;
  int status = wait_for(pid, test->params.timeout, &timed_out);
  double seconds = now() - start;
  char report[REPORT_MAX + 1];
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  /* Not read to the end: a grandchild the test forked may hold the pipe. */
  ssize_t len = read(fds[0], report, REPORT_MAX);
  close(fds[0]);
  report[len > 0 ? len : 0] = '\0';

  char why[256] = "";
  int expected = test->params.signal;
  if (status < 0)
    snprintf(why, sizeof why, "waitpid: %s", strerror(errno));
  else if (timed_out)
    snprintf(why, sizeof why, "timed out after %g s", test->params.timeout);
  else if (WIFEXITED(status) && WEXITSTATUS(status) == FAILED_ASSERTION && report[0])
    ; /* the report says why */
  else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
    snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(status));
  else if (WIFEXITED(status) && expected)
    snprintf(why, sizeof why, "returned normally; it should have died of signal %d (%s)", expected,
             strsignal(expected));
  else if (WIFSIGNALED(status) && WTERMSIG(status) != expected) {
    int n = snprintf(why, sizeof why, "killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    if (expected)
      snprintf(why + n, sizeof why - (size_t)n, "; it should have died of signal %d (%s)", expected,
               strsignal(expected));
  }
  int passed = !why[0] && !report[0];
  printf("%s %d - %s::%s (%.2f s)\n", passed ? "ok" : "not ok", number, test->suite, test->name, seconds);
  if (report[0]) diagnose(report);
  if (why[0]) diagnose(why);
  return passed;
}

static int selected(const struct cr_shim_test *test, const char *filter)
{
  if (!filter) return 1;
  char full[512];
  snprintf(full, sizeof full, "%s/%s", test->suite, test->name);
  return fnmatch(filter, full, 0) == 0;
}

int main(int argc, char **argv)
{
  const char *filter = NULL;
  int list = 0;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--filter=", 9) == 0)
      filter = argv[i] + 9;
    else if (strcmp(argv[i], "--list") == 0 || strcmp(argv[i], "-l") == 0)
      list = 1;
    else {
      fprintf(stderr, "usage: %s [--list] [--filter=SUITE/NAME-PATTERN]\n", argv[0]);
      return HARD_ERROR;
    }
  }
  int count = 0;
  for (struct cr_shim_test *t = tests; t; t = t->next) count += selected(t, filter);
  if (list) {
    for (struct cr_shim_test *t = tests; t; t = t->next)
      if (selected(t, filter)) printf("%s::%s\n", t->suite, t->name);
    return 0;
  }
  /* Tests may leave stdout buffered when they die; TAP lines must not
     wait behind them.  */
  setvbuf(stdout, NULL, _IOLBF, 0);
  sigset_t chld, child_mask;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &child_mask);
  printf("1..%d\n", count);
  int number = 0, passed = 0;
  for (struct cr_shim_test *t = tests; t; t = t->next)
    if (selected(t, filter)) passed += run(t, ++number, &child_mask);
  printf("# %d tests: %d passed, %d failed\n", count, passed, count - passed);
  return passed == count ? 0 : 1;
}
