// The caching allocator of one device, written without CUDA types so that its
// bookkeeping is tested on the CPU (with malloc standing in for cudaMalloc).
//
// Note [Caching allocator]: PyTorch's scheme, trimmed.
// - Requests are rounded up to 512 bytes (also the alignment of every block).
// - Small requests (<= 1 MiB) are carved from 2 MiB segments, large ones from
//   20 MiB segments below 10 MiB and from a segment of their own (rounded up
//   to 2 MiB) above: the driver sees few, big cudaMallocs, and a training
//   loop whose sizes repeat reaches a steady state with no cudaMalloc at all.
// - A segment belongs to the stream that was current when it was made, and so
//   do all its blocks. A freed block is reusable at once, but only on that
//   stream: work queued later on the same stream runs after the work that
//   used the block, so no synchronisation is needed. Streams are named by a
//   serial number, never reused, so a block of a destroyed stream cannot be
//   handed to a new stream that happens to get the same cudaStream_t.
// - A request takes the smallest free block of its stream and pool that fits
//   and splits off the rest; freeing merges a block with its free neighbours
//   in the same segment, so a wholly free segment is one block again.
// - free() never calls the segment source: it runs inside V8's garbage
//   collector (Note [GC finalizers] in addon.cc), where only bookkeeping is
//   allowed. Segments go back to the driver only in release_cached()
//   (emptyCache, and before an out-of-memory error), after a device sync.
// - Callers must not hold anything the collector may need while calling in,
//   and this class never calls Node-API, so its mutex cannot deadlock with a
//   finalizer that runs on the same thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

namespace tl::cuda {

// Where segments come from: cudaMalloc/cudaFree in the addon, malloc in tests.
struct SegmentSource {
  bool (*malloc)(int device, size_t bytes, void** p);  // false when out of memory (error state cleared)
  void (*free)(int device, void* p);
  void (*sync)(int device);  // waits for all work queued on the device
};

struct PoolStats {
  size_t allocated = 0;  // bytes in blocks handed out (rounded sizes, as PyTorch counts them)
  size_t peak_allocated = 0;
  size_t reserved = 0;  // bytes in segments obtained from the driver
  size_t active_blocks = 0;
  size_t cached_blocks = 0;  // free blocks kept for reuse
  uint64_t alloc_retries = 0;  // cudaMalloc failures answered by releasing the cache
  uint64_t ooms = 0;
  uint64_t segment_allocs = 0;  // cudaMalloc calls that succeeded
};

class Pool {
 public:
  static constexpr size_t kRound = 512;
  static constexpr size_t kSmallSize = size_t{1} << 20;
  static constexpr size_t kSmallSegment = size_t{2} << 20;
  static constexpr size_t kMediumSegment = size_t{20} << 20;
  static constexpr size_t kLargeRequest = size_t{10} << 20;
  static constexpr size_t kMaxRequest = size_t{1} << 48;  // far beyond any GPU; keeps the rounding exact

  Pool(int device, SegmentSource source) : device_(device), src_(source) {}
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  static size_t round_size(size_t n) { return n < kRound ? kRound : (n + kRound - 1) / kRound * kRound; }

  // A block of at least `bytes` (0 < bytes <= kMaxRequest) usable on `stream`,
  // or nullptr when the device is out of memory. With `release_on_failure`,
  // a failed segment malloc first releases the cache (a device sync) and
  // tries once more; the caller may prefer to collect garbage first, since
  // dead tokens hold blocks that releasing the cache cannot reach.
  char* alloc(size_t bytes, uint64_t stream, bool release_on_failure = true) {
    const size_t size = round_size(bytes);
    const bool small = size <= kSmallSize;
    std::lock_guard<std::mutex> g(mu_);
    FreeSet& fs = small ? free_small_ : free_large_;
    Block* b = nullptr;
    auto it = fs.lower_bound(Key{stream, size, nullptr});
    if (it != fs.end() && std::get<0>(*it) == stream) {
      b = blocks_.at(std::get<2>(*it)).get();
      fs.erase(it);
      --stats_.cached_blocks;
    } else {
      b = new_segment(segment_size(size), stream, small, release_on_failure);
      if (b == nullptr) return nullptr;
    }
    const size_t rest = b->size - size;
    if (small ? rest >= kRound : rest > kSmallSize) {
      auto tail = std::make_unique<Block>(*b);
      tail->ptr = b->ptr + size;
      tail->size = rest;
      fs.insert(key(*tail));
      ++stats_.cached_blocks;
      blocks_.emplace(tail->ptr, std::move(tail));
      b->size = size;
    }
    b->allocated = true;
    stats_.allocated += b->size;
    ++stats_.active_blocks;
    if (stats_.allocated > stats_.peak_allocated) stats_.peak_allocated = stats_.allocated;
    return b->ptr;
  }

