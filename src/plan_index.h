// plan_index.h -- the reader's side of the plan table's index
// (plan_table.cc has the writers): inline, so that ffi_prep_cif finds a
// signature seen before without a call.  Readers take no lock.
//
// An entry is the key's hash_tag (signature.h) and the plan's index
// (never 0, so an empty entry is 0).  The home of an entry is taken from
// the tag, so growing needs no key rehashed.  A table replaced by a larger
// one stays mapped but its pages go back to the system: a reader still in
// it reads zeros, misses, and the writer's lookup under the lock finds the
// plan (one plan built for nothing, only while a grow races a lookup).
#pragma once

#include "signature.h"

namespace ffix {

struct PlanIndex {
  size_t mask;
  size_t bytes;  // of this mapping
  uint64_t entry[];
};
// The current index; nullptr before the first plan (plan_table.cc).
extern FFIX_HIDDEN PlanIndex *plan_index;

// The tag is the top of a multiplied hash (hash_tag): its low bits are
// as good a home as any.
inline size_t index_home(uint32_t tag, size_t mask) { return tag & mask; }

// A plan's key sits in front of it: its words, then their count.
struct KeyView {
  const uint32_t *words;
  uint32_t n;
};
inline KeyView key_of(const Plan *plan) {
  uint32_t n;
  __builtin_memcpy(&n, reinterpret_cast<const unsigned char *>(plan) - sizeof n, sizeof n);
  return {reinterpret_cast<const uint32_t *>(plan) - 1 - n, n};
}

// KEY's N words (N >= 2: every key has its ABI and argument count)
// against PLAN's key, eight bytes at a time with the last eight bytes
// taken apart (overlapping when N is odd), so no tail is left: a key is a
// few words, and a call of memcmp costs more than comparing them.
inline bool same_key(const Plan *plan, const uint32_t *key, uint32_t n) {
  KeyView k = key_of(plan);
  if (k.n != n) return false;
  auto pair = [](const uint32_t *w) {
    uint64_t v;
    __builtin_memcpy(&v, w, 8);
    return v;
  };
  const uint32_t *a = k.words, *last = key + n - 2;
  uint64_t diff = pair(a + n - 2) ^ pair(last);
  for (; key < last; a += 2, key += 2) diff |= pair(a) ^ pair(key);
  return !diff;
}

// The plan of the key of N words at KEY (hash_tag TAG) in index T, or
// nullptr.
inline const Plan *index_lookup(const PlanIndex *t, uint32_t tag, const uint32_t *key, uint32_t n) {
  if (!t) return nullptr;
  for (size_t i = index_home(tag, t->mask);; i = (i + 1) & t->mask) {
    uint64_t e = __atomic_load_n(&t->entry[i], __ATOMIC_ACQUIRE);
    if (!e) return nullptr;
    if (static_cast<uint32_t>(e >> 32) != tag) continue;
    const Plan *plan = __atomic_load_n(&ffix_plans.table[static_cast<uint32_t>(e)], __ATOMIC_ACQUIRE);
    if (same_key(plan, key, n)) return plan;
  }
}

// The interned plan for the key of N words at KEY, whose hash_tag is TAG,
// or nullptr.
inline const Plan *find_interned(const uint32_t *key, uint32_t n, uint32_t tag) {
  return index_lookup(__atomic_load_n(&plan_index, __ATOMIC_ACQUIRE), tag, key, n);
}

} // namespace ffix
