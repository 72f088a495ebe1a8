/* replay.c -- run fuzz_prep.c's entry point over saved inputs, without
   libFuzzer (for `make check`, and for trying inputs against another
   libffi).

   usage: replay [-f] [-q] PATH...
   Each PATH is an input file or a directory of them (not recursive;
   hidden files and *.md notes are skipped).
   -f  run each input in a child process and report how it ended, instead
       of stopping at the first crash; exit status 1 if any did not
       exit cleanly.  A child still running 120 s after it started is
       killed and the run stops there with exit status 3: a hang, which
       an emulator's flake can cause too (run-replay.sh says which).
   -q  print only failures and the summary.  */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fork_each, quiet;
static unsigned ran, failed;
static volatile sig_atomic_t overdue;
#ifndef HANG_SECONDS
#define HANG_SECONDS 120
#endif

static void on_alarm(int sig) {
  (void)sig;
  overdue = 1;
}

static unsigned char *slurp(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    unsigned char *bigger = realloc(buf, cap *= 2);
    if (!bigger) free(buf);
    buf = bigger;
  }
  fclose(f);
  *size = n;
  return buf;
}

static void run_one(const char *path) {
  size_t size;
  unsigned char *data = slurp(path, &size);
  if (!data) {
    fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
    failed++;
    return;
  }
  ran++;
  if (!fork_each) {
    if (!quiet) printf("replay: %s (%zu bytes)\n", path, size);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    return;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    exit(2);
  }
  if (pid == 0) {
    alarm(60);
    LLVMFuzzerTestOneInput(data, size);
    _exit(0);
  }
  free(data);
  /* The child's own alarm stops a hang in ffix; this one, a child that
     cannot take its signal (seen under qemu-user).  No SA_RESTART: the
     alarm interrupts waitpid.  */
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  overdue = 0;
  alarm(HANG_SECONDS);
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    if (overdue) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      printf("TIMEOUT %s: still running after %d s, killed\n", path, HANG_SECONDS);
      printf("replay: %u inputs, %u failed, stopped at a hang\n", ran, failed + 1);
      fflush(stdout);
      exit(3);
    }
  }
  alarm(0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    if (!quiet) printf("ok      %s\n", path);
  } else {
    failed++;
    if (WIFSIGNALED(status))
      printf("SIGNAL  %s: %s\n", path, strsignal(WTERMSIG(status)));
    else
      printf("EXIT    %s: status %d\n", path, WEXITSTATUS(status));
  }
  fflush(stdout);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void run_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    failed++;
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    run_one(path);
    return;
  }
  DIR *d = opendir(path);
  if (!d) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    failed++;
    return;
  }
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (e->d_name[0] == '.' || (len > 3 && !strcmp(e->d_name + len - 3, ".md"))) continue;  /* notes */
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **bigger = realloc(names, cap * sizeof *names);
      if (!bigger) abort();
      names = bigger;
    }
    if (asprintf(&names[n], "%s/%s", path, e->d_name) < 0) abort();
    n++;
  }
  closedir(d);
  qsort(names, n, sizeof *names, by_name);
  for (size_t i = 0; i < n; i++) {
    struct stat fst;
    if (stat(names[i], &fst) == 0 && S_ISREG(fst.st_mode)) run_one(names[i]);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-f")) fork_each = 1;
    else if (!strcmp(argv[i], "-q")) quiet = 1;
    else {
      fprintf(stderr, "usage: %s [-f] [-q] PATH...\n", argv[0]);
      return 2;
    }
  }
  if (i == argc) {
    fprintf(stderr, "usage: %s [-f] [-q] PATH...\n", argv[0]);
    return 2;
  }
  for (; i < argc; i++) run_path(argv[i]);
  printf("replay: %u inputs, %u failed\n", ran, failed);
  return failed ? 1 : 0;
}
