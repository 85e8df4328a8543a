// A small fixed pool. Work below `grain` elements per chunk stays on the calling
// thread so tiny tensors never pay a wake-up.
#pragma once
#include <cstdint>
#include <functional>

namespace tl {

int num_threads();
void set_num_threads(int n);

// Runs fn(begin, end) over [0, n) split into at most num_threads() chunks of at
// least `grain` items. fn must not throw.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Elements per chunk below which elementwise work is not split.
constexpr int64_t kElementwiseGrain = 32768;

}  // namespace tl
