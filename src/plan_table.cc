// plan_table.cc -- interning of call plans.
//
// Plans are content-addressed: two cifs whose signatures classify the same
// way share one plan, so memory grows with the number of distinct
// signatures, never with the number of ffi_prep_cif calls (CPython's ctypes
// prepares a cif for every foreign call).  The table is append-only and
// lock-free: a plan, once published, is never changed or freed, so an index
// kept in a cif never goes stale, whatever happens to the cif's types.
#include "ffix.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

namespace {
const ffix::Plan *no_plans[1];
}

const ffix::Plan **ffix_plan_table = no_plans;
uint32_t ffix_plan_capacity = 1;

namespace ffix {

namespace {

struct Node {
  Node *next;
  uint64_t hash;
  Plan plan;  // variable size: must stay last
};

constexpr unsigned kBucketBits = 12;
Node *buckets[1u << kBucketBits];
uint32_t next_index = 1;  // index 0 means "not prepared"

// Plans are written in 8-byte units (PlanWriter::append rounds up).
uint64_t hash_words(const Backend *backend, const unsigned char *p, size_t n) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ reinterpret_cast<uintptr_t>(backend) ^ n;
  for (size_t i = 0; i < n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h;
}

Node *find(Node *head, const Backend *backend, uint64_t hash, const PlanWriter &w) {
  for (Node *n = head; n; n = __atomic_load_n(&n->next, __ATOMIC_ACQUIRE))
    if (n->hash == hash && n->plan.backend == backend && n->plan.bytes == w.len &&
        memcmp(n->plan.data, w.buf, w.len) == 0)
      return n;
  return nullptr;
}

// Reserve the table on first use: as large as the address space allows,
// pages committed only as plans arrive.  Called with no plan published.
bool reserve_table() {
  static int lock;
  while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE)) {
  }
  bool ok = __atomic_load_n(&ffix_plan_capacity, __ATOMIC_ACQUIRE) > 1;
  for (uint32_t bits = 24; !ok && bits >= 16; bits -= 4) {
    size_t bytes = sizeof(Plan *) << bits;
    void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) continue;
    __atomic_store_n(&ffix_plan_table, static_cast<const Plan **>(p), __ATOMIC_RELAXED);
    __atomic_store_n(&ffix_plan_capacity, uint32_t{1} << bits, __ATOMIC_RELEASE);
    ok = true;
  }
  __atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
  return ok;
}

// Publish PLAN at a fresh index; false when out of memory or indices.
bool publish(Plan *plan) {
  if (__atomic_load_n(&ffix_plan_capacity, __ATOMIC_ACQUIRE) == 1 && !reserve_table()) return false;
  uint32_t index = __atomic_fetch_add(&next_index, 1, __ATOMIC_RELAXED);
  if (index >= __atomic_load_n(&ffix_plan_capacity, __ATOMIC_ACQUIRE)) return false;
  plan->index = index;
  __atomic_store_n(&ffix_plan_table[index], plan, __ATOMIC_RELEASE);
  return true;
}

} // namespace

uint32_t intern_plan(const Backend *backend, const PlanWriter &w) {
  uint64_t hash = hash_words(backend, w.buf, w.len);
  Node **bucket = &buckets[hash & ((1u << kBucketBits) - 1)];
  Node *head = __atomic_load_n(bucket, __ATOMIC_ACQUIRE);
  if (Node *hit = find(head, backend, hash, w)) return hit->plan.index;

  auto *node = static_cast<Node *>(aligned_alloc(16, align_up(sizeof(Node) + w.len, 16)));
  if (!node) return 0;
  node->hash = hash;
  node->plan.invoke = backend->invoke;
  node->plan.backend = backend;
  node->plan.bytes = static_cast<uint32_t>(w.len);
  memcpy(node->plan.data, w.buf, w.len);
  if (!publish(&node->plan)) return 0;  // node stays unreachable: out of memory anyway

  // Push onto the bucket; if another thread interned the same plan
  // meanwhile, use its entry.  Ours stays published under its own index
  // (identical content, so harmless) and is never freed.
  node->next = head;
  while (!__atomic_compare_exchange_n(bucket, &node->next, node, true, __ATOMIC_RELEASE,
                                      __ATOMIC_ACQUIRE)) {
    if (Node *hit = find(node->next, backend, hash, w)) return hit->plan.index;
  }
  return node->plan.index;
}

PlanWriter::~PlanWriter() {
  if (buf != inline_buf) free(buf);
}

void *PlanWriter::grow_and_append(size_t n) {
  if (failed) return nullptr;
  size_t want = cap * 2 > len + n ? cap * 2 : len + n;
  auto *bigger = static_cast<unsigned char *>(malloc(want));
  if (!bigger) {
    failed = true;
    return nullptr;
  }
  memcpy(bigger, buf, len);
  if (buf != inline_buf) free(buf);
  buf = bigger;
  cap = want;
  return append(n);
}

} // namespace ffix
