#include "alloc.h"

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <map>
#include <mutex>
#include <new>

namespace tl {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kMaxCached = size_t{2} << 30;  // beyond this, freed blocks go back to the system

size_t round_size(size_t n) {
  if (n < 4096) return (n + kAlign - 1) / kAlign * kAlign;
  return (n + 4095) / 4096 * 4096;
}

struct Cache {
  std::mutex mu;
  std::multimap<size_t, void*> free_blocks;
  AllocStats stats;
};

Cache& cache() {
  static Cache c;
  return c;
}

// Small storages are JavaScript slabs that V8 frees with free() when they are
// collected. glibc gives heap memory back to the kernel once 128 KiB sit free at
// the top, and the next slabs then page-fault fresh pages in: perf put a sixth
// of a small matmul in page faults. Keeping up to 256 MiB lets malloc recycle
// warm pages (median small mm 0.64 -> 0.47 us). Process-wide, so a user's own
// MALLOC_TRIM_THRESHOLD_ or MALLOC_MMAP_THRESHOLD_ wins.
struct MallocTuning {
  MallocTuning() {
#if defined(__GLIBC__)
    if (std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr || std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return;
    // Setting either threshold switches off glibc's adaptive mmap threshold,
    // so set that one too, to the ceiling the adaptive rule would reach:
    // otherwise every 128 KiB+ malloc (OpenBLAS's per-call buffers among
    // them) is a fresh mmap, and sgemm 256 dropped from 140 to 94 GFLOP/s.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  }
} malloc_tuning;

}  // namespace

void* host_alloc(size_t n, size_t* actual) {
  size_t want = round_size(n == 0 ? 1 : n);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> g(c.mu);
    // Reuse a cached block that is not more than twice the request.
    auto it = c.free_blocks.lower_bound(want);
    if (it != c.free_blocks.end() && it->first <= 2 * want) {
      void* p = it->second;
      *actual = it->first;
      c.stats.cached -= it->first;
      c.free_blocks.erase(it);
      c.stats.allocated += *actual;
      c.stats.live_blocks++;
      if (c.stats.allocated > c.stats.peak_allocated) c.stats.peak_allocated = c.stats.allocated;
      ++c.stats.cache_hits;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, want);
  if (p == nullptr) {
    host_empty_cache();
    p = std::aligned_alloc(kAlign, want);
    if (p == nullptr) throw std::bad_alloc();
  }
  std::lock_guard<std::mutex> g(c.mu);
  *actual = want;
  c.stats.allocated += want;
  c.stats.live_blocks++;
  if (c.stats.allocated > c.stats.peak_allocated) c.stats.peak_allocated = c.stats.allocated;
  ++c.stats.system_allocs;
  return p;
}

void host_free(void* p, size_t actual) {
  if (p == nullptr) return;
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  c.stats.allocated -= actual;
  c.stats.live_blocks--;
  if (c.stats.cached + actual > kMaxCached) {
    std::free(p);
    return;
  }
  c.free_blocks.emplace(actual, p);
  c.stats.cached += actual;
}

void host_empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  for (auto& kv : c.free_blocks) std::free(kv.second);
  c.free_blocks.clear();
  c.stats.cached = 0;
}

AllocStats host_stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> g(c.mu);
  return c.stats;
}

}  // namespace tl