  // Returns a block from alloc() to the cache; false (and no change) for a
  // pointer that is not a live block of this pool. Safe inside a GC finalizer.
  bool free(char* p) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = blocks_.find(p);
    if (it == blocks_.end() || !it->second->allocated) return false;
    Block* b = it->second.get();
    b->allocated = false;
    stats_.allocated -= b->size;
    --stats_.active_blocks;
    FreeSet& fs = b->small ? free_small_ : free_large_;
    auto next = std::next(it);
    if (next != blocks_.end() && mergeable(*b, *next->second)) {
      fs.erase(key(*next->second));
      --stats_.cached_blocks;
      b->size += next->second->size;
      blocks_.erase(next);
    }
    if (it != blocks_.begin()) {
      auto prev = std::prev(it);
      if (mergeable(*b, *prev->second)) {
        fs.erase(key(*prev->second));
        --stats_.cached_blocks;
        prev->second->size += b->size;
        blocks_.erase(it);
        b = prev->second.get();
      }
    }
    fs.insert(key(*b));
    ++stats_.cached_blocks;
    return true;
  }

  // Gives every wholly free segment back to the driver (after a device sync,
  // since queued work may still read a block freed on its stream).
  void release_cached() {
    std::lock_guard<std::mutex> g(mu_);
    release_locked();
  }

  PoolStats stats() {
    std::lock_guard<std::mutex> g(mu_);
    return stats_;
  }

  void reset_peak() {
    std::lock_guard<std::mutex> g(mu_);
    stats_.peak_allocated = stats_.allocated;
  }

  int device() const { return device_; }

 private:
  struct Block {
    char* ptr = nullptr;
    size_t size = 0;
    uint64_t stream = 0;
    char* segment = nullptr;  // base of the segment the block lies in
    size_t segment_size = 0;
    bool small = false;
    bool allocated = false;
  };
  using Key = std::tuple<uint64_t, size_t, char*>;  // (stream, size, address): best fit per stream
  using FreeSet = std::set<Key>;

  static Key key(const Block& b) { return Key{b.stream, b.size, b.ptr}; }
  static bool mergeable(const Block& b, const Block& other) { return !other.allocated && other.segment == b.segment; }

  static size_t segment_size(size_t size) {
    if (size <= kSmallSize) return kSmallSegment;
    if (size < kLargeRequest) return kMediumSegment;
    return (size + kSmallSegment - 1) / kSmallSegment * kSmallSegment;
  }

  Block* new_segment(size_t bytes, uint64_t stream, bool small, bool release_on_failure) {
    void* p = nullptr;
    if (!src_.malloc(device_, bytes, &p)) {
      if (!release_on_failure) return nullptr;
      ++stats_.alloc_retries;
      release_locked();
      if (!src_.malloc(device_, bytes, &p)) {
        ++stats_.ooms;
        return nullptr;
      }
    }
    ++stats_.segment_allocs;
    stats_.reserved += bytes;
    auto b = std::make_unique<Block>();
    b->ptr = b->segment = static_cast<char*>(p);
    b->size = b->segment_size = bytes;
    b->stream = stream;
    b->small = small;
    Block* raw = b.get();
    blocks_.emplace(raw->ptr, std::move(b));
    return raw;
  }

  void release_locked() {
    bool synced = false;
    for (auto it = blocks_.begin(); it != blocks_.end();) {
      Block& b = *it->second;
      if (b.allocated || b.ptr != b.segment || b.size != b.segment_size) {
        ++it;
        continue;
      }
      if (!synced) {
        src_.sync(device_);
        synced = true;
      }
      (b.small ? free_small_ : free_large_).erase(key(b));
      --stats_.cached_blocks;
      stats_.reserved -= b.segment_size;
      src_.free(device_, b.ptr);
      it = blocks_.erase(it);
    }
  }

  const int device_;
  const SegmentSource src_;
  std::mutex mu_;
  std::map<char*, std::unique_ptr<Block>> blocks_;  // every block, by address: neighbours are adjacent entries
  FreeSet free_small_, free_large_;
  PoolStats stats_;
};

}  // namespace tl::cuda
