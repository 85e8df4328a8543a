// Uninitialised scratch memory from the caching allocator, grown on demand.
// A fresh std::vector would be zero-filled and page-faulted in on every call,
// which costs more than the work itself for large inputs.
#pragma once
#include <algorithm>
#include <cstddef>

#include "alloc.h"

namespace tl {

template <class T>
class Scratch {
 public:
  Scratch() = default;
  ~Scratch() { release(); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;

  // At least n elements; contents are not kept when it grows. Throws std::bad_alloc.
  T* get(size_t n) {
    if (n > cap_ || p_ == nullptr) {
      release();
      p_ = static_cast<T*>(host_alloc(std::max<size_t>(n, 1) * sizeof(T), &bytes_));
      cap_ = bytes_ / sizeof(T);
    }
    return p_;
  }

 private:
  void release() {
    if (p_) host_free(p_, bytes_);
    p_ = nullptr;
    cap_ = bytes_ = 0;
  }
  T* p_ = nullptr;
  size_t cap_ = 0, bytes_ = 0;
};

}  // namespace tl
