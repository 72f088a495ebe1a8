// plan_table.cc -- interning of call plans.
//
// Plans are content-addressed by their signature's key (signature.cc):
// cifs with the same signature share one plan, found without classifying
// anything again, so memory grows with the number of distinct signatures,
// never with the number of ffi_prep_cif calls (CPython's ctypes prepares a
// cif for every foreign call).  The table is append-only and lock-free: a
// plan, once published, is never changed or freed, so an index kept in a
// cif never goes stale, whatever happens to the cif's types.
#include "core.h"
#include "os.h"

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

namespace {

struct Node {
  Node *next;
  uint64_t hash;
  uint32_t key_bytes;
  uint32_t unused;
  const uint32_t *key;  // after the plan
  Plan plan;            // variable size: must stay last
};

constexpr unsigned kBucketBits = 12;
Node *buckets[1u << kBucketBits];
uint32_t next_index = 1;  // index 0 means "not prepared"

Node *find(Node *head, uint64_t hash, const uint32_t *words, unsigned n) {
  for (Node *node = head; node; node = __atomic_load_n(&node->next, __ATOMIC_ACQUIRE)) {
    if (node->hash == hash && node->key_bytes == n * sizeof(uint32_t) &&
        memcmp(node->key, words, n * sizeof(uint32_t)) == 0)
      return node;
  }
  return nullptr;
}

Node **bucket_of(uint64_t hash) { return &buckets[hash & ((1u << kBucketBits) - 1)]; }

size_t capacity;  // entries reserved

// Reserve the table on first use: as large as the address space allows,
// pages committed only as plans arrive (commit_index).  Called with no
// plan published.
bool reserve_table() {
  static int lock;
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {
  }
  bool ok = __atomic_load_n(&capacity, __ATOMIC_ACQUIRE) != 0;
  for (uint32_t bits = 24; !ok && bits >= 16; bits -= 4) {
    size_t bytes = sizeof(uintptr_t) << bits;  // one pointer per plan
    void *p = reserve_memory(bytes);
    if (!p) continue;
    ffix_plans.none = none;
    __atomic_store_n(&ffix_plans.table, static_cast<const Plan **>(p), __ATOMIC_RELAXED);
    __atomic_store_n(&capacity, size_t{1} << bits, __ATOMIC_RELEASE);
    ok = true;
  }
  __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
  return ok;
}

// Make the table's entry INDEX writable, committing a 4 KiB stretch of
// the reservation at a time (so a program with a few signatures keeps one
// page of table), filled with the empty plan before LIMIT lets anyone
// read it.  Called with INDEX handed out to this thread alone; the lock
// keeps two stretches from being filled at once.
bool commit_index(uint32_t index) {
  constexpr size_t kStretch = size_t{4} * 1024 / sizeof(uintptr_t);
  if (index < __atomic_load_n(&ffix_plans.limit, __ATOMIC_ACQUIRE)) return true;
  static int lock;
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {
  }
  bool ok = true;
  size_t have = ffix_plans.limit;
  while (ok && index >= have) {
    size_t upto = have + kStretch < capacity ? have + kStretch : capacity;
    ok = commit_memory(ffix_plans.table + have, (upto - have) * sizeof(uintptr_t));
    if (!ok) break;
    for (size_t i = have; i < upto; i++) ffix_plans.table[i] = none;
    __atomic_store_n(&ffix_plans.limit, upto, __ATOMIC_RELEASE);
    have = upto;
  }
  __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
  return ok;
}

// Publish PLAN at a fresh index; false when out of memory or indices.
bool publish(Plan *plan) {
  if (__atomic_load_n(&capacity, __ATOMIC_ACQUIRE) == 0 && !reserve_table()) return false;
  // Indices stop at the capacity, so that next_index never wraps to 0.
  if (__atomic_load_n(&next_index, __ATOMIC_RELAXED) >= capacity) return false;
  uint32_t index = __atomic_fetch_add(&next_index, 1, __ATOMIC_RELAXED);
  if (index >= capacity || !commit_index(index)) return false;
  plan->index = index;
  __atomic_store_n(&ffix_plans.table[index], plan, __ATOMIC_RELEASE);
  return true;
}

} // namespace

const Plan *find_interned(const Key &key) {
  uint64_t hash = key_hash(key.words(), key.size());
  Node *hit = find(__atomic_load_n(bucket_of(hash), __ATOMIC_ACQUIRE), hash, key.words(), key.size());
  return hit ? &hit->plan : nullptr;
}

const Plan *intern_plan(const Backend *backend, const Key &key, const PlanWriter &w) {
  if (w.failed()) return nullptr;  // never intern half a plan
  uint64_t hash = key_hash(key.words(), key.size());
  Node **bucket = bucket_of(hash);
  Node *head = __atomic_load_n(bucket, __ATOMIC_ACQUIRE);
  if (Node *hit = find(head, hash, key.words(), key.size())) return &hit->plan;

  size_t plan_bytes = align_up(sizeof(Node) + w.size(), 16);
  auto *node = static_cast<Node *>(alloc_aligned(16, plan_bytes + align_up(key.bytes(), 16)));
  if (!node) return nullptr;
  node->hash = hash;
  node->key_bytes = static_cast<uint32_t>(key.bytes());
  node->key = reinterpret_cast<const uint32_t *>(reinterpret_cast<unsigned char *>(node) + plan_bytes);
  memcpy(const_cast<uint32_t *>(node->key), key.words(), key.bytes());
  node->plan.invoke = w.invoke ? w.invoke : backend->invoke;
  node->plan.backend = backend;
  node->plan.slot_entry = w.slot_entry ? w.slot_entry : backend->slot_entry;
  node->plan.cif_bytes = w.stack_bytes;
  memcpy(node->plan.data, w.data(), w.size());
  if (!publish(&node->plan)) {
    free_aligned(node);
    return nullptr;
  }

  // Push onto the bucket; if another thread interned the same signature
  // meanwhile, use its plan: our index (which nobody was given) becomes an
  // alias of it, and our node goes.
  node->next = head;
  while (!__atomic_compare_exchange_n(bucket, &node->next, node, true, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
    if (Node *hit = find(node->next, hash, key.words(), key.size())) {
      __atomic_store_n(&ffix_plans.table[node->plan.index], &hit->plan, __ATOMIC_RELEASE);
      free_aligned(node);
      return &hit->plan;
    }
  }
  return &node->plan;
}

} // namespace ffix
