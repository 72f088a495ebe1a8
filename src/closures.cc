// closures.cc -- ffi_closure_alloc/free, ffi_prep_closure(_loc) and Go
// closures (ABI-neutral; each backend supplies its entries).
//
// Closures from ffi_closure_alloc live in chunks.  A chunk is one mapped
// copy of the trampoline page (tramp.h) and, in the same mapping right
// after its data page, the blocks of one size class (a power of two, 64
// bytes at least): block I is the writable closure of slot I, so a closure
// costs its block, its 16-byte stub and its 16-byte data slot, 96 bytes
// for an ffi_closure (56 bytes on x86-64, 48 on AArch64), and a chunk's
// header and registry entries add under a byte a closure.  A registry from the pages of the blocks to their
// chunk, and the slot's own closure pointer, tell free and prep whether a
// pointer is a live closure of ours without reading the pointer's memory.
// Each class keeps a list of its chunks with free blocks, and a chunk
// whose last closure is freed goes back to the system, code, data and
// blocks at once, except one empty chunk a class keeps, so that alloc and
// free at that boundary do not map and unmap every time.  Everything
// happens under one short spin lock (a chunk is mapped or given back with
// it held, once per chunk); calling a closure takes no lock and allocates
// nothing.
#include "core.h"
#include "os.h"
#include "tramp.h"

#include <stdlib.h>
#include <string.h>

extern "C" {
// Targets of slots that have no prepared closure: calling one stops the
// program with a message instead of running garbage.
[[noreturn]] FFIX_HIDDEN void ffix_closure_unprepared(void) {
  ffix::fatal("closure", "a closure from ffi_closure_alloc was called before ffi_prep_closure_loc");
}
[[noreturn]] FFIX_HIDDEN void ffix_closure_freed(void) {
  ffix::fatal("closure", "a closure was called after ffi_closure_free");
}
}

