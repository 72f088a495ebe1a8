/* wx.c -- closures need no memory that is writable and executable at
   once.  After 10,000 closures (and a closure in memory of the program's
   own, made executable only after it was written), the whole address
   space is walked -- VirtualQuery on Windows, /proc/self/maps on Linux --
   for committed memory that is both.  None may belong to ffix (its
   trampoline pages, its data pages, the library's own image); any other
   is listed (on Windows as a TODO point: wine 8 makes none, but a DLL
   injected into the process might).  The trampoline code pages must be read-only and executable
   and their data pages read-write and not executable.  */
#include "tap.h"

enum { MANY = 10000 };

static void handler(ffi_cif *cif, void *ret, void **args, void *user)
{
  (void)cif;
  *(ffi_arg *)ret = (ffi_arg)(*(int *)args[0] + (int)(intptr_t)user);
}

static ffi_closure *closures[MANY];
static void *codes[MANY];

static int make_closures(void)
{
  /* Static: closures live in ffix's mapped memory, which a leak checker
     does not scan, so a heap cif only they point to would be reported.  */
  static ffi_cif cif_storage;
  ffi_cif *cif = &cif_storage;
  static ffi_type *t[1];
  t[0] = &ffi_type_sint;
  prep(cif, 1, &ffi_type_sint, t);
  int right = 0;
  for (int i = 0; i < MANY; i++) {
    closures[i] = ffi_closure_alloc(sizeof(ffi_closure), &codes[i]);
    if (!closures[i] || ffi_prep_closure_loc(closures[i], cif, handler, (void *)(intptr_t)i, codes[i]) != FFI_OK)
      bail("closure %d", i);
    right += ((int (*)(int))codes[i])(3) == 3 + i;
  }
  return right;
}

#ifdef _WIN32

/* The allocations ffix made for its closures: the allocation bases of
   their code pages (each holds code and data pages).  */
static void *bases[MANY];
static int nbases;

static int is_ffix_base(void *base)
{
  for (int i = 0; i < nbases; i++)
    if (bases[i] == base) return 1;
  return 0;
}

static const char *protect_name(DWORD p)
{
  switch (p & 0xff) {
  case PAGE_EXECUTE_READWRITE: return "PAGE_EXECUTE_READWRITE";
  case PAGE_EXECUTE_WRITECOPY: return "PAGE_EXECUTE_WRITECOPY";
  case PAGE_EXECUTE_READ: return "PAGE_EXECUTE_READ";
  case PAGE_READWRITE: return "PAGE_READWRITE";
  default: return "other";
  }
}

static int writable_and_executable(DWORD p)
{
  p &= 0xff;
  return p == PAGE_EXECUTE_READWRITE || p == PAGE_EXECUTE_WRITECOPY;
}

