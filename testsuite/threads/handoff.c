/* handoff.c -- closures allocated and prepared on one thread, called and
   freed on another: PAIRS producer threads each hand bursts of closures
   to their consumer through a queue, many rounds; the bursts span several
   chunks, so chunks fill, empty and go back to the system while the other
   pairs allocate.  Every call is checked against the compiled function.
   Exits 0 when every result is right.  Built plain and with
   ThreadSanitizer (make check-tsan).  */
#include <ffi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { PAIRS = 3, ROUNDS = 200, BURST = 700 };

static __attribute__((noinline)) long expected(long x, long user) { return 5 * x - user; }

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)expected(*(long *)args[0], (long)(intptr_t)user);
}

static ffi_cif cif;

/* One burst in flight: the producer fills it, the consumer empties it.  */
struct pair {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int full;  /* a burst is waiting for the consumer */
  void *closure[BURST], *code[BURST];
  long user[BURST];
  long failures;
};

static void *producer(void *arg)
{
  struct pair *p = arg;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&p->mu);
    while (p->full) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < BURST; i++) {
      /* Every tenth one larger than an ffi_closure: another class.  */
      size_t size = i % 10 ? sizeof(ffi_closure) : 100;
      p->user[i] = r * BURST + i;
      p->closure[i] = ffi_closure_alloc(size, &p->code[i]);
      if (!p->closure[i] ||
          ffi_prep_closure_loc(p->closure[i], &cif, handler, (void *)(intptr_t)p->user[i], p->code[i]) != FFI_OK) {
        p->failures++;
        p->closure[i] = NULL;
      }
    }
    pthread_mutex_lock(&p->mu);
    p->full = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

static void *consumer(void *arg)
{
  struct pair *p = arg;
  for (int r = 0; r < ROUNDS; r++) {
    pthread_mutex_lock(&p->mu);
    while (!p->full) pthread_cond_wait(&p->cv, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < BURST; i++) {
      if (!p->closure[i]) continue;
      long x = i - 300;
      if (((long (*)(long))p->code[i])(x) != expected(x, p->user[i])) p->failures++;
      ffi_closure_free(p->closure[i]);
    }
    pthread_mutex_lock(&p->mu);
    p->full = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
  }
  return NULL;
}

int main(void)
{
  ffi_type *arg = &ffi_type_slong;
  if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_slong, &arg) != FFI_OK) return 1;
  static struct pair pairs[PAIRS];
  pthread_t threads[2 * PAIRS];
  for (int k = 0; k < PAIRS; k++) {
    pthread_mutex_init(&pairs[k].mu, NULL);
    pthread_cond_init(&pairs[k].cv, NULL);
    if (pthread_create(&threads[2 * k], NULL, producer, &pairs[k]) ||
        pthread_create(&threads[2 * k + 1], NULL, consumer, &pairs[k]))
      return 1;
  }
  long failures = 0;
  for (int k = 0; k < 2 * PAIRS; k++) pthread_join(threads[k], NULL);
  for (int k = 0; k < PAIRS; k++) failures += pairs[k].failures;
  printf("%d closures handed from %d threads to %d others: %ld failures\n", PAIRS * ROUNDS * BURST, PAIRS, PAIRS,
         failures);
  return failures != 0;
}