namespace ffix {

namespace {

// The allocator's lock: held for a few dozen instructions at a time (and
// a few system calls when a chunk is mapped or given back).
int locked;
void lock() {
  while (__atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&locked, __ATOMIC_RELAXED)) yield_processor();
}
void unlock() { __atomic_store_n(&locked, 0, __ATOMIC_RELEASE); }
bool fork_handlers;

size_t page;  // the page size, once read (first ffi_closure_alloc)

// Blocks are 2^shift bytes, kMinShift and up: every ffi.h closure type
// of this ABI fits the smallest classes, and any size the program asks
// for has a class.  A chunk of large blocks takes fewer of them than it
// has slots, so that its blocks span at most kMaxArea bytes (at least one
// block): address space reserved is memory committed under strict
// overcommit.
constexpr unsigned kMinShift = 6, kClasses = 48;
constexpr size_t kMaxArea = size_t{1} << 20;
// A chunk's blocks up to this size are made present when it is mapped:
// one system call instead of a page fault per page, as the chunk fills
// (a chunk of ffi_closure blocks with 4 KiB pages: 16 KiB).
constexpr size_t kPopulate = size_t{32} << 10;
static_assert(sizeof(ffi_closure) <= size_t{1} << kMinShift, "ffi_closure fits the smallest block");
static_assert(sizeof(ffi_raw_closure) <= 128 && sizeof(ffi_java_raw_closure) <= 128,
              "raw closures fit the second class");

struct Chunk {
  Chunk *prev, *next;  // in its class's list of chunks with free blocks
  SlotPage copy;       // the slots; copy.extra holds the blocks
  Slot *free;          // freed slots, linked through Slot::closure
  size_t fresh;        // the slots from here on were never handed out
  size_t live, capacity;
  unsigned shift;
};

struct Class {
  Chunk *head, *tail;  // the chunks with a free block
  Chunk *empty;        // the one empty chunk kept, or nullptr
};
Class classes[kClasses];

Class &class_of(const Chunk *c) { return classes[c->shift - kMinShift]; }

void unlink(Class &k, Chunk *c) {
  (c->prev ? c->prev->next : k.head) = c->next;
  (c->next ? c->next->prev : k.tail) = c->prev;
  c->prev = c->next = nullptr;
}
void push_front(Class &k, Chunk *c) {
  c->prev = nullptr;
  c->next = k.head;
  (k.head ? k.head->prev : k.tail) = c;
  k.head = c;
}
// The empty chunk kept goes last, so that the partly used ones fill first.
void push_back(Class &k, Chunk *c) {
  c->next = nullptr;
  c->prev = k.tail;
  (k.tail ? k.tail->next : k.head) = c;
  k.tail = c;
}

// The registry: open addressing from the address of a page of blocks to
// its chunk, linear probing, at most 3/4 full counting erased entries
// (lookups that miss are rare: a program's own closures, fatal errors).
struct Entry {
  uintptr_t page;  // 0: never used; 1: erased
  Chunk *chunk;
};
constexpr uintptr_t kErased = 1;
Entry *table;
size_t capacity, used, entries;  // used counts erased entries too
unsigned table_bits;

size_t home(uintptr_t key) {
  return static_cast<size_t>((static_cast<uint64_t>(key) * 0x9e3779b97f4a7c15ull) >> (64 - table_bits));
}

Entry *find(uintptr_t key) {
  if (!table) return nullptr;
  for (size_t i = home(key);; i = (i + 1) & (capacity - 1)) {
    if (table[i].page == key) return &table[i];
    if (!table[i].page) return nullptr;
  }
}

// Room for N more entries without rehashing, or false (out of memory).
// A rehash sizes the table to twice the live entries, dropping the erased
// ones.
bool reserve(size_t n) {
  if (4 * (used + n) <= 3 * capacity) return true;
  unsigned bits = 6;
  while ((size_t{1} << bits) < 2 * (entries + n)) bits++;
  size_t cap = size_t{1} << bits;
  auto *fresh = static_cast<Entry *>(calloc(cap, sizeof(Entry)));
  if (!fresh) return false;
  Entry *old = table;
  size_t old_cap = capacity;
  table = fresh;
  capacity = cap;
  table_bits = bits;
  for (size_t i = 0; i < old_cap; i++) {
    if (old[i].page <= kErased) continue;
    size_t j = home(old[i].page);
    while (table[j].page) j = (j + 1) & (cap - 1);
    table[j] = old[i];
  }
  free(old);
  used = entries;
  return true;
}

void insert(uintptr_t key, Chunk *c) {
  size_t i = home(key);
  while (table[i].page > kErased) i = (i + 1) & (capacity - 1);
  if (!table[i].page) used++;
  table[i] = Entry{key, c};
  entries++;
}

// The registry keys of chunk C: the page of each block's start (every
// page of the blocks when they are smaller than a page).
template <typename F> void each_key(const Chunk *c, F f) {
  const size_t step = page > (size_t{1} << c->shift) ? page : size_t{1} << c->shift;
  for (size_t off = 0; off < c->capacity << c->shift; off += step)
    f(reinterpret_cast<uintptr_t>(c->copy.extra) + off);
}
size_t key_count(const Chunk *c) {
  const size_t step = page > (size_t{1} << c->shift) ? page : size_t{1} << c->shift;
  return ((c->capacity << c->shift) + step - 1) / step;
}

// The chunk of closures of 2^SHIFT bytes, mapped and registered, first in
// its class; or nullptr.
[[gnu::noinline, gnu::cold]] Chunk *new_chunk(Class &k, unsigned shift) {
  const size_t slots = page / FFIX_TRAMP_SIZE, block = size_t{1} << shift;
  size_t capacity = block <= kMaxArea ? kMaxArea / block : 1;
  if (capacity > slots) capacity = slots;
  auto *c = static_cast<Chunk *>(malloc(sizeof(Chunk)));
  if (!c) return nullptr;
  const size_t area = capacity << shift;
  *c = Chunk{nullptr, nullptr, map_trampolines(area, area <= kPopulate), nullptr, 0, 0, capacity, shift};
  if (!c->copy.slots || c->copy.count < capacity || !reserve(key_count(c))) {
    if (c->copy.slots) unmap_trampolines(c->copy);
    free(c);
    return nullptr;
  }
  each_key(c, [c](uintptr_t key) { insert(key, c); });
  push_front(k, c);
  return c;
}

// Give chunk C back, unlinked and empty.  Its stubs are unmapped: a stale
// code pointer of it called now faults (before, while the chunk was kept,
// it reached ffix_closure_freed's message).
[[gnu::noinline, gnu::cold]] void release(Chunk *c) {
  each_key(c, [](uintptr_t key) {
    Entry *e = find(key);
    e->page = kErased;
    entries--;
  });
  unmap_trampolines(c->copy);
  free(c);
}

// The chunk and slot of P if P is a live closure from ffi_closure_alloc,
// else nullptr.  Only our own memory is read: the registry and the slot.
Chunk *owner(const void *p, Slot **slot) {
  const auto addr = reinterpret_cast<uintptr_t>(p);
  Entry *e = find(addr & ~(page - 1));
  if (!e) return nullptr;
  Chunk *c = e->chunk;
  const uintptr_t off = addr - reinterpret_cast<uintptr_t>(c->copy.extra);
  if ((off & ((uintptr_t{1} << c->shift) - 1)) || (off >> c->shift) >= c->fresh) return nullptr;
  Slot *s = &c->copy.slots[off >> c->shift];
  if (s->closure != p) return nullptr;  // freed: the slot links free slots
  *slot = s;
  return c;
}

// The class shift for SIZE bytes, or 0 when no mapping could hold it.
unsigned shift_for(size_t size) {
  unsigned shift = kMinShift;
  while (shift < kMinShift + kClasses - 1 && (size_t{1} << shift) < size) shift++;
  return (size_t{1} << shift) < size ? 0 : shift;
}

void set_target(Slot *slot, const void *target) { __atomic_store_n(&slot->target, target, __ATOMIC_RELEASE); }

// The plan of a cif that closures can use, or nullptr (and why).  Closure
// entries find their plan in the table, so an unplanned cif (core.h) gets
// one now if the table has room again.
const Plan *closure_plan(ffi_cif *cif, const void *Backend::*entry, Why &why) {
  if (!cif) {
    refuse(&why, Reason::NullCif, nullptr);
    return nullptr;
  }
  const Backend *b = backend_for(abi_number(cif->abi));
  const Plan *p = b ? find_plan(cif->flags) : nullptr;
  if (b && !p && (cif->flags & kUnplanned)) {
    p = replan(cif);
    if (!p) {
      refuse(&why, Reason::OutOfMemory, nullptr);
      return nullptr;
    }
  }
  if (p && p->backend == b && b->*entry) return p;
  if (p && p->backend == b) refuse(&why, Reason::NoClosures, nullptr, abi_number(cif->abi));
  else refuse(&why, Reason::CifNotPrepared, nullptr);
  return nullptr;
}

// What a closure preparer returns when CIF cannot have closures.
ffi_status refusal_status(const ffi_cif *cif) {
  return cif && (cif->flags & kUnplanned) ? kOutOfMemory : FFI_BAD_ABI;
}

// The closure part of CIF's plan (built now the first time), or nullptr
// with the status to return and why.
const ClosurePart *closure_part_of(ffi_cif *cif, const void *Backend::*entry, const Plan *&plan, Why &why,
                                   ffi_status &status) {
  plan = closure_plan(cif, entry, why);
  if (!plan) {
    status = refusal_status(cif);
    return nullptr;
  }
  return closure_part(plan, cif, why, status);
}

// A closure preparer's refusal: FUNCTION's line (FFIX_DEBUG), status S.
[[gnu::cold]] ffi_status refused(const char *function, const Why &why, ffi_status s) {
  report(function, s, why);
  return s;
}

// At the first allocation, under the lock.  Never fork with the lock held
// by another thread: the child could not allocate closures.
[[gnu::noinline, gnu::cold]] void first_alloc() {
  at_fork(lock, unlock, unlock);
  fork_handlers = true;
  page = page_size();
}

} // namespace