static void check_memory(void)
{
  MEMORY_BASIC_INFORMATION mbi;
  int code_rx = 1, data_rw = 1;
  for (int i = 0; i < MANY; i++) {
    if (!VirtualQuery(codes[i], &mbi, sizeof mbi)) bail("VirtualQuery");
    code_rx &= mbi.State == MEM_COMMIT && (mbi.Protect & 0xff) == PAGE_EXECUTE_READ;
    if (!is_ffix_base(mbi.AllocationBase)) bases[nbases++] = mbi.AllocationBase;
    /* The data page is the next committed region after the code page
       (src/tramp.h: where the page is smaller than the target's largest
       page size, reserved address space lies between them).  */
    char *next = (char *)mbi.BaseAddress + mbi.RegionSize;
    if (!VirtualQuery(next, &mbi, sizeof mbi)) bail("VirtualQuery");
    if (mbi.State == MEM_RESERVE && !VirtualQuery((char *)mbi.BaseAddress + mbi.RegionSize, &mbi, sizeof mbi))
      bail("VirtualQuery");
    data_rw &= mbi.State == MEM_COMMIT && (mbi.Protect & 0xff) == PAGE_READWRITE;
  }
  ok(code_rx, "every closure's code page is PAGE_EXECUTE_READ");
  ok(data_rw, "every closure's data page is PAGE_READWRITE");
  diag("%d closures in %d allocations of ffix's (%d per 64 KiB reservation)", MANY, nbases,
       (MANY + nbases - 1) / nbases);

  HMODULE dll = GetModuleHandleA("libffi-8.dll");
  char *image = (char *)dll;
  size_t image_size = 0;
  if (dll) {
    IMAGE_DOS_HEADER *dos = (IMAGE_DOS_HEADER *)image;
    IMAGE_NT_HEADERS *nt = (IMAGE_NT_HEADERS *)(image + dos->e_lfanew);
    image_size = nt->OptionalHeader.SizeOfImage;
  }
  ok(dll != NULL, "libffi-8.dll is loaded at %p (%llu bytes)", (void *)image, (unsigned long long)image_size);

  SYSTEM_INFO si;
  GetSystemInfo(&si);
  char *p = si.lpMinimumApplicationAddress, *end = si.lpMaximumApplicationAddress;
  int regions = 0, ffix_wx = 0, other_wx = 0;
  while (p < end && VirtualQuery(p, &mbi, sizeof mbi)) {
    regions++;
    if (mbi.State == MEM_COMMIT && writable_and_executable(mbi.Protect)) {
      char *b = mbi.BaseAddress;
      int ffix = is_ffix_base(mbi.AllocationBase) || (dll && b >= image && b < image + image_size);
      char owner[MAX_PATH] = "";
      if (mbi.Type == MEM_IMAGE) GetModuleFileNameA((HMODULE)mbi.AllocationBase, owner, sizeof owner);
      diag("%s %p + %#llx %s %s %s", ffix ? "FFIX" : "other", mbi.BaseAddress, (unsigned long long)mbi.RegionSize,
           protect_name(mbi.Protect),
           mbi.Type == MEM_IMAGE ? "image" : mbi.Type == MEM_MAPPED ? "mapped" : "private", owner);
      if (ffix)
        ffix_wx++;
      else
        other_wx++;
    }
    p = (char *)mbi.BaseAddress + mbi.RegionSize;
  }
  ok(regions > 10 && p >= end, "walked the address space: %d regions", regions);
  ok(ffix_wx == 0, "no writable and executable region of ffix's (%d found)", ffix_wx);
  /* Others' regions are not ffix's to answer for: listed above, and a
     TODO point (tap-driver counts it as an expected failure).  */
  printf("%sok %d - no writable and executable region in the whole process (%d found)%s\n", other_wx ? "not " : "",
         ++tap_count, other_wx, other_wx ? " # TODO not ffix's: the system's or the runtime's" : "");
}

#else

static void check_memory(void)
{
  FILE *maps = fopen("/proc/self/maps", "r");
  if (!maps) {
    diag("no /proc/self/maps here");
    return;
  }
  char line[512];
  int wx = 0, lines = 0, code_rx = 0, data_rw = 0;
  /* The code page and its data page (src/tramp.h): the mapping that holds
     the first closure's code, and the next accessible one after it --
     found by address, whatever the page size (4 KiB on x86-64; 4, 16 or
     64 KiB on AArch64 Linux, where a page smaller than 64 KiB leaves an
     inaccessible reservation between the two).  */
  uintptr_t c0 = (uintptr_t)codes[0], code_end = 0;
  while (fgets(line, sizeof line, maps)) {
    uintptr_t lo, hi;
    char perms[8];
    lines++;
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3) continue;
    if (perms[0] == 'r' && perms[1] == 'w' && perms[2] == 'x') {
      wx++;
      diag("writable and executable: %s", line);
    }
    if (code_end && lo == code_end) {
      if (strncmp(perms, "---", 3) == 0) code_end = hi;  /* the reservation between them */
      else data_rw = strncmp(perms, "rw-", 3) == 0;
    }
    if (c0 >= lo && c0 < hi) {
      code_rx = strncmp(perms, "r-x", 3) == 0;
      code_end = hi;
    }
  }
  fclose(maps);
  ok(code_rx, "a closure's code page is r-x");
  ok(data_rw, "the data page after it is rw-");
  ok(lines > 10 && wx == 0, "no writable and executable mapping in the process (%d mappings)", lines);
}

#endif

int main(void)
{
  tap_start();
  ok(make_closures() == MANY, "%d closures made and called", MANY);

  /* A closure in memory of the program's own, the deprecated way.  */
  ffi_cif cif;
  ffi_type *t[] = {&ffi_type_sint};
  prep(&cif, 1, &ffi_type_sint, t);
  ffi_closure *own = alloc_pages(65536);
  if (!own) bail("allocating pages");
  if (ffi_prep_closure_loc(own, &cif, handler, (void *)(intptr_t)5, own) != FFI_OK || !make_executable(own, 65536))
    bail("a closure of the program's own");
  ok(((int (*)(int))(void *)own)(10) == 15, "a closure in memory of the program's own, made executable after");

  check_memory();
  for (int i = 0; i < MANY; i++) ffi_closure_free(closures[i]);
  free_pages(own, 65536);
  return tap_finish();
}
