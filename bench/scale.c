/* scale.c -- what a library costs as it sees more: N distinct signatures,
   N live closures.  Built against one libffi's ffi.h and run with it
   (run-bench-scale.py builds it twice: ffix and the system libffi).

     scale sigs N       prepare N distinct signatures of eight scalar
                        arguments, then the same N again (found, for ffix)
     scale closures N   grow to N live closures of int f(int), cycle
                        alloc + prep + free at N live, free them all

   Prints "key value" lines: nanoseconds of CPU time per operation, bytes
   of resident memory per item, and the resident memory left after
   freeing.  The program's own buffers are allocated and touched before
   the first reading, so the growth is the library's.  */
#include <ffi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double cpu_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static long rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2) {
        fprintf(stderr, "scale: cannot read /proc/self/statm\n");
        exit(2);
    }
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

static ffi_type *const scalars[] = {
    &ffi_type_sint8, &ffi_type_uint8, &ffi_type_sint16, &ffi_type_uint16,
    &ffi_type_sint32, &ffi_type_uint32, &ffi_type_sint64, &ffi_type_uint64,
    &ffi_type_float, &ffi_type_double, &ffi_type_pointer,
};
#define NSCALARS (sizeof scalars / sizeof scalars[0])

/* Signature I: its eight argument types are I's digits in base 11, so
   every I below 11^8 is a distinct signature.  */
static void signature(unsigned long i, ffi_type **args)
{
    for (int k = 0; k < 8; k++) {
        args[k] = scalars[i % NSCALARS];
        i /= NSCALARS;
    }
}

static double prepare_all(unsigned long n)
{
    ffi_cif cif;
    ffi_type *args[8];
    double t0 = cpu_ns();
    for (unsigned long i = 0; i < n; i++) {
        signature(i, args);
        if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 8, &ffi_type_sint32, args) != FFI_OK) {
            fprintf(stderr, "scale: ffi_prep_cif failed at signature %lu\n", i);
            exit(1);
        }
    }
    return (cpu_ns() - t0) / (double)n;
}

static int sigs(unsigned long n)
{
    long rss0 = rss_bytes();
    double first = prepare_all(n);
    long rss1 = rss_bytes();
    double again = prepare_all(n);
    printf("prep_new_ns %.1f\n", first);
    printf("prep_new_rss_per_item %.1f\n", (double)(rss1 - rss0) / (double)n);
    printf("prep_seen_ns %.1f\n", again);
    return 0;
}

static void add_one(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    (void)data;
    *(ffi_arg *)ret = (ffi_arg)(*(int *)args[0] + 1);
}

static int closures(unsigned long n)
{
    ffi_cif cif;
    ffi_type *arg = &ffi_type_sint32;
    if (ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint32, &arg) != FFI_OK)
        return 1;
    ffi_closure **live = malloc(n * sizeof *live);
    void **code = malloc(n * sizeof *code);
    if (!live || !code)
        return 1;
    /* Touch both arrays now, so that their pages are not counted as the
       closures' (a memset to zero would become calloc, touching nothing).  */
    memset(live, 0xff, n * sizeof *live);
    memset(code, 0xff, n * sizeof *code);
    __asm__ volatile("" : : "r"(live), "r"(code) : "memory");

    long rss0 = rss_bytes();
    double t0 = cpu_ns();
    for (unsigned long i = 0; i < n; i++) {
        live[i] = ffi_closure_alloc(sizeof(ffi_closure), &code[i]);
        if (!live[i] || ffi_prep_closure_loc(live[i], &cif, add_one, NULL, code[i]) != FFI_OK) {
            fprintf(stderr, "scale: closure %lu failed\n", i);
            return 1;
        }
    }
    double grow = (cpu_ns() - t0) / (double)n;
    long rss1 = rss_bytes();
    /* Every thousandth closure, and the last, must answer.  */
    for (unsigned long i = 0; i < n; i += (i + 1000 < n ? 1000 : 1)) {
        int r = ((int (*)(int))code[i])((int)i);
        if (r != (int)i + 1) {
            fprintf(stderr, "scale: closure %lu returned %d\n", i, r);
            return 1;
        }
        if (i + 1000 >= n)
            break;
    }

    unsigned long cycles = 200000;
    t0 = cpu_ns();
    for (unsigned long i = 0; i < cycles; i++) {
        void *c;
        ffi_closure *cl = ffi_closure_alloc(sizeof(ffi_closure), &c);
        if (!cl || ffi_prep_closure_loc(cl, &cif, add_one, NULL, c) != FFI_OK)
            return 1;
        ffi_closure_free(cl);
    }
    double cycle = (cpu_ns() - t0) / (double)cycles;

    for (unsigned long i = 0; i < n; i++)
        ffi_closure_free(live[i]);
    long rss2 = rss_bytes();
    printf("closure_grow_ns %.1f\n", grow);
    printf("closure_rss_per_live %.1f\n", (double)(rss1 - rss0) / (double)n);
    printf("closure_cycle_ns %.1f\n", cycle);
    printf("closure_rss_after_free %ld\n", rss2 - rss0);
    free(live);
    free(code);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: scale sigs|closures N\n");
        return 2;
    }
    unsigned long n = strtoul(argv[2], NULL, 10);
    if (n == 0)
        return 2;
    if (strcmp(argv[1], "sigs") == 0)
        return sigs(n);
    if (strcmp(argv[1], "closures") == 0)
        return closures(n);
    return 2;
}
