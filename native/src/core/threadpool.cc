#include "threadpool.h"

#include <algorithm>
#include <chrono>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace tl {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

class Pool {
 public:
  explicit Pool(int workers) { resize(workers); }
  ~Pool() { stop(); }

  int size() const { return static_cast<int>(threads_.size()) + 1; }

  void resize(int workers) {
    stop();
    std::lock_guard<std::mutex> g(mu_);
    quit_ = false;
    quit_flag_.store(false);
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this, i] { loop(i); });
  }

  // Chunk 0 runs on the caller; chunks 1..k-1 on workers.
  void run(int chunks, const std::function<void(int)>& job) {
    {
      std::lock_guard<std::mutex> g(mu_);
      job_ = &job;
      chunks_ = chunks;
      next_.store(1);
      pending_.store(chunks - 1);
      ++generation_;
    }
    cv_.notify_all();
    job(0);
    for (;;) {  // help with chunks no worker took yet
      int c = next_.fetch_add(1);
      if (c >= chunks) break;
      job(c);
      pending_.fetch_sub(1);
    }
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, [this] { return pending_.load() == 0 && active_ == 0; });
    job_ = nullptr;
  }

 private:
  void loop(int) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      int chunks;
      // Spin briefly before sleeping: back-to-back parallel ops (a loop of big
      // adds or sums) then start without a futex wake-up, as OpenMP's
      // spinning workers do for PyTorch.
      auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
      while (generation_.load(std::memory_order_acquire) == seen && !quit_flag_.load(std::memory_order_relaxed) &&
             std::chrono::steady_clock::now() < until) {
        for (int k = 0; k < 64; ++k) cpu_relax();
      }
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return quit_ || generation_.load() != seen; });
        if (quit_) return;
        seen = generation_;
        job = job_;
        chunks = chunks_;
        if (job == nullptr) continue;  // woke after that run had already finished
        ++active_;
      }
      for (;;) {
        int c = next_.fetch_add(1);
        if (c >= chunks) break;
        (*job)(c);
        pending_.fetch_sub(1);
      }
      // Leave only after our last fetch_add, so a later run never meets a
      // worker still holding this run's job.
      std::lock_guard<std::mutex> g(mu_);
      --active_;
      done_cv_.notify_all();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> g(mu_);
      quit_ = true;
      quit_flag_.store(true);
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* job_ = nullptr;
  int chunks_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> quit_flag_{false};
  std::atomic<int> next_{0}, pending_{0};
  int active_ = 0;
  bool quit_ = false;
};

int default_threads() {
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(hc);
}

Pool& pool() {
  static Pool p(default_threads() - 1);
  return p;
}

std::mutex run_mu;  // one parallel region at a time (JS is single-threaded anyway)

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  std::lock_guard<std::mutex> g(run_mu);
  pool().resize(std::max(1, n) - 1);
}

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = std::min<int64_t>(num_threads(), n / grain);
  if (chunks <= 1) {
    fn(0, n);
    return;
  }
  std::unique_lock<std::mutex> g(run_mu, std::try_to_lock);
  if (!g.owns_lock()) {  // nested call from inside a chunk: run inline
    fn(0, n);
    return;
  }
  const int64_t per = (n + chunks - 1) / chunks;
  std::function<void(int)> job = [&](int c) {
    int64_t b = c * per, e = std::min(n, b + per);
    if (b < e) fn(b, e);
  };
  pool().run(static_cast<int>(chunks), job);
}

}  // namespace tl
