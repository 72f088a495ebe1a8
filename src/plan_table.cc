// plan_table.cc -- interning of call plans.
//
// Plans are content-addressed by their signature's key (signature.cc):
// cifs with the same signature share one plan, found without classifying
// anything again, so memory grows with the number of distinct signatures,
// never with the number of ffi_prep_cif calls (CPython's ctypes prepares a
// cif for every foreign call).  A plan, once published, is never changed
// or freed, so an index kept in a cif never goes stale, whatever happens
// to the cif's types; only its closure part is added, once, when the first
// closure of its signature is prepared.
//
// Three structures, each sized by what it holds:
// - the plan table (ffix_plans): index -> plan, one flat reservation whose
//   pages are filled 4 KiB at a time;
// - the index: open addressing, key hash -> plan index, doubled when half
//   full, so a lookup costs the same at 10 signatures and at 10^7;
// - the arena: each plan with its key in front of it, bump-allocated from
//   large blocks (plans are never freed, so nothing is spent on headers).
// Readers (find_interned, plan_index.h, inline in ffi_prep_cif) take no
// lock; writers (intern_plan) take one, after building their plan outside
// it.
#include "core.h"
#include "os.h"
#include "plan_index.h"

#include <stdlib.h>
#include <string.h>

namespace {
// The empty plan.  Each of its words is ffix_bad_cif, so that a jump
// through any field of it (a plan's invoke, a closure entry) stops the
// program with the message; code that reads a plan's data first compares
// with ffix_plans.none.  EMPTY_PLAN_BYTES covers every field jumped through
// (asserted in the backends' plan.h).
using Word = void (*)(void);
struct EmptyPlan {
  Word word[FFIX_EMPTY_PLAN_BYTES / sizeof(Word)];
};
constexpr EmptyPlan make_empty_plan() {
  EmptyPlan e{};
  for (Word &w : e.word) w = ffix_bad_cif;
  return e;
}
const EmptyPlan empty_plan = make_empty_plan();
const auto *const none = reinterpret_cast<const ffix::Plan *>(&empty_plan);
} // namespace

// Zero until the first plan: every lookup fails the bound check.
FfixPlans ffix_plans;

