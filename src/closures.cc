// closures.cc -- ffi_closure_alloc/free, ffi_prep_closure(_loc) and Go
// closures (ABI-neutral; each backend supplies its entries).
//
// Every closure from ffi_closure_alloc owns one static trampoline slot
// (tramp.h).  The writable ffi_closure itself is a recycled block of ours
// (or heap memory when large); a table from closure to slot, under one
// short spin lock, serves free and prep.  Calling a closure takes no lock and allocates nothing.
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

// The allocator's lock: held for a few dozen instructions at a time.
int locked;
void lock() {
  while (__atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&locked, __ATOMIC_RELAXED)) yield_processor();
}
void unlock() { __atomic_store_n(&locked, 0, __ATOMIC_RELEASE); }
bool fork_handlers;

Slot *free_slots;  // linked through Slot::closure

// Writable closures of up to kBlock bytes (every closure type of ffi.h)
// come from blocks carved out of large allocations and recycled; larger
// ones from malloc.
constexpr size_t kBlock = 128, kBlocksPerChunk = 512;
static_assert(sizeof(ffi_closure) <= kBlock && sizeof(ffi_raw_closure) <= kBlock &&
              sizeof(ffi_java_raw_closure) <= kBlock);
struct Block {
  Block *next;
};
Block *free_blocks;

void *take_block() {
  if (!free_blocks) {
    auto *chunk = static_cast<unsigned char *>(alloc_aligned(64, kBlock * kBlocksPerChunk));
    if (!chunk) return nullptr;
    for (size_t i = kBlocksPerChunk; i-- > 0;) {
      auto *b = reinterpret_cast<Block *>(chunk + i * kBlock);
      b->next = free_blocks;
      free_blocks = b;
    }
  }
  Block *b = free_blocks;
  free_blocks = b->next;
  return b;
}

// Open addressing: closure pointer -> its slot and whether its memory is
// a block.  Freeing or preparing a pointer looks it up here, so a pointer
// ffix never handed out, or one freed already, is recognised.
struct Entry {
  void *key;
  Slot *slot;
  bool block;
};
void *const kErased = reinterpret_cast<void *>(1);
Entry *table;
size_t capacity, used, live;  // used counts erased entries too

size_t home(const void *p, size_t cap) {
  return static_cast<size_t>((reinterpret_cast<uintptr_t>(p) * 0x9e3779b97f4a7c15ull) >> 16) & (cap - 1);
}

Entry *find(const void *key) {
  if (!table) return nullptr;
  for (size_t i = home(key, capacity);; i = (i + 1) & (capacity - 1)) {
    if (table[i].key == key) return &table[i];
    if (!table[i].key) return nullptr;
  }
}

// Rehash into a table sized for the live entries, dropping erased ones.
bool rehash() {
  size_t cap = 256;
  while (cap < 4 * (live + 1)) cap *= 2;
  auto *fresh = static_cast<Entry *>(calloc(cap, sizeof(Entry)));
  if (!fresh) return false;
  for (size_t i = 0; i < capacity; i++) {
    if (table[i].key && table[i].key != kErased) {
      size_t j = home(table[i].key, cap);
      while (fresh[j].key) j = (j + 1) & (cap - 1);
      fresh[j] = table[i];
    }
  }
  free(table);
  table = fresh;
  capacity = cap;
  used = live;
  return true;
}

bool insert(void *key, Slot *slot, bool block) {
  if (2 * (used + 1) > capacity && !rehash()) return false;
  size_t i = home(key, capacity);
  while (table[i].key && table[i].key != kErased) i = (i + 1) & (capacity - 1);
  if (!table[i].key) used++;
  table[i] = Entry{key, slot, block};
  live++;
  return true;
}

void erase(Entry *e) {
  e->key = kErased;
  live--;
}

void set_target(Slot *slot, const void *target) { __atomic_store_n(&slot->target, target, __ATOMIC_RELEASE); }

void push_free(Slot *slot) {
  set_target(slot, reinterpret_cast<const void *>(ffix_closure_freed));
  slot->closure = free_slots;
  free_slots = slot;
}

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
  if (size < sizeof(ffi_closure)) size = sizeof(ffi_closure);
  bool block = size <= kBlock;
  void *mem = block ? nullptr : malloc(size);
  if (!block && !mem) return nullptr;
  lock();
  if (!fork_handlers) {
    // Never fork with the lock held by another thread: the child could not
    // allocate closures.
    at_fork(lock, unlock, unlock);
    fork_handlers = true;
  }
  if (!free_slots) {
    SlotPage page = map_trampolines();
    for (size_t i = page.count; i-- > 0;) push_free(&page.slots[i]);
  }
  if (block) mem = take_block();
  Slot *slot = free_slots;
  if (!mem || !slot || !insert(mem, slot, block)) {
    if (block && mem) {
      static_cast<Block *>(mem)->next = free_blocks;
      free_blocks = static_cast<Block *>(mem);
    }
    unlock();
    if (!block) free(mem);
    return nullptr;
  }
  free_slots = static_cast<Slot *>(slot->closure);
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
  Entry *e = find(ptr);
  if (!e) {
    unlock();
    fatal("ffi_closure_free", "not a closure from ffi_closure_alloc, or freed twice");
  }
  bool block = e->block;
  push_free(e->slot);
  erase(e);
  if (block) {
    static_cast<Block *>(ptr)->next = free_blocks;
    free_blocks = static_cast<Block *>(ptr);
  }
  unlock();
  if (!block) free(ptr);
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
  Entry *e = find(closure);
  if (e) {
    // A closure from ffi_closure_alloc: its trampoline is the one to arm,
    // whatever codeloc says (the deprecated ffi_prep_closure passes the
    // closure itself).  The plan first: the entry may read it.
    const auto word = reinterpret_cast<uintptr_t>(plan);
    memcpy(closure->tramp + FFIX_CLOSURE_PLAN, &word, sizeof word);
    set_target(e->slot, part->slot_entry);
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
