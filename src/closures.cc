// closures.cc -- ffi_closure_alloc/free, ffi_prep_closure(_loc) and Go
// closures (ABI-neutral; each backend supplies its entries).
//
// Every closure from ffi_closure_alloc owns one static trampoline slot
// (tramp.h).  The writable ffi_closure itself is ordinary heap memory; a
// table from closure to slot, under one short spin lock, serves free and
// prep.  Calling a closure takes no lock and allocates nothing.
#include "ffix.h"
#include "tramp.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

extern "C" {
// Targets of slots that have no prepared closure: calling one stops the
// program with a message instead of running garbage.
[[noreturn]] FFIX_HIDDEN void ffix_closure_unprepared(void) {
  ffix::fatal("a closure from ffi_closure_alloc was called before ffi_prep_closure_loc");
}
[[noreturn]] FFIX_HIDDEN void ffix_closure_freed(void) {
  ffix::fatal("a closure was called after ffi_closure_free");
}
}

namespace ffix {

namespace {

// The allocator's lock: held for a few dozen instructions at a time.
int locked;
void lock() {
  while (__atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&locked, __ATOMIC_RELAXED)) sched_yield();
}
void unlock() { __atomic_store_n(&locked, 0, __ATOMIC_RELEASE); }

pthread_once_t fork_handlers = PTHREAD_ONCE_INIT;
Slot *free_slots;  // linked through Slot::closure

// Open addressing: closure pointer -> its slot.
struct Entry {
  void *key;
  Slot *slot;
};
void *const kErased = reinterpret_cast<void *>(1);
Entry *table;
size_t capacity, occupied;  // occupied counts erased entries too

size_t hash(void *p) {
  uint64_t x = reinterpret_cast<uintptr_t>(p);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  return static_cast<size_t>(x ^ (x >> 33));
}

Entry *find(void *key) {
  if (!table) return nullptr;
  for (size_t i = hash(key) & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
    if (table[i].key == key) return &table[i];
    if (!table[i].key) return nullptr;
  }
}

bool grow() {
  size_t cap = capacity ? capacity * 2 : 256;
  auto *fresh = static_cast<Entry *>(calloc(cap, sizeof(Entry)));
  if (!fresh) return false;
  Entry *old = table;
  size_t old_cap = capacity;
  table = fresh;
  capacity = cap;
  occupied = 0;
  for (size_t i = 0; i < old_cap; i++) {
    if (old[i].key && old[i].key != kErased) {
      size_t j = hash(old[i].key) & (cap - 1);
      while (table[j].key) j = (j + 1) & (cap - 1);
      table[j] = old[i];
      occupied++;
    }
  }
  free(old);
  return true;
}

bool insert(void *key, Slot *slot) {
  if (2 * (occupied + 1) > capacity && !grow()) return false;
  size_t i = hash(key) & (capacity - 1);
  while (table[i].key && table[i].key != kErased) i = (i + 1) & (capacity - 1);
  if (!table[i].key) occupied++;
  table[i] = Entry{key, slot};
  return true;
}

void set_target(Slot *slot, const void *target) { __atomic_store_n(&slot->target, target, __ATOMIC_RELEASE); }

void push_free(Slot *slot) {
  set_target(slot, reinterpret_cast<const void *>(ffix_closure_freed));
  slot->closure = free_slots;
  free_slots = slot;
}

// Keep the allocator usable in a child of fork(): never fork with the
// lock held by another thread.
void install_fork_handlers() {
  pthread_atfork(lock, unlock, unlock);
}

// The backend and plan of a cif that closures can use, or nullptr.
const Backend *closure_backend(const ffi_cif *cif, const void *Backend::*entry) {
  if (!cif) return nullptr;
  const Backend *b = backend_for(cif->abi);
  const Plan *p = b ? find_plan(cif->flags) : nullptr;
  return p && p->backend == b && b->*entry ? b : nullptr;
}

} // namespace

} // namespace ffix

using namespace ffix;

extern "C" {

FFIX_EXPORT void *ffi_closure_alloc(size_t size, void **code) {
  if (!code) return nullptr;
  if (size < sizeof(ffi_closure)) size = sizeof(ffi_closure);
  void *mem = malloc(size);
  if (!mem) return nullptr;
  pthread_once(&fork_handlers, install_fork_handlers);
  lock();
  if (!free_slots) {
    if (Slot *page = map_trampolines()) {
      for (int i = FFIX_TRAMP_COUNT - 1; i >= 0; i--) push_free(&page[i]);
    }
  }
  Slot *slot = free_slots;
  if (!slot || !insert(mem, slot)) {
    unlock();
    free(mem);
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
    fatal("ffi_closure_free: not a closure from ffi_closure_alloc, or freed twice");
  }
  Slot *slot = e->slot;
  e->key = kErased;
  push_free(slot);
  unlock();
  free(ptr);
}

FFIX_EXPORT ffi_status ffi_prep_closure_loc(ffi_closure *closure, ffi_cif *cif,
                                            void (*fun)(ffi_cif *, void *, void **, void *),
                                            void *user_data, void *codeloc) {
  const Backend *b = closure_backend(cif, &Backend::closure_entry);
  if (!b) return FFI_BAD_ABI;
  if (!closure) return FFI_BAD_ARGTYPE;
  closure->cif = cif;
  closure->fun = fun;
  closure->user_data = user_data;
  lock();
  Entry *e = find(closure);
  Slot *slot = e ? e->slot : nullptr;
  if (slot && slot_code(slot) == codeloc) {
    set_target(slot, b->slot_entry);
    unlock();
  } else {
    // Memory of the program's own (codeloc is the closure): write a
    // trampoline into closure->tramp, as libffi does.
    unlock();
    write_legacy_trampoline(closure->tramp, closure, b->closure_entry);
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
  const Backend *b = closure_backend(cif, &Backend::go_entry);
  if (!b) return FFI_BAD_ABI;
  if (!closure) return FFI_BAD_ARGTYPE;
  closure->tramp = const_cast<void *>(b->go_entry);
  closure->cif = cif;
  closure->fun = fun;
  return FFI_OK;
}

FFIX_EXPORT void ffi_call_go(ffi_cif *cif, void (*fn)(void), void *rvalue, void **avalue, void *closure) {
  const Plan *plan = plan_at(cif->flags);
  plan->invoke(plan, fn, rvalue, avalue, closure);
}

} // extern "C"
