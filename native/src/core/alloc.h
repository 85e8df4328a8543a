// Host caching allocator. Freed blocks are kept (up to a cap) and handed out
// again for requests of a similar size, so hot loops that make fresh results
// reuse pages that are already mapped instead of faulting in new ones.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tl {

struct AllocStats {
  size_t allocated = 0;       // bytes in live blocks
  size_t live_blocks = 0;     // blocks handed out and not yet freed (leak checks count these)
  size_t peak_allocated = 0;
  size_t cached = 0;          // bytes in free blocks kept for reuse
  uint64_t cache_hits = 0;
  uint64_t system_allocs = 0;
};

// Returns a 64-byte aligned block of at least n bytes (never null: throws std::bad_alloc).
void* host_alloc(size_t n, size_t* actual);
void host_free(void* p, size_t actual);
void host_empty_cache();
AllocStats host_stats();

}  // namespace tl