ffi_status refuse_null_closure(const char *function) {
  Why why;
  return refused(function, (refuse(&why, Reason::NullClosure, nullptr), why), FFI_BAD_ARGTYPE);
}

} // namespace ffix

using namespace ffix;

extern "C" {

FFIX_EXPORT void *ffi_closure_alloc(size_t size, void **code) {
  if (!code) return nullptr;
  unsigned shift = shift_for(size < sizeof(ffi_closure) ? sizeof(ffi_closure) : size);
  if (!shift) return nullptr;
  lock();
  if (__builtin_expect(!fork_handlers, 0)) first_alloc();
  Class &k = classes[shift - kMinShift];
  Chunk *c = k.head ? k.head : new_chunk(k, shift);
  if (!c) {
    unlock();
    return nullptr;
  }
  if (c == k.empty) k.empty = nullptr;
  Slot *slot = c->free;
  if (slot) c->free = static_cast<Slot *>(slot->closure);
  else slot = &c->copy.slots[c->fresh++];
  void *mem = c->copy.extra + (static_cast<size_t>(slot - c->copy.slots) << shift);
  if (++c->live == c->capacity) unlink(k, c);
  slot->closure = mem;
  set_target(slot, reinterpret_cast<const void *>(ffix_closure_unprepared));
  unlock();
  *code = slot_code(slot);
  static_cast<ffi_closure *>(mem)->ftramp = *code;
  return mem;
}

FFIX_EXPORT void ffi_closure_free(void *ptr) {
  if (!ptr) return;
  lock();
  Slot *slot;
  Chunk *c = owner(ptr, &slot);
  if (!c) {
    unlock();
    fatal("ffi_closure_free", "not a closure from ffi_closure_alloc, or freed twice");
  }
  set_target(slot, reinterpret_cast<const void *>(ffix_closure_freed));
  slot->closure = c->free;
  c->free = slot;
  Class &k = class_of(c);
  if (c->live-- == c->capacity) push_front(k, c);
  if (!c->live) {
    if (k.empty) {
      unlink(k, c);
      release(c);
    } else {
      k.empty = c;
      if (k.tail != c) {  // already last (the only chunk, say): nothing to move
        unlink(k, c);
        push_back(k, c);
      }
    }
  }
  unlock();
}

FFIX_EXPORT ffi_status ffi_prep_closure_loc(ffi_closure *closure, ffi_cif *cif,
                                            void (*fun)(ffi_cif *, void *, void **, void *),
                                            void *user_data, void * /*codeloc*/) {
  // codeloc does not decide anything: a closure from ffi_closure_alloc
  // has its trampoline; any other is the program's own executable memory.
  Why why;
  ffi_status status;
  const Plan *plan;
  const ClosurePart *part = closure_part_of(cif, &Backend::closure_entry, plan, why, status);
  if (!part) return refused("ffi_prep_closure_loc", why, status);
  if (!closure) return refuse_null_closure("ffi_prep_closure_loc");
  closure->cif = cif;
  closure->fun = fun;
  closure->user_data = user_data;
  lock();
  Slot *slot;
  if (owner(closure, &slot)) {
    // A closure from ffi_closure_alloc: its trampoline is the one to arm,
    // whatever codeloc says (the deprecated ffi_prep_closure passes the
    // closure itself).  The plan first: the entry may read it.
    const auto word = reinterpret_cast<uintptr_t>(plan);
    memcpy(closure->tramp + FFIX_CLOSURE_PLAN, &word, sizeof word);
    set_target(slot, part->slot_entry);
    unlock();
  } else {
    // Memory of the program's own (codeloc is the closure): write a
    // trampoline into closure->tramp, as libffi does.
    unlock();
    write_legacy_trampoline(closure->tramp, closure, plan->backend->closure_entry);
  }
  return FFI_OK;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
FFIX_EXPORT ffi_status ffi_prep_closure(ffi_closure *closure, ffi_cif *cif,
                                        void (*fun)(ffi_cif *, void *, void **, void *), void *user_data) {
  return ffi_prep_closure_loc(closure, cif, fun, user_data, closure);
}
#pragma GCC diagnostic pop

FFIX_EXPORT ffi_status ffi_prep_go_closure(ffi_go_closure *closure, ffi_cif *cif,
                                           void (*fun)(ffi_cif *, void *, void **, void *)) {
  Why why;
  ffi_status status;
  const Plan *plan;
  if (!closure_part_of(cif, &Backend::go_entry, plan, why, status)) return refused("ffi_prep_go_closure", why, status);
  if (!closure) return refuse_null_closure("ffi_prep_go_closure");
  closure->tramp = const_cast<void *>(plan->backend->go_entry);
  closure->cif = cif;
  closure->fun = fun;
  return FFI_OK;
}

FFIX_EXPORT void ffi_call_go(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue, void *closure) {
  // The backend's invoke: a plan's own may not set the static chain.
  if (cif->flags & kUnplanned) return call_unplanned(cif, fn, rvalue, avalue, closure, true);
  const Plan *plan = plan_at(cif->flags);
  plan->backend->invoke(plan, fn, rvalue, avalue, closure);
}

} // extern "C"
