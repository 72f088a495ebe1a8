// plan_writer.cc -- the buffers plans are built in (backend.h).
#include "backend.h"

#include <stdlib.h>
#include <string.h>

namespace ffix {

Bytes::~Bytes() {
  if (buf_ != inline_) free(buf_);
}

void *Bytes::grow_and_append(size_t n) {
  if (failed_) return nullptr;
  size_t want = cap_ * 2 > len_ + n ? cap_ * 2 : len_ + n;
  auto *bigger = static_cast<unsigned char *>(malloc(want));
  if (!bigger) {
    failed_ = true;
    return nullptr;
  }
  memcpy(bigger, buf_, len_);
  if (buf_ != inline_) free(buf_);
  buf_ = bigger;
  cap_ = want;
  return append(n);
}

void Bytes::append(const Bytes &other) {
  if (other.failed_) {
    failed_ = true;
    return;
  }
  if (other.len_ == 0) return;
  if (void *p = append(other.len_)) memcpy(p, other.buf_, other.len_);
}

} // namespace ffix