namespace ffix {

PlanIndex *plan_index;

namespace {

// Writers' lock, held while a finished plan is copied in and published
// (never while one is built); taken around fork() so that a child never
// inherits it held.
int locked;
bool fork_handlers;
void lock() {
  while (__atomic_exchange_n(&locked, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&locked, __ATOMIC_RELAXED)) yield_processor();
}
void unlock() { __atomic_store_n(&locked, 0, __ATOMIC_RELEASE); }

// --- the arena ---------------------------------------------------------
// A plan's block: its key's words, the word count, then the plan at the
// next 16-byte boundary.  The key is found from the plan (key_of, plan_index.h).
constexpr size_t kArenaBlock = size_t{1} << 20;
unsigned char *arena_next, *arena_end;

// Blocks are mapped, not taken from malloc: they live for the process,
// and the only pointers to the plans in them sit in the mapped plan table,
// which a leak checker does not scan.
void *map_block(size_t bytes) {
  void *p = reserve_memory(bytes);
  if (p && !commit_memory(p, bytes)) return nullptr;  // the reservation is kept: this is out of memory anyway
  return p;
}

void *arena_alloc(size_t bytes) {
  bytes = align_up(bytes, 16);
  if (bytes > kArenaBlock / 16) return map_block(align_up(bytes, 4096));  // a large plan: a block of its own
  if (bytes > static_cast<size_t>(arena_end - arena_next)) {
    // The rest of the current block (under 1/16 of it) is given up.
    auto *p = static_cast<unsigned char *>(map_block(kArenaBlock));
    if (!p) return nullptr;
    arena_next = p;
    arena_end = p + kArenaBlock;
  }
  void *p = arena_next;
  arena_next += bytes;
  return p;
}

size_t key_area(size_t words) { return align_up((words + 1) * sizeof(uint32_t), 16); }

// --- the plan table ------------------------------------------------------
size_t capacity;         // entries reserved; indices stop below it
uint32_t next_index = 1;  // index 0 means "not prepared"

// Reserve the table on first use: as large as the address space allows,
// pages filled only as plans arrive.  FFIX_MAX_PLANS (for tests) bounds the
// plans interned; cifs beyond it are unplanned (unplanned.cc).
bool reserve_table() {
  size_t most = size_t{1} << 28;
  if (const char *s = getenv("FFIX_MAX_PLANS"); s && *s) most = strtoul(s, nullptr, 10) + 1;
  for (uint32_t bits = 28; bits >= 12; bits -= 4) {
    void *p = reserve_memory(sizeof(uintptr_t) << bits);  // one pointer per plan
    if (!p) continue;
    ffix_plans.none = none;
    __atomic_store_n(&ffix_plans.table, static_cast<const Plan **>(p), __ATOMIC_RELAXED);
    capacity = most < (size_t{1} << bits) ? most : size_t{1} << bits;
    return true;
  }
  return false;
}

// Make entry INDEX readable, filling a 4 KiB stretch with the empty plan
// before the bound lets anyone read it (so a program with a few signatures
// keeps one page of table).
bool commit_index(uint32_t index) {
  constexpr size_t kStretch = size_t{4} * 1024 / sizeof(uintptr_t);
  size_t have = ffix_plans.limit;
  while (index >= have) {
    size_t upto = have + kStretch;
    if (!commit_memory(ffix_plans.table + have, kStretch * sizeof(uintptr_t))) return false;
    for (size_t i = have; i < upto; i++) ffix_plans.table[i] = none;
    __atomic_store_n(&ffix_plans.limit, upto, __ATOMIC_RELEASE);
    have = upto;
  }
  return true;
}

// --- the index (plan_index.h) --------------------------------------------
size_t entries;  // in PLAN_INDEX

PlanIndex *new_index(size_t slots) {
  size_t bytes = align_up(offsetof(PlanIndex, entry) + slots * sizeof(uint64_t), 4096);
  auto *t = static_cast<PlanIndex *>(reserve_memory(bytes));
  if (!t || !commit_memory(t, bytes)) return nullptr;
  t->mask = slots - 1;
  t->bytes = bytes;
  return t;
}

void place(PlanIndex *t, uint64_t e) {
  size_t i = index_home(static_cast<uint32_t>(e >> 32), t->mask);
  while (t->entry[i]) i = (i + 1) & t->mask;
  __atomic_store_n(&t->entry[i], e, __ATOMIC_RELEASE);
}

// Room for one more entry; false when out of memory.
bool make_room() {
  if (plan_index && 2 * (entries + 1) <= plan_index->mask + 1) return true;
  PlanIndex *bigger = new_index(plan_index ? 2 * (plan_index->mask + 1) : 1024);
  if (!bigger) return false;
  if (PlanIndex *old = plan_index) {
    for (size_t i = 0; i <= old->mask; i++)
      if (old->entry[i]) place(bigger, old->entry[i]);
    __atomic_store_n(&plan_index, bigger, __ATOMIC_RELEASE);
    discard_memory(old, old->bytes);
  } else {
    __atomic_store_n(&plan_index, bigger, __ATOMIC_RELEASE);
  }
  return true;
}

// Copy W into the arena under KEY and publish it; nullptr when out of
// memory or indices.  Called with the lock held.
const Plan *add(const Backend *backend, const Key &key, const PlanWriter &w, uint32_t tag) {
  if (!capacity && !reserve_table()) return nullptr;
  if (next_index >= capacity || !commit_index(next_index) || !make_room()) return nullptr;
  size_t front = key_area(key.size());
  auto *block = static_cast<unsigned char *>(arena_alloc(front + sizeof(Plan) + w.size()));
  if (!block) return nullptr;
  auto *plan = reinterpret_cast<Plan *>(block + front);
  uint32_t n = key.size();
  memcpy(block + front - sizeof n - key.bytes(), key.words(), key.bytes());
  memcpy(block + front - sizeof n, &n, sizeof n);
  plan->invoke = w.invoke ? w.invoke : backend->invoke;
  plan->backend = backend;
  plan->closure = nullptr;
  plan->cif_bytes = w.stack_bytes;
  memcpy(plan->data, w.data(), w.size());
  plan->index = next_index++;
  __atomic_store_n(&ffix_plans.table[plan->index], plan, __ATOMIC_RELEASE);
  place(plan_index, uint64_t{tag} << 32 | plan->index);
  entries++;
  return plan;
}

} // namespace

const Plan *intern_plan(const Backend *backend, const Key &key, uint32_t tag, const PlanWriter &w) {
  if (w.failed()) return nullptr;  // never intern half a plan
  lock();
  if (!fork_handlers) {
    at_fork(lock, unlock, unlock);
    fork_handlers = true;
  }
  // Another thread may have interned the same signature meanwhile.
  const Plan *plan = index_lookup(plan_index, tag, key.words(), key.size());
  if (!plan) plan = add(backend, key, w, tag);
  unlock();
  return plan;
}

const ClosurePart *build_closure_part(const Plan *plan, const ffi_cif *cif, Why &why, ffi_status &status) {
  // Built from CIF's types, which must still be the signature's: the key
  // they make now is the plan's (libffi's contract keeps them valid while
  // the cif is used; a program may have changed them since).
  KeyView k = key_of(plan);
  unsigned nfixed = k.words[0] & kVariadicKey ? k.words[2] : cif->nargs;
  Key key;
  uint32_t tag;
  status = describe_signature(key, tag, abi_number(cif->abi), cif->nargs, k.words[0] & kVariadicKey ? nfixed : ~0u,
                              cif->rtype, cif->arg_types, &why);
  if (status != FFI_OK) return nullptr;
  if (!same_key(plan, key.words(), key.size())) {
    status = refuse(&why, Reason::TypesChanged, nullptr, 0, 0, 0, 0, FFI_BAD_TYPEDEF);
    return nullptr;
  }
  // The same key makes the same plan: only memory can fail here.
  PlanWriter w;
  if (plan->backend->build_plan(cif, nfixed, w) != FFI_OK || w.closure.failed()) {
    status = refuse(&why, Reason::OutOfMemory, nullptr, 0, 0, 0, 0, kOutOfMemory);
    return nullptr;
  }
  lock();
  const ClosurePart *part = plan->closure;
  if (!part) {
    if (auto *p = static_cast<ClosurePart *>(arena_alloc(sizeof(ClosurePart) + w.closure.size()))) {
      p->slot_entry = w.slot_entry ? w.slot_entry : plan->backend->slot_entry;
      memcpy(p->data, w.closure.data(), w.closure.size());
      __atomic_store_n(&const_cast<Plan *>(plan)->closure, p, __ATOMIC_RELEASE);
      part = p;
    }
  }
  unlock();
  if (!part) status = refuse(&why, Reason::OutOfMemory, nullptr, 0, 0, 0, 0, kOutOfMemory);
  return part;
}

} // namespace ffix
